"""From a scenario to pieces: envelopes from the models, the region's zones, the frame, and one
cover per target altitude.

This is the common first half of every computation (:func:`adcov.analysis.analyze`, the
altitude profile); what each then measures on the pieces is up to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely

from .borders import Zones, build_zones
from .envelope import envelope_polygons
from .models import envelopes
from .overlay import CELL_SIZE_M, Frame, build_frame, cut_envelopes
from .projection import lonlat_to_laea_xy

__all__ = ["IN_REGION_TOLERANCE_M", "Pieces", "region_zones", "sites_in_region", "cut_scenario"]


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
    """

    scenario: object
    zones: Zones
    frame: Frame
    covers: tuple
    cell_m: float

    @property
    def altitudes_m(self) -> tuple:
        """The altitudes of the covers. [m]"""
        return tuple(c.altitude_m for c in self.covers)


@lru_cache(maxsize=8)
def _zones(region, sectors, belt_km, reach_km) -> Zones:
    return build_zones(region, dict(sectors), belt_km=belt_km, reach_km=reach_km)


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


def cut_scenario(scenario, altitudes_m=None, *, cell_m: float = CELL_SIZE_M,
                 progress=None) -> Pieces:
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

    Returns
    -------
    Pieces
    """
    alts = tuple(float(a) for a in (scenario.altitudes_m if altitudes_m is None else altitudes_m))
    per_alt = [envelopes(scenario.sites, h, k_factor=scenario.k_factor) for h in alts]
    reach = max((e.outer_km for envs in per_alt for e in envs), default=0.0)
    zones = region_zones(scenario, reach)
    polys = [envelope_polygons(envs, zones.lon0, zones.lat0) for envs in per_alt]
    frame = build_frame(zones, np.concatenate(polys) if polys else [], cell_m=cell_m)
    inside = sites_in_region(scenario, zones)
    covers = []
    for i, (h, envs, p) in enumerate(zip(alts, per_alt, polys)):
        covers.append(cut_envelopes(frame, envs, p, altitude_m=h, counts_forward=inside))
        if progress is not None:
            progress(i + 1, len(alts))
    return Pieces(scenario, zones, frame, tuple(covers), float(cell_m))

