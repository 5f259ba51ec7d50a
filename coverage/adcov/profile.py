"""Altitude profiles: how coverage falls off as targets fly lower.

Covered fraction of the region and of each sector zone against target altitude, on a log scale
from 10 m to the highest ceiling of the scenario's systems. Below a system's *crossover altitude*
its envelope is limited by the radar horizon; above it, by the missile's slant range. The
profile reports, per altitude, how many envelopes are in each regime, and per system the
crossover altitude itself.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .envelope import envelope_radii

__all__ = ["PROFILE_MIN_ALTITUDE_M", "profile_altitudes", "crossover_altitude_m",
           "altitude_profile", "crossovers", "plot_profile"]

#: Lowest target altitude of a profile. [m]
PROFILE_MIN_ALTITUDE_M = 10.0


def profile_altitudes(scenario, points: int = 30) -> np.ndarray:
    """Log-spaced altitudes from 10 m to the highest ceiling among the scenario's systems, with
    the scenario's own altitudes added. [m]"""
    if points < 2:
        raise ValueError("points must be at least 2")
    top = max(s.system.max_altitude_m for s in scenario.sites)
    alts = np.geomspace(PROFILE_MIN_ALTITUDE_M, max(top, PROFILE_MIN_ALTITUDE_M * 10), points)
    alts = np.round(alts, 1)
    extra = [a for a in scenario.altitudes_m if PROFILE_MIN_ALTITUDE_M <= a <= alts[-1]]
    return np.unique(np.concatenate([alts, extra]))


def crossover_altitude_m(max_range_km, antenna_height_m, lat_deg, *, k_factor=4 / 3,
                         max_altitude_m=1e6) -> float:
    """Target altitude where the radar horizon and the slant-range limit give the same ground
    radius: horizon-limited below, range-limited above. [m]

    Parameters
    ----------
    max_range_km : float
        Maximum slant range of the missile. [km]
    antenna_height_m : float
        Radar antenna height above its ground. [m]
    lat_deg : float
        Site latitude, for the Gaussian radius of curvature. [deg]
    k_factor : float, default 4/3
        Effective Earth radius factor for the radar horizon. [-]
    max_altitude_m : float, default 1e6
        Upper end of the search (the system's ceiling). [m]

    Returns
    -------
    float
        The crossover altitude [m]; ``nan`` when the envelope is range-limited even at ground
        level (short-range systems on a tall mast), or horizon-limited up to
        ``max_altitude_m``.

    Examples
    --------
    A 75 km missile on a 24 m mast turns range-limited at about 180 m:

    >>> round(crossover_altitude_m(75.0, 24.0, 53.0))
    176
    """
    def regime(h):
        r = envelope_radii(max_range_km, 0.0, 2e6, 0.0, antenna_height_m, h, lat_deg,
                           k_factor=k_factor)
        return str(r["limited_by"][0])

    lo, hi = 0.0, float(max_altitude_m)
    if regime(lo) == "range":
        return float("nan")
    if regime(hi) == "horizon":
        return float("nan")
    for _ in range(60):  # bisection to well under a metre
        mid = 0.5 * (lo + hi)
        if regime(mid) == "horizon":
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def crossovers(scenario) -> pd.DataFrame:
    """Crossover altitude of every distinct (system, antenna height) in the scenario."""
    seen = {}
    for s in scenario.sites:
        key = (s.system.id, s.effective_antenna_height_m)
        if key not in seen:
            seen[key] = crossover_altitude_m(
                s.system.max_range_km, s.effective_antenna_height_m, s.lat,
                k_factor=scenario.k_factor, max_altitude_m=s.system.max_altitude_m)
    return pd.DataFrame([{"system": k[0], "antenna_height_m": k[1], "crossover_altitude_m": v}
                         for k, v in seen.items()])


def altitude_profile(scenario, altitudes_m=None, *, points: int = 30, progress=None) -> pd.DataFrame:
    """Covered fraction per altitude for the region and each sector zone.

    Parameters
    ----------
    scenario : Scenario
    altitudes_m : sequence of float, optional
        Target altitudes; default :func:`profile_altitudes`. [m]
    points : int, default 30
        Number of log-spaced altitudes when ``altitudes_m`` is not given.
    progress : callable, optional
        ``progress(done, total)`` after each altitude.

    Returns
    -------
    pandas.DataFrame
        One row per altitude and zone (region and sectors): ``altitude_m``, ``zone``,
        ``zone_kind``, ``covered_fraction``, ``covered_km2``, ``mean_depth``, and the number of
        envelopes ``n_range``, ``n_horizon`` and ``n_empty`` (ceiling, floor or dead zone).
    """
    from .analysis import analyze

    alts = profile_altitudes(scenario, points) if altitudes_m is None else \
        np.unique(np.asarray(altitudes_m, dtype=float))
    sc = dataclasses.replace(scenario, altitudes_m=tuple(float(a) for a in alts))
    res = analyze(sc, progress=progress)
    z = res.zones[res.zones.zone_kind.isin(["region", "sector"])]
    counts = res.sites.groupby("altitude_m").limited_by.value_counts().unstack(fill_value=0)
    out = z[["altitude_m", "zone", "zone_kind", "covered_fraction", "covered_km2",
             "mean_depth"]].copy()
    for col, key in (("n_range", "range"), ("n_horizon", "horizon")):
        out[col] = out.altitude_m.map(counts[key] if key in counts else {}).fillna(0).astype(int)
    empty = [c for c in counts.columns if c not in ("range", "horizon")]
    out["n_empty"] = out.altitude_m.map(counts[empty].sum(axis=1) if empty else {}).fillna(0).astype(int)
    return out.reset_index(drop=True)


def plot_profile(profile: pd.DataFrame, *, title: str = "", crossover=None):
    """Covered fraction against target altitude (log axis), one line per zone, with the regimes
    of the envelopes underneath. Returns a matplotlib Figure.

    Parameters
    ----------
    profile : DataFrame
        From :func:`altitude_profile`.
    title : str
        Figure title.
    crossover : DataFrame, optional
        From :func:`crossovers`: drawn as dotted vertical lines.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("plots need matplotlib: pip install 'airdefense-coverage[plot]'") from exc

    fig, (ax, axr) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]}, layout="constrained")
    for zone, part in profile.groupby("zone", sort=False):
        kind = part.zone_kind.iloc[0]
        ax.plot(part.altitude_m, part.covered_fraction * 100, marker="o", ms=3,
                lw=2.6 if kind == "region" else 1.6, ls="-" if kind == "region" else "--",
                label=f"{zone} ({'region' if kind == 'region' else 'sector'})")
    lo, hi = profile.altitude_m.min(), profile.altitude_m.max()
    if crossover is not None:
        inside = crossover.dropna()
        inside = inside[(inside.crossover_altitude_m >= lo) & (inside.crossover_altitude_m <= hi)]
        for rec in inside.itertuples():
            ax.axvline(rec.crossover_altitude_m, color="0.5", lw=0.8, ls=":")
            ax.text(rec.crossover_altitude_m, 101, rec.system, rotation=90, fontsize=7,
                    va="bottom", ha="center", color="0.35")
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 100)
    ax.set_ylabel("covered [%]")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    if title:
        ax.set_title(title, fontsize=10, pad=38 if crossover is not None else 6)

    per_alt = profile.drop_duplicates("altitude_m")
    total = (per_alt.n_range + per_alt.n_horizon + per_alt.n_empty).replace(0, 1)
    axr.stackplot(per_alt.altitude_m, per_alt.n_horizon / total * 100,
                  per_alt.n_range / total * 100, per_alt.n_empty / total * 100,
                  labels=["horizon-limited", "range-limited", "empty (ceiling, floor)"],
                  colors=["#9ecae1", "#fdae6b", "#d9d9d9"])
    axr.set_ylabel("envelopes [%]")
    axr.set_xlabel("target altitude above the radar's ground [m] (log scale)")
    axr.set_ylim(0, 100)
    axr.legend(loc="upper left", fontsize=7, ncol=3)
    return fig
