"""Altitude profiles: how coverage falls off as targets fly lower.

Covered fraction of the region and of each sector zone against target altitude, on a log scale
from 10 m to the highest ceiling of the scenario's systems. Below a system's *crossover altitude*
its envelope is limited by the radar horizon; above it, by the missile's slant range. The
profile reports, per altitude, how many envelopes are in each regime, and per system the
crossover altitude itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .models.engagement import envelope_radii
from .overlay import CELL_SIZE_M
from .pipeline import cut_scenario
from .stats import covered_area_m2, depth_integral_m2

__all__ = ["PROFILE_MIN_ALTITUDE_M", "PROFILE_COLUMNS", "profile_altitudes",
           "crossover_altitude_m", "altitude_profile", "crossovers"]

#: Lowest target altitude of a profile. [m]
PROFILE_MIN_ALTITUDE_M = 10.0
#: Columns of :func:`altitude_profile`.
PROFILE_COLUMNS = ("altitude_m", "zone", "zone_kind", "covered_fraction", "covered_km2",
                   "mean_depth", "n_range", "n_horizon", "n_empty")


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


def altitude_profile(scenario, altitudes_m=None, *, points: int = 30,
                     cell_m: float = CELL_SIZE_M, progress=None) -> pd.DataFrame:
    """Covered fraction per altitude for the region and each sector zone.

    Parameters
    ----------
    scenario : Scenario
    altitudes_m : sequence of float, optional
        Target altitudes; default :func:`profile_altitudes`. [m]
    points : int, default 30
        Number of log-spaced altitudes when ``altitudes_m`` is not given.
    cell_m : float, optional
        Grid cell size of the overlay. [m]
    progress : callable, optional
        ``progress(done, total)`` after each altitude.

    Returns
    -------
    pandas.DataFrame
        One row per altitude and zone (region and sectors), columns :data:`PROFILE_COLUMNS`:
        the covered fraction, area and mean depth, and the number of envelopes ``n_range``,
        ``n_horizon`` and ``n_empty`` (ceiling, floor or dead zone).
    """
    alts = profile_altitudes(scenario, points) if altitudes_m is None else \
        np.unique(np.asarray(altitudes_m, dtype=float))
    pieces = cut_scenario(scenario, alts, cell_m=cell_m, progress=progress)
    rows = []
    for cover in pieces.covers:
        limits = [str(e.limited_by) for e in cover.envelopes]
        n_range, n_horizon = limits.count("range"), limits.count("horizon")
        for zp in pieces.frame.zones:
            if zp.kind not in ("region", "sector"):
                continue
            covered = covered_area_m2(zp, cover)
            rows.append({
                "altitude_m": cover.altitude_m, "zone": zp.name, "zone_kind": zp.kind,
                "covered_fraction": covered / zp.area_m2, "covered_km2": covered / 1e6,
                "mean_depth": depth_integral_m2(zp, cover) / zp.area_m2,
                "n_range": n_range, "n_horizon": n_horizon,
                "n_empty": len(limits) - n_range - n_horizon})
    return pd.DataFrame(rows, columns=list(PROFILE_COLUMNS))
