"""Altitude profiles: how coverage falls off as targets fly lower.

Covered fraction of the region and of each sector zone against target altitude, on a log scale
from 10 m to the highest ceiling of the scenario's systems, extended to every altitude the
scenario itself lists. Below a system's *crossover altitude* its envelope is limited by the
radar horizon; above it, by the missile's slant range. The profile reports, per altitude, how
many envelopes are in each regime, and per system the crossover altitude itself.

In detection mode (``scenario.mode == "detection"``) the slant range is the radar's detection
range from the search radar's height, with no missile ceiling or floor; sites without an
envelope in the scenario's mode (a surveillance radar in engagement mode, a missile system
without a catalogued detection range in detection mode) have no crossover and no ceiling.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely

from .models.detection import detection_antenna_height_m
from .models.engagement import envelope_radii
from ._convexclip import overlap_areas
from .overlay import CELL_SIZE_M, clip_to, cut_envelopes
from .pipeline import scenario_sweep
from .stats import measure_zones

__all__ = ["PROFILE_MIN_ALTITUDE_M", "PROFILE_TOP_WITHOUT_CEILING_M", "PROFILE_COLUMNS",
           "profile_altitudes", "crossover_altitude_m", "altitude_profile", "crossovers",
           "with_bands"]

#: Lowest target altitude of a profile. [m]
PROFILE_MIN_ALTITUDE_M = 10.0
#: Highest target altitude of a profile when no site has a ceiling in the scenario's mode
#: (detection envelopes have none): the highest missile ceiling in the catalog. [m]
PROFILE_TOP_WITHOUT_CEILING_M = 30_000.0
#: Columns of :func:`altitude_profile`.
PROFILE_COLUMNS = ("altitude_m", "zone", "zone_kind", "covered_fraction", "covered_km2",
                   "mean_depth", "n_range", "n_horizon", "n_empty")


def profile_altitudes(scenario, points: int = 30) -> np.ndarray:
    """Log-spaced target altitudes over the scenario's vertical extent, with every altitude of
    the scenario and the edges of the systems' envelopes added. [m]

    The grid runs from 10 m (:data:`PROFILE_MIN_ALTITUDE_M`) to the highest ceiling among the
    scenario's systems (at least 100 m), and is extended to take in the scenario's own
    altitudes: down to the lowest one above 0 m, up to the highest. A scenario altitude of 0 m
    is kept too, though a log axis cannot show it.

    Coverage falls off a cliff at a system's ceiling and floor, so each ceiling and floor inside
    the range is a point, and so is the first altitude beyond it (1 m above a ceiling, 0.1 m
    below a floor): a line through the points then drops where the coverage does, instead of
    fading out between two grid points. Likewise the envelopes change regime at each
    crossover altitude (:func:`crossover_altitude_m`), so each (system, antenna height) adds
    a point 0.5 m below its sites' lowest crossover and one 0.5 m above their highest (the
    sites' latitudes move it by about a metre), each on the 0.1 m grid: the regime counts then
    step at the crossover instead of sliding between two grid points.

    Parameters
    ----------
    scenario : Scenario
    points : int, default 30
        Number of log-spaced altitudes, before the scenario's own are added. [-]

    Returns
    -------
    numpy.ndarray
        Sorted distinct altitudes: grid points rounded to 0.1 m (to 3 significant digits below
        10 m), the others exact. [m]

    Examples
    --------
    >>> from dataclasses import replace
    >>> from adcov.scenario import Scenario
    >>> sc = Scenario.builtin("belarus-2023")  # ceilings up to 30 km
    >>> alts = profile_altitudes(sc)
    >>> float(alts[0]), float(alts[-1])
    (10.0, 30000.0)
    >>> all(a in alts for a in (10000, 10001, 27000, 27001))  # ceilings and 1 m above them
    True
    >>> alts = profile_altitudes(replace(sc, altitudes_m=(0, 5, 300, 40000)))
    >>> float(alts[0]), float(alts[1]), float(alts[-1])
    (0.0, 5.0, 40000.0)
    >>> all(a in alts for a in (9.9, 10, 30000, 30001))  # the 10 m floor, the 30 km ceiling
    True
    >>> [float(a) for a in alts if 175 < a < 178]  # either side of S-300PS's 176.3 m crossover
    [175.7, 176.9]
    """
    if points < 2:
        raise ValueError(f"points must be at least 2 (got {points})")
    mode = getattr(scenario, "mode", "engagement")
    limits = [lim for lim in (_envelope_limits(s, mode) for s in scenario.sites)
              if lim is not None]
    ceilings = [lim[2] for lim in limits if lim[2] is not None]
    ceiling = max(ceilings) if ceilings else PROFILE_TOP_WITHOUT_CEILING_M
    own = np.asarray(scenario.altitudes_m, dtype=float)
    lo = min([PROFILE_MIN_ALTITUDE_M, *own[own > 0]])
    hi = max([ceiling, PROFILE_MIN_ALTITUDE_M * 10, *own])
    grid = np.geomspace(lo, hi, points)
    # 0.1 m is finer than any altitude figure, but too coarse for a grid below 10 m
    digits = np.maximum(1, 2 - np.floor(np.log10(grid))).astype(int)
    grid = np.array([round(a, d) for a, d in zip(grid, digits)])
    grid[0], grid[-1] = lo, hi
    edges = []
    for top, floor in {(lim[2], lim[3]) for lim in limits}:
        if top is not None:
            edges += [a for a in (top, top + 1.0) if lo <= a <= hi]
        if floor is not None:
            edges += [a for a in (floor - 0.1, floor) if lo < floor and lo <= a <= hi]
    for found in _site_crossovers(scenario).values():
        found = [c for c in found if np.isfinite(c)]
        if found:
            below = math.floor((min(found) - 0.5) * 10.0) / 10.0
            above = math.ceil((max(found) + 0.5) * 10.0) / 10.0
            edges += [a for a in (below, above) if lo <= a <= hi]
    return np.unique(np.concatenate([grid, own, edges]))


def _envelope_limits(site, mode: str):
    """``(slant range km, antenna height m, ceiling m or None, floor m or None)`` of a site's
    envelope in an analysis mode, or None when it has no envelope in that mode.

    Engagement: the missile's range, the fire-control radar's height and the missile's
    altitude limits (a surveillance radar has no engagement envelope). Detection: the
    detection range from the search radar's height, with no altitude limits (a system without
    a catalogued detection range has no detection envelope).
    """
    sy = site.system
    if mode == "detection":
        if sy.detection_range_km is None:
            return None
        return (float(sy.detection_range_km), float(detection_antenna_height_m(site)),
                None, None)
    if getattr(sy, "kind", "engagement") != "engagement" or sy.max_range_km is None:
        return None
    return (float(sy.max_range_km), float(site.effective_antenna_height_m),
            None if sy.max_altitude_m is None else float(sy.max_altitude_m),
            None if sy.min_altitude_m is None else float(sy.min_altitude_m))


def _site_crossovers(scenario) -> dict:
    """(system id, antenna height) -> the crossover altitude of each of its sites that has an
    envelope in the scenario's mode. [m]"""
    mode = getattr(scenario, "mode", "engagement")
    at = {}
    for s in scenario.sites:
        lim = _envelope_limits(s, mode)
        if lim is None:
            continue
        rng, ha, top, _ = lim
        at.setdefault((s.system.id, ha), {}).setdefault(
            s.lat, (rng, ha, s.lat, 1e6 if top is None else top))
    args = [a for found in at.values() for a in found.values()]
    values = iter(_crossovers_m(*zip(*args), k_factor=scenario.k_factor) if args else ())
    return {key: [float(next(values)) for _ in found] for key, found in at.items()}


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
    return float(_crossovers_m([max_range_km], [antenna_height_m], [lat_deg], [max_altitude_m],
                               k_factor=k_factor)[0])


def _crossovers_m(max_range_km, antenna_height_m, lat_deg, max_altitude_m, *,
                  k_factor=4 / 3) -> np.ndarray:
    """:func:`crossover_altitude_m` of many envelopes at once: the same bisection, one
    vectorised model call per step for all of them. [m]"""
    rng, ha, lat, top = (np.asarray(a, dtype=float) for a in (
        max_range_km, antenna_height_m, lat_deg, max_altitude_m))
    if not len(rng):
        return np.empty(0)

    def regime(h):
        return envelope_radii(rng, 0.0, 2e6, 0.0, ha, h, lat, k_factor=k_factor)["limited_by"]

    lo, hi = np.zeros_like(top), top.copy()
    # range-limited at ground level, or horizon-limited up to the top: no crossover
    found = (regime(lo) != "range") & (regime(hi) != "horizon")
    for _ in range(60):  # bisection to well under a metre
        mid = 0.5 * (lo + hi)
        below = regime(mid) == "horizon"
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.where(found, 0.5 * (lo + hi), np.nan)


def crossovers(scenario) -> pd.DataFrame:
    """Crossover altitude of every distinct (system, antenna height) in the scenario that has
    an envelope in the scenario's mode (in detection mode: the detection range from the search
    radar's height, with no ceiling)."""
    mode = getattr(scenario, "mode", "engagement")
    seen = {}
    for s in scenario.sites:
        lim = _envelope_limits(s, mode)
        if lim is None:
            continue
        rng, ha, top, _ = lim
        seen.setdefault((s.system.id, ha), (rng, ha, s.lat, 1e6 if top is None else top))
    values = _crossovers_m(*zip(*seen.values()), k_factor=scenario.k_factor) if seen else []
    return pd.DataFrame([{"system": k[0], "antenna_height_m": k[1],
                          "crossover_altitude_m": float(v)} for k, v in zip(seen, values)],
                        columns=["system", "antenna_height_m", "crossover_altitude_m"])


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

    Notes
    -----
    The figures are those of :func:`adcov.stats.zone_figures` (the region from its sectors,
    :func:`adcov.stats.measure_zones`),
    that is :func:`adcov.stats.covered_area_m2` and
    :func:`adcov.stats.depth_integral_m2` on :func:`adcov.pipeline.cut_scenario`'s covers (to
    rounding), computed with less work: each altitude cuts only its distinct non-empty
    envelopes (co-located systems share one wherever the radar horizon limits both; an
    envelope counted twice weighs twice in the depth integral), builds only the union
    (:func:`adcov.overlay.cut_envelopes` with ``max_depth=1``), skips altitudes where every
    envelope is empty, and measures only the region and the sectors.
    """
    alts = profile_altitudes(scenario, points) if altitudes_m is None else \
        np.unique(np.asarray(altitudes_m, dtype=float))
    sweep = scenario_sweep(scenario, alts, cell_m=cell_m)
    zones = [zp for zp in sweep.frame.zones if zp.kind in ("region", "sector")]
    rows = []
    for i, (alt, envs, polys) in enumerate(zip(sweep.altitudes_m, sweep.envelopes,
                                               sweep.polygons)):
        limits = [str(e.limited_by) for e in envs]
        n_range, n_horizon = limits.count("range"), limits.count("horizon")
        keep, weight = _distinct(polys)
        cover = None
        if len(keep):
            # the union needs only the distinct polygons, and no layer beyond depth 1
            cover = cut_envelopes(sweep.frame, [envs[j] for j in keep], polys[keep],
                                  altitude_m=alt, max_depth=1)
        # the region's figures from its sectors, as in the zone table
        figures = measure_zones(zones, lambda zp: ([0.0], 0.0) if cover is None
                                else _measure(zp, cover, weight, sweep.frame.grid))
        for zp in zones:
            (covered,), depth = figures[zp.name]
            rows.append({
                "altitude_m": alt, "zone": zp.name, "zone_kind": zp.kind,
                "covered_fraction": covered / zp.area_m2, "covered_km2": covered / 1e6,
                "mean_depth": depth / zp.area_m2,
                "n_range": n_range, "n_horizon": n_horizon,
                "n_empty": len(limits) - n_range - n_horizon})
        if progress is not None:
            progress(i + 1, len(sweep.altitudes_m))
    return pd.DataFrame(rows, columns=list(PROFILE_COLUMNS))


def _distinct(polygons) -> tuple[np.ndarray, np.ndarray]:
    """The non-empty polygons, each once: their indices, and how many of the polygons equal
    each (co-located systems share an envelope wherever the radar horizon limits both)."""
    polygons = np.asarray(polygons, dtype=object)
    live = np.flatnonzero(~shapely.is_empty(polygons)) if len(polygons) else np.empty(0, int)
    first: dict = {}
    keep, weight = [], []
    for i, key in zip(live, shapely.to_wkb(polygons[live])):
        j = first.setdefault(key, len(keep))
        if j == len(keep):
            keep.append(i)
            weight.append(0)
        weight[j] += 1
    return np.array(keep, dtype=int), np.array(weight, dtype=float)


def _measure(zone, cover, weight, grid) -> tuple[list, float]:
    """The zone's covered area (in a one-element list, as :func:`adcov.stats.measure_zones`
    takes it) and depth integral, as :func:`adcov.stats.covered_area_m2` and
    :func:`adcov.stats.depth_integral_m2` give them, for a cover of distinct polygons (the one
    of envelope ``e`` counted ``weight[e]`` times in the depth integral). [m2]"""
    # depth integral: every envelope's pieces in the zone
    pos = zone.lookup[cover.full_c]
    inside = pos >= 0
    depth = float((zone.piece_area[pos[inside]] * weight[cover.full_e[inside]]).sum())
    pos = zone.lookup[cover.part_c]
    inside = pos >= 0
    if inside.any():
        pcs, p, w = cover.part_pieces[inside], pos[inside], weight[cover.part_e[inside]]
        zfull = zone.full[p]
        depth += float((shapely.area(pcs[zfull]) * w[zfull]).sum())
        if (~zfull).any():
            areas = overlap_areas(pcs[~zfull], zone.pieces, p[~zfull],
                                  boxes=grid.cell_bounds(cover.part_c[inside][~zfull]))
            depth += float((areas * w[~zfull]).sum())
    # covered area: the union (layer 1) in the zone
    cells = zone.cells
    lf = cover.layer_full[0][cells]
    lg = cover.layers[0][cells]
    both = ~lf & ~shapely.is_empty(lg)
    area = np.where(lf, zone.piece_area, 0.0)
    zone_full = zone.full & both
    area[zone_full] = shapely.area(lg[zone_full])
    cut = np.flatnonzero(both & ~zone.full)
    if len(cut):
        area[cut] = shapely.area(clip_to(lg[cut], zone.pieces[cut]))
    # summed piece by piece, a fully covered zone can come out a few ulps above its area
    return [min(float(area.sum()), zone.area_m2)], depth


def with_bands(profile: pd.DataFrame, bands: pd.DataFrame) -> pd.DataFrame:
    """The profile with the p5, p50 and p95 covered fraction of each of its rows, and the
    ``samples`` and ``seed`` they come from, joined on (``altitude_m``, ``zone``).

    Parameters
    ----------
    profile : DataFrame
        From :func:`altitude_profile`.
    bands : DataFrame
        From :func:`adcov.uncertainty.profile_bands` on the same altitudes.

    Returns
    -------
    pandas.DataFrame
        :data:`PROFILE_COLUMNS`, then ``p5``, ``p50``, ``p95``, ``samples``, ``seed``; the
        profile's rows in its order.

    Raises
    ------
    ValueError
        When a row of the profile has no band (other altitudes or zones).
    """
    keys = ["altitude_m", "zone"]
    extra = ["p5", "p50", "p95", "samples", "seed"]
    if bands.duplicated(keys).any():
        raise ValueError("bands have more than one row for an altitude and zone")
    out = profile.merge(bands[keys + extra], on=keys, how="left", validate="one_to_one",
                        sort=False)
    missing = out.p5.isna()
    if missing.any():
        row = out[missing].iloc[0]
        raise ValueError(f"bands have no row for zone {row.zone!r} at {row.altitude_m:g} m "
                         f"({int(missing.sum())} of the profile's rows missing)")
    return out.astype({"samples": int, "seed": int})
