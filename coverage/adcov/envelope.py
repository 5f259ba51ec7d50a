"""The envelope type: where one site covers targets at one altitude, and why it has that size.

An :class:`Envelope` is data: a geodesic annulus around the site (cut to an azimuth sector for
sector systems) described by its inner radius and its outer radius, one value or one per
azimuth, with the reason for its size (:class:`Limit`) and the assumptions behind it. The models
that compute envelopes live in :mod:`adcov.models`, one per system kind; this module turns
envelopes into polygons.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable

import numpy as np
import shapely

from .geodesy import (GEOD, geodesic_ring_vertices, geodesic_rings, ring_vertex_count,
                      wrap_longitude)
from .projection import area_km2, lonlat_to_laea_xy

__all__ = [
    "Limit",
    "LIMITS",
    "check_limit",
    "RING_TOLERANCE_M",
    "RING_RELATIVE_TOLERANCE",
    "Envelope",
    "envelope_polygons",
]


class Limit(StrEnum):
    """Why an envelope has the size it has: the closed set of reasons.

    ``range``: the missile's slant range (in detection mode, the radar's range); ``horizon``:
    the radar horizon for that target altitude; ``ceiling`` / ``floor``: the target is above
    the maximum / below the minimum altitude (empty); ``dead_zone``: what the horizon or range
    leaves lies inside the minimum range (empty); ``elevation``: the radar's minimum elevation
    sets the outer edge (or its elevation limits leave nothing); ``mode``: the system has no
    envelope in this analysis mode (a radar in engagement mode, a missile system with no
    catalogued detection range in detection mode).
    """

    RANGE = "range"
    HORIZON = "horizon"
    CEILING = "ceiling"
    FLOOR = "floor"
    DEAD_ZONE = "dead_zone"
    ELEVATION = "elevation"
    MODE = "mode"


#: The values of :class:`Limit`, in order.
LIMITS = tuple(item.value for item in Limit)


def check_limit(value) -> Limit:
    """The :class:`Limit` named by ``value``; a ValueError listing the valid ones otherwise.

    >>> check_limit("horizon") is Limit.HORIZON
    True
    >>> check_limit("terrain")
    Traceback (most recent call last):
    ...
    ValueError: limited_by must be one of range, horizon, ceiling, floor, dead_zone, elevation, mode (got 'terrain')
    """
    try:
        return Limit(value)
    except ValueError:
        raise ValueError(f"limited_by must be one of {', '.join(LIMITS)} "
                         f"(got {value!r})") from None


#: Polygons stay within this distance of the true geodesic circle. [m]
RING_TOLERANCE_M = 50.0
#: ... and within this fraction of the radius, so that small rings lose under 0.07% of their area.
RING_RELATIVE_TOLERANCE = 5e-4


@dataclass(frozen=True)
class Envelope:
    """The envelope of one site at one target altitude, with the assumptions behind it.

    Attributes
    ----------
    site, system : str
        Site name and system id.
    lon, lat : float
        Site position. [deg]
    altitude_m : float
        Target altitude above the radar's ground. [m]
    outer_km, inner_km : float
        Geodesic radii of the annulus (0 and 0 when empty); with per-azimuth radii,
        ``outer_km`` is the largest of them. [km]
    horizon_km : float
        Radar horizon for this antenna and target altitude. [km]
    range_ground_km : float
        Ground distance at which the maximum slant range is reached (nan: out of reach). [km]
    limited_by : Limit
        Why the envelope has this size (checked against the closed set :data:`LIMITS`).
    azimuth_deg, sector_width_deg : float
        Sector centre (None for full circles) and width. [deg]
    antenna_height_m, k_factor, earth_radius_m : float
        Antenna height [m], effective-Earth factor [-] and the Gaussian radius used [m].
    kind : str, default "engagement"
        The model that made the envelope: ``engagement`` (a missile's reach) or ``detection``
        (a radar's).
    outer_by_azimuth_km : tuple of float, optional
        Outer radius per azimuth, at equal steps across the sector clockwise from its start
        (from north for a full circle; the last step closes the circle). None: ``outer_km`` in
        every direction. [km]
    altitude_reference : str, default "radar ground"
        What ``altitude_m`` is measured from: the radar's ground (smooth Earth), ``agl`` (the
        ground under the target) or ``msl`` (the DEM's datum, about mean sea level).
    terrain_masked_fraction : float, optional
        Share of the smooth-Earth envelope's area that terrain hides (None: no DEM). [-]
    outside_dem_fraction : float, optional
        Share of the smooth-Earth envelope's area where the DEM has no data, kept as smooth
        Earth (None: no DEM). [-]
    """

    site: str
    system: str
    lon: float
    lat: float
    altitude_m: float
    outer_km: float
    inner_km: float
    horizon_km: float
    range_ground_km: float
    limited_by: Limit
    azimuth_deg: float | None
    sector_width_deg: float
    antenna_height_m: float
    k_factor: float
    earth_radius_m: float
    kind: str = "engagement"
    outer_by_azimuth_km: tuple | None = None
    altitude_reference: str = "radar ground"
    terrain_masked_fraction: float | None = None
    outside_dem_fraction: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "limited_by", check_limit(self.limited_by))
        if not (self.inner_km >= 0 and self.outer_km >= 0):
            raise ValueError(f"envelope radii must be >= 0 (got {self.inner_km!r}, "
                             f"{self.outer_km!r})")
        if self.outer_by_azimuth_km is not None:
            radii = tuple(float(r) for r in self.outer_by_azimuth_km)
            if len(radii) < 3 or min(radii) < 0:
                raise ValueError("outer_by_azimuth_km needs at least 3 radii, all >= 0")
            object.__setattr__(self, "outer_by_azimuth_km", radii)
            object.__setattr__(self, "outer_km", max(radii))

    @property
    def empty(self) -> bool:
        """True when no ground point is covered at this altitude."""
        return self.outer_km <= self.inner_km

    def polygon(self, lon0: float | None = None, lat0: float | None = None, *,
                tolerance_m: float = RING_TOLERANCE_M):
        """The envelope as a shapely polygon.

        Parameters
        ----------
        lon0, lat0 : float, optional
            Centre of the LAEA projection to build the polygon in. [deg]
        tolerance_m : float, default 50
            Largest distance between the polygon and the true geodesic circle. [m]

        Returns
        -------
        shapely.Polygon
            In the LAEA centred on (lon0, lat0) [m] when given, else in lon/lat [deg] with
            longitudes kept continuous around the site (they may pass 180 for a ring across the
            antimeridian).
        """
        return envelope_polygons([self], lon0, lat0, tolerance_m=tolerance_m)[0]

    def area_km2(self) -> float:
        """Ellipsoidal area of the envelope polygon (equal-area projection at the site). [km2]"""
        if self.empty:
            return 0.0
        return area_km2(self.polygon(self.lon, self.lat))


def _star_ring(e: Envelope):
    """Vertices of a per-azimuth outer boundary (lon/lat), clockwise from the sector start."""
    radii = np.asarray(e.outer_by_azimuth_km)
    full = e.sector_width_deg >= 360.0
    a0 = 0.0 if full else e.azimuth_deg - e.sector_width_deg / 2.0
    n = len(radii)
    step = e.sector_width_deg / (n if full else n - 1)
    az = a0 + step * np.arange(n)
    lon, lat, _ = GEOD.fwd(np.full(n, e.lon), np.full(n, e.lat), az, radii * 1000.0)
    lon, lat = np.asarray(lon), np.asarray(lat)
    if full:
        lon, lat = np.append(lon, lon[0]), np.append(lat, lat[0])
    return lon, lat


def envelope_polygons(envs: Iterable[Envelope], lon0: float | None = None,
                      lat0: float | None = None, *, tolerance_m: float = RING_TOLERANCE_M):
    """Polygons of many envelopes, built with one geodesic computation and one projection.

    Vertices lie exactly on the geodesic circles (WGS84, ``Geod.fwd``), close enough together
    that the polygon stays within ``min(tolerance_m, RING_RELATIVE_TOLERANCE * radius)`` of the
    circle. Per-azimuth outer radii are drawn through their own vertices.

    Parameters
    ----------
    envs : iterable of Envelope
        The envelopes.
    lon0, lat0 : float, optional
        Centre of the LAEA projection to build the polygons in. [deg]
    tolerance_m : float, default 50
        Largest distance between a polygon and its true geodesic circle. [m]

    Returns
    -------
    ndarray of shapely geometries
        Empty polygons for empty envelopes; in the LAEA centred on (lon0, lat0) [m] when given,
        else in lon/lat [deg] around each site.
    """
    envs = list(envs)
    result = np.array([_EMPTY_POLYGON] * len(envs), dtype=object)
    if not envs:
        return result
    # Plain discs and annuli (the common case, thousands at a time) are built in bulk; sectors
    # and per-azimuth boundaries one by one.
    plain = np.array([not e.empty and e.sector_width_deg >= 360.0
                      and e.outer_by_azimuth_km is None and e.outer_km > 0 for e in envs])
    if plain.any():
        result[plain] = _disc_polygons([e for e, p in zip(envs, plain) if p], lon0, lat0,
                                       tolerance_m)
    rest = [i for i, (e, p) in enumerate(zip(envs, plain)) if not p and not e.empty]
    if rest:
        result[rest] = _other_polygons([envs[i] for i in rest], lon0, lat0, tolerance_m)
    return result


_EMPTY_POLYGON = shapely.Polygon()


def _ring_counts(radius_km, width_deg, tolerance_m):
    tol = np.minimum(tolerance_m, RING_RELATIVE_TOLERANCE * np.asarray(radius_km) * 1000.0)
    return np.asarray(ring_vertex_count(radius_km, tolerance_m=tol, width_deg=width_deg))


def _disc_polygons(envs, lon0, lat0, tolerance_m):
    """Full-circle envelopes (an outer ring and, for a minimum range, an inner one) in bulk:
    one ``Geod.fwd``, one projection, one ``shapely.polygons``."""
    n = len(envs)
    lon = np.array([e.lon for e in envs])
    lat = np.array([e.lat for e in envs])
    outer = np.array([e.outer_km for e in envs])
    inner = np.array([e.inner_km for e in envs])
    has_inner = inner > 0
    # Ring order: each polygon's shell, then its hole.
    owner = np.repeat(np.arange(n), 1 + has_inner)
    is_hole = np.zeros(len(owner), dtype=bool)
    is_hole[np.cumsum(1 + has_inner)[has_inner] - 1] = True
    radius = np.where(is_hole, inner[owner], outer[owner])
    counts = np.atleast_1d(_ring_counts(radius, 360.0, tolerance_m))
    ring_lon, ring_lat = geodesic_ring_vertices(lon[owner], lat[owner], radius,
                                                np.zeros(len(owner)), np.full(len(owner), 360.0),
                                                counts)
    sizes = counts + 1
    ring_of_vertex = np.repeat(np.arange(len(owner)), sizes)
    if lon0 is not None:
        x, y = lonlat_to_laea_xy(ring_lon, ring_lat, lon0, lat0)
    else:
        x, y = wrap_longitude(ring_lon, lon[owner][ring_of_vertex]), ring_lat
    rings = shapely.linearrings(np.column_stack([x, y]), indices=ring_of_vertex)
    return shapely.polygons(rings, indices=owner)


def _other_polygons(envs, lon0, lat0, tolerance_m):
    """Sectors and per-azimuth outer boundaries, one envelope at a time."""
    lon, lat, rad, start, width, count, owner, kind = [], [], [], [], [], [], [], []
    stars = {}
    for i, e in enumerate(envs):
        a0 = 0.0 if e.sector_width_deg >= 360.0 else e.azimuth_deg - e.sector_width_deg / 2.0
        rings = [("inner", e.inner_km)]
        if e.outer_by_azimuth_km is None:
            rings.append(("outer", e.outer_km))
        else:
            stars[i] = _star_ring(e)
        for ring, radius in rings:
            if radius <= 0:
                continue
            tol = min(tolerance_m, RING_RELATIVE_TOLERANCE * radius * 1000.0)
            lon.append(e.lon), lat.append(e.lat), rad.append(radius), start.append(a0)
            width.append(e.sector_width_deg)
            count.append(ring_vertex_count(radius, tolerance_m=tol, width_deg=e.sector_width_deg))
            owner.append(i), kind.append(ring)
    result = np.array([_EMPTY_POLYGON] * len(envs), dtype=object)
    rings = geodesic_rings(lon, lat, rad, start, width, count) if owner else []
    for i, (slon, slat) in stars.items():
        rings.append((slon, slat))
        owner.append(i), kind.append("outer")
    if not owner:
        return result
    allx = np.concatenate([r[0] for r in rings])
    ally = np.concatenate([r[1] for r in rings])
    if lon0 is not None:
        allx, ally = lonlat_to_laea_xy(allx, ally, lon0, lat0)
    bounds = np.cumsum([0] + [len(r[0]) for r in rings])
    pieces: dict[int, dict] = {}
    for j, i in enumerate(owner):
        xy = np.column_stack([allx[bounds[j]:bounds[j + 1]], ally[bounds[j]:bounds[j + 1]]])
        if lon0 is None:
            xy[:, 0] = wrap_longitude(xy[:, 0], envs[i].lon)
        pieces.setdefault(i, {})[kind[j]] = xy
    for i, p in pieces.items():
        e = envs[i]
        outer = p["outer"]
        if e.sector_width_deg >= 360.0:
            holes = [p["inner"]] if "inner" in p else []
            result[i] = shapely.Polygon(outer, holes)
        else:
            if "inner" in p:
                back = p["inner"][::-1]
            else:
                back = np.array([[e.lon, e.lat]])
                if lon0 is not None:
                    back = np.column_stack(lonlat_to_laea_xy(back[:, 0], back[:, 1], lon0, lat0))
            result[i] = shapely.Polygon(np.vstack([outer, back]))
        if e.outer_by_azimuth_km is not None and not result[i].is_valid:
            # A star-shaped boundary can pinch where a radius drops to nearly zero.
            result[i] = shapely.make_valid(result[i])
    return result
