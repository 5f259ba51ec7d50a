"""From a scenario to pieces: envelopes from the models, the region's zones, the frame, and one
cover per target altitude.

This is the common first half of every computation (:func:`adcov.analysis.analyze`, the
altitude profile); what each then measures on the pieces is up to it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely

from .borders import Zones, cached_zones
from .envelope import envelope_polygons
from .models import envelopes
from .overlay import CELL_SIZE_M, MAX_DEPTH, Frame, build_frame, cut_envelopes
from .projection import lonlat_to_laea_xy

__all__ = ["IN_REGION_TOLERANCE_M", "Pieces", "Sweep", "region_zones", "sites_in_region",
           "scenario_sweep", "cut_scenario"]


@dataclass(frozen=True, eq=False)
class Pieces:
    """A scenario's envelopes and zones, cut into cells.

    Attributes
    ----------
    scenario : Scenario
        What was cut.
    zones : Zones
        The region's zones (LAEA).
    frame : Frame
        The zones cut into the grid.
    covers : tuple of Cover
        One per altitude, in the order of ``altitudes_m``.
    cell_m : float
        Grid cell size. [m]
    dem : str or None
        The DEM the envelopes were masked with (its description), or None.
    """

    scenario: object
    zones: Zones
    frame: Frame
    covers: tuple
    cell_m: float
    dem: str | None = None

    @property
    def altitudes_m(self) -> tuple:
        """The altitudes of the covers. [m]"""
        return tuple(c.altitude_m for c in self.covers)


@lru_cache(maxsize=8)
def _zones(region, sectors, belt_km, reach_km) -> Zones:
    return cached_zones(region, dict(sectors), belt_km=belt_km, reach_km=reach_km)


def region_zones(scenario, reach_km: float) -> Zones:
    """The zones of a scenario's region, with the neighbours' territory kept within reach.

    Parameters
    ----------
    scenario : Scenario
        Its region, sectors and belt width.
    reach_km : float
        How far beyond the region envelopes reach. [km]

    Notes
    -----
    Zones depend on the scenario only through the region, sectors and belt width; the reach is
    rounded up to 100 km so that similar scenarios share them (a longer reach only keeps more
    of the neighbours' territory). They are cached, and immutable.
    """
    return _zones(scenario.region, tuple((k, tuple(v)) for k, v in scenario.sectors.items()),
                  scenario.belt_km, math.ceil(reach_km / 100.0) * 100.0)


#: A site this close to the region counts as in it (the 1:10m borders are generalised). [m]
IN_REGION_TOLERANCE_M = 1000.0


def sites_in_region(scenario, zones: Zones) -> np.ndarray:
    """Per site: does it lie in the region (within :data:`IN_REGION_TOLERANCE_M`)?"""
    x, y = lonlat_to_laea_xy([s.lon for s in scenario.sites], [s.lat for s in scenario.sites],
                             zones.lon0, zones.lat0)
    return shapely.dwithin(zones.region_geom, shapely.points(x, y), IN_REGION_TOLERANCE_M)


@dataclass(frozen=True, eq=False)
class Sweep:
    """A scenario's envelopes and polygons at each altitude, with the frame they are cut into:
    everything :func:`cut_scenario` needs to cut them.

    Attributes
    ----------
    zones : Zones
        The region's zones (LAEA).
    frame : Frame
        The zones cut into a grid that covers every polygon.
    altitudes_m : tuple of float
        Target altitudes. [m]
    envelopes : tuple of tuple of Envelope
        Per altitude, one envelope per site (terrain-masked with a DEM).
    polygons : tuple of ndarray
        Per altitude, the envelopes' polygons (LAEA; empty for empty envelopes).
    inside : ndarray of bool
        Per site: does it lie in the region (its envelope counts beyond the border)?
    dem : str or None
        The DEM applied (its description), or None.
    """

    zones: Zones
    frame: Frame
    altitudes_m: tuple
    envelopes: tuple
    polygons: tuple
    inside: np.ndarray
    dem: str | None = None


def scenario_sweep(scenario, altitudes_m=None, *, cell_m: float = CELL_SIZE_M,
                   also_sites=()) -> Sweep:
    """Every envelope of a scenario at each altitude, its polygon, and the frame to cut them
    into (the first half of :func:`cut_scenario`).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    altitudes_m : sequence of float, optional
        Target altitudes (default: the scenario's). [m]
    cell_m : float, optional
        Grid cell size. [m]
    also_sites : sequence of Site, optional
        Sites whose envelopes the grid and the neighbours' zones must also take in.

    Returns
    -------
    Sweep
    """
    alts = tuple(float(a) for a in (scenario.altitudes_m if altitudes_m is None else altitudes_m))
    mode = getattr(scenario, "mode", "engagement")
    dem = scenario_dem(scenario)
    reference = altitude_reference(scenario)
    if dem is not None and reference == "msl":
        per_alt = [_msl_envelopes(scenario, h, dem, mode) for h in alts]
    else:
        per_alt = [envelopes(scenario.sites, h, k_factor=scenario.k_factor, mode=mode)
                   for h in alts]
    # Sites to be added later (adcov.analysis.extend): the grid and the neighbours' zones
    # are made to take in their envelopes too, without counting them.
    also = [envelopes(also_sites, h, k_factor=scenario.k_factor, mode=mode) for h in alts] \
        if also_sites else []
    reach = max((e.outer_km for envs in per_alt + also for e in envs), default=0.0)
    zones = region_zones(scenario, reach)
    polys = [envelope_polygons(envs, zones.lon0, zones.lat0) for envs in per_alt]
    extent = [envelope_polygons(envs, zones.lon0, zones.lat0) for envs in also]
    if dem is not None:
        per_alt, polys = _terrain_mask(scenario, dem, reference, alts, per_alt, polys, zones)
    frame = build_frame(zones, np.concatenate(polys + extent) if polys else [], cell_m=cell_m)
    inside = sites_in_region(scenario, zones)
    return Sweep(zones, frame, alts, tuple(tuple(e) for e in per_alt),
                 tuple(np.asarray(p, dtype=object) for p in polys), inside,
                 dem.describe() if dem is not None else None)


def cut_scenario(scenario, altitudes_m=None, *, cell_m: float = CELL_SIZE_M,
                 progress=None, also_sites=(), max_depth: int = MAX_DEPTH) -> Pieces:
    """Compute every envelope of a scenario at each altitude and cut them into cells.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    altitudes_m : sequence of float, optional
        Target altitudes (default: the scenario's). [m]
    cell_m : float, optional
        Grid cell size. [m]
    progress : callable, optional
        Called as ``progress(done, total)`` after each altitude.
    also_sites : sequence of Site, optional
        Sites whose envelopes the grid and the neighbours' zones must also take in (for
        :func:`adcov.analysis.extend`); they are not analysed.
    max_depth : int, default :data:`adcov.overlay.MAX_DEPTH`
        Depth layers built in each cover (1: the union only; see
        :func:`adcov.overlay.cut_envelopes`).

    Returns
    -------
    Pieces
    """
    sw = scenario_sweep(scenario, altitudes_m, cell_m=cell_m, also_sites=also_sites)
    covers = []
    for i, (h, envs, p) in enumerate(zip(sw.altitudes_m, sw.envelopes, sw.polygons)):
        covers.append(cut_envelopes(sw.frame, envs, p, altitude_m=h, counts_forward=sw.inside,
                                    max_depth=max_depth))
        if progress is not None:
            progress(i + 1, len(sw.altitudes_m))
    return Pieces(scenario, sw.zones, sw.frame, tuple(covers), float(cell_m), sw.dem)


# ------------------------------------------------------------------------------ terrain
@lru_cache(maxsize=4)
def _open_dem(sources: tuple):
    from .terrain import DEM

    return DEM.open(list(sources) if len(sources) > 1 else sources[0])


def scenario_dem(scenario):
    """The scenario's DEM (opened once per set of files), or None without one."""
    terrain = getattr(scenario, "terrain", None)
    if not terrain:
        return None
    return _open_dem(tuple(str(p) for p in terrain))


def altitude_reference(scenario) -> str:
    """What target altitudes are measured from: ``agl`` or ``msl`` with a DEM (default
    ``agl``), the radar's ground without one."""
    if not getattr(scenario, "terrain", None):
        return "radar ground"
    return getattr(scenario, "altitude_reference", None) or "agl"


def _msl_envelopes(scenario, altitude_m, dem, mode):
    """Envelopes for a target at ``altitude_m`` above the DEM's datum: each site's smooth-Earth
    envelope is computed for the height above its own ground (the radar's ground height comes
    from the DEM; where the target is below it, from 0 m)."""
    out = []
    ground = dem.sample([s.lon for s in scenario.sites], [s.lat for s in scenario.sites])
    for site, g in zip(scenario.sites, np.atleast_1d(ground)):
        above = altitude_m - (float(g) if np.isfinite(g) else 0.0)
        env = envelopes([site], max(above, 0.0), k_factor=scenario.k_factor, mode=mode)[0]
        out.append(dataclasses.replace(env, altitude_m=float(altitude_m),
                                       altitude_reference="msl"))
    return out


def _terrain_mask(scenario, dem, reference, alts, per_alt, polys, zones):
    """Each envelope minus what the DEM hides of it, with the hidden and no-data shares.

    One field per place and antenna height, as far as any altitude's envelope there reaches;
    at each altitude one hidden region per place, as far as its farthest envelope at that
    altitude reaches (beyond an envelope's outer range the hidden region does not change it).
    Places are done one at a time, so that only one field is held in memory.
    """
    from .models.terrain import hidden_region, mask_polygon, polar_shares
    from .errors import InputError
    from .terrain import mvh_field

    out_envs = [list(envs) for envs in per_alt]
    out_polys = [np.array(ps, dtype=object, copy=True) for ps in polys]
    places: dict = {}
    for a, envs in enumerate(per_alt):
        for i, e in enumerate(envs):
            places.setdefault((e.lon, e.lat, e.antenna_height_m), []).append((a, i))
    for key, members in places.items():
        reach = max(per_alt[a][i].outer_km for a, i in members)
        field = None
        if reach > 0:
            try:
                field = mvh_field(dem, key[0], key[1], antenna_height_m=key[2],
                                  max_range_km=reach * 1.001 + 0.5, k_factor=scenario.k_factor)
            except InputError:
                field = None  # the site itself is outside the DEM: smooth Earth there
        by_alt: dict = {}
        for a, i in members:
            by_alt.setdefault(a, []).append(i)
        for a, idx in by_alt.items():
            live = [i for i in idx if not per_alt[a][i].empty]
            hidden = None
            if field is not None and live:
                far = max(per_alt[a][i].outer_km for i in live)
                hidden = hidden_region(field, alts[a], reference=reference,
                                       max_range_m=far * 1000.0 + field.range_step_m,
                                       lon0=zones.lon0, lat0=zones.lat0)
            for i in idx:
                e, p = per_alt[a][i], polys[a][i]
                if e.empty or field is None:
                    out_envs[a][i] = dataclasses.replace(
                        e, altitude_reference=reference, terrain_masked_fraction=0.0,
                        outside_dem_fraction=0.0 if e.empty else 1.0)
                    continue
                masked = mask_polygon(p, hidden)
                smooth_area = p.area
                out_polys[a][i] = masked
                out_envs[a][i] = dataclasses.replace(
                    e, altitude_reference=reference,
                    terrain_masked_fraction=float(max(0.0, 1.0 - masked.area / smooth_area))
                    if smooth_area > 0 else 0.0,
                    outside_dem_fraction=polar_shares(field, e))
        del field
    return out_envs, out_polys
