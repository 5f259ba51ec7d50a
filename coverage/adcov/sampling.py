"""The sampling engine: equal-area points, each decided covered or not by exact geodesics.

A second engine beside the polygon overlay (:mod:`adcov.overlay` and :mod:`adcov.stats`), written
apart from it so that each checks the other, and the demand grid of placement and Monte Carlo
studies (DESIGN.md 8, 9).

* **Points.** :func:`equal_area_points` lays a square lattice over the region in its Lambert
  azimuthal equal-area projection (LAEA), so every point stands for the same ellipsoidal area,
  ``spacing_km ** 2``. Region and neighbour membership come from the country polygons (data);
  the sector and belt of a point come from this module's own geodesic distances to the sectors'
  border lines (:func:`equal_area_points`, Notes), not from the overlay's Voronoi zones.
* **Coverage.** :func:`covered` decides each point directly from the textbook formulas of
  DESIGN.md 3.2, applied to the exact ellipsoidal ground distance and forward azimuth from the
  site (:meth:`pyproj.Geod.inv`): the altitude gate, the 4/3-Earth radar horizon as a limit on
  the ground distance, the slant range to the point by the law of cosines compared with the
  maximum and minimum range, and the sector. The overlay instead inverts the slant range into
  a ground radius and draws polygons; nothing here imports it or the envelope models.
* **Statistics.** :func:`coverage_depth` counts the envelopes over each point and
  :func:`zone_table` gives per altitude and zone the sampled counterparts of the overlay's
  zone table (the same column names where they mean the same), with border coverage from the
  border lines sampled by length.

The radar arithmetic deliberately repeats what :mod:`adcov.radar` and the engagement model
compute, along a different path (the forward slant range per point instead of its inverse), so
that a test comparing the two engines compares two derivations, not the code with itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np
import shapely
from pyproj import Geod, Proj

from .borders import Zones, build_zones, country_geometry
from .catalog import SYSTEM_KINDS
from .constants import DEFAULT_K_FACTOR, WGS84_A_M, WGS84_E2, WGS84_F
from .projection import laea_crs, laea_xy_to_lonlat, lonlat_to_laea_xy
from .scenario import Scenario, Site

__all__ = [
    "DENSIFY_M",
    "BORDER_STEP_M",
    "SAMPLE_ZONE_COLUMNS",
    "BorderSamples",
    "SamplePoints",
    "equal_area_points",
    "covered",
    "coverage_depth",
    "zone_table",
]

#: Border lines are densified along geodesics to vertices at most this far apart before the
#: nearest-border search. The distance to the nearest vertex exceeds the distance to the line
#: by at most sqrt(d^2 + (h/2)^2) - d <= h^2 / (8 d) at distance d: about 1 m at 30 km. [m]
DENSIFY_M = 500.0
#: Border lines are cut into geodesic pieces at most this long; each piece counts as covered
#: when its midpoint is. [m]
BORDER_STEP_M = 250.0
#: Columns of :func:`zone_table`. All but ``n_points`` are columns of the overlay's zone table
#: (:data:`adcov.stats.ZONE_COLUMNS`) with the same meaning.
SAMPLE_ZONE_COLUMNS = (
    "scenario", "altitude_m", "zone", "zone_kind", "area_km2", "covered_km2", "covered_fraction",
    "mean_depth", "depth2_km2", "depth3_km2", "border_km", "border_covered_km",
    "border_covered_fraction", "forward_km2", "forward_reach_km", "n_points",
)

#: The WGS84 ellipsoid, built here from its defining constants.
_GEOD = Geod(a=WGS84_A_M, f=WGS84_F)
#: Margin on the LAEA's largest point scale S (as 1 + (1 + margin) (S - 1)): the bound on
#: planar / geodesic distance ratios below assumes the spherical pattern of LAEA distortion,
#: growing with the distance from the centre, which the ellipsoid changes by well under 1 %.
_SCALE_MARGIN = 0.25
#: Points handled per batch in the nearest-vertex search (bounds the memory of candidate pairs).
_BATCH = 20_000
#: Consecutive border vertices indexed together in the nearest-vertex search.
_RUN = 16


def _frozen(array) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


def _frozen_map(mapping) -> Mapping:
    return MappingProxyType({k: _frozen(v) for k, v in mapping.items()})


# ------------------------------------------------------------------------------ radar arithmetic
def _gaussian_radius_m(lat_deg: float) -> float:
    """sqrt(M N): the geometric mean of the meridional (M) and prime-vertical (N) radii of
    curvature of WGS84 at a latitude. [m]"""
    w = 1.0 - WGS84_E2 * math.sin(math.radians(lat_deg)) ** 2
    m = WGS84_A_M * (1.0 - WGS84_E2) / w**1.5
    n = WGS84_A_M / math.sqrt(w)
    return math.sqrt(m * n)


def _slant_range_m(s_m, ha_m: float, ht_m: float, r_m: float):
    """Law of cosines in the triangle Earth centre (radius R), antenna, target. [m]

    In this plain form the rounding error of rho^2 is about 1e-2 m^2 (terms of 4e13 m^2
    cancel): a millimetre at a 10 m slant range, nothing at the ranges that matter.
    """
    a, b = r_m + ha_m, r_m + ht_m
    rho2 = a * a + b * b - 2.0 * a * b * np.cos(np.asarray(s_m) / r_m)
    return np.sqrt(np.maximum(rho2, 0.0))


def _site_numbers(site: Site, altitude_m: float, k_factor: float):
    """The numbers that decide a site's coverage at one altitude, or None above its ceiling or
    below its floor."""
    sy = site.system
    if sy.kind != "engagement":
        raise ValueError(f"the sampling engine models engagement systems only; {sy.id!r} is of "
                         f"kind {sy.kind!r} (kinds are {', '.join(SYSTEM_KINDS)})")
    ht = float(altitude_m)
    if ht > sy.max_altitude_m or ht < sy.min_altitude_m:
        return None
    ha = float(site.effective_antenna_height_m)
    r = _gaussian_radius_m(site.lat)
    re = k_factor * r
    horizon_m = math.sqrt(2.0 * re * ha) + math.sqrt(2.0 * re * max(ht, 0.0))
    rmax, rmin = sy.max_range_km * 1000.0, sy.min_range_km * 1000.0
    # rho(s)^2 = (ha - ht)^2 + 4 (R+ha)(R+ht) sin^2(s / 2R) >= (2 R sin(s / 2R))^2, so no point
    # beyond 2 R asin(rmax / 2R) is within range: a bound for the pre-filter, not a limit.
    range_bound_m = 2.0 * r * math.asin(min(1.0, rmax / (2.0 * r)))
    width = float(site.effective_sector_width_deg)
    return dict(ha=ha, ht=ht, r=r, horizon_m=horizon_m, rmax=rmax, rmin=rmin,
                bound_m=min(horizon_m, range_bound_m), width=width,
                azimuth=float(site.azimuth_deg) if width < 360.0 else None)


# ------------------------------------------------------------------------------ the point sets
@lru_cache(maxsize=16)
def _laea_proj(lon0: float, lat0: float) -> Proj:
    return Proj(laea_crs(lon0, lat0))


def _largest_scale(lon, lat, lon0: float, lat0: float) -> np.ndarray:
    """The LAEA's largest point scale (Tissot semi-major axis) at each point. [-]"""
    f = _laea_proj(lon0, lat0).get_factors(np.atleast_1d(np.asarray(lon, dtype=float)),
                                           np.atleast_1d(np.asarray(lat, dtype=float)))
    return np.asarray(f.tissot_semimajor, dtype=float)


def _path_scale(scale):
    """S -> 1 + (1 + margin)(S - 1), and infinity where the projection fails."""
    scale = np.asarray(scale, dtype=float)
    return np.where(np.isfinite(scale), 1.0 + (1.0 + _SCALE_MARGIN) * np.maximum(scale - 1.0, 0.0),
                    np.inf)


@dataclass(frozen=True, eq=False)
class BorderSamples:
    """The sectors' border lines cut into short geodesic pieces, one sample point per piece.

    Attributes
    ----------
    lon, lat : ndarray
        Midpoint of each piece. [deg]
    x, y : ndarray
        The midpoints in the region's LAEA. [m]
    length_km : ndarray
        Geodesic length of each piece. [km]
    sectors : Mapping
        Sector name -> boolean mask of its pieces.
    lon0, lat0 : float
        Centre of the LAEA. [deg]
    max_scale : float
        The LAEA's largest point scale over the midpoints. [-]

    All arrays are read-only.
    """

    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    length_km: np.ndarray
    sectors: Mapping
    lon0: float
    lat0: float
    max_scale: float

    def __post_init__(self):
        for name in ("lon", "lat", "x", "y", "length_km"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "sectors", _frozen_map(self.sectors))


@dataclass(frozen=True, eq=False)
class SamplePoints:
    """Equal-area sample points of a region (and optionally its neighbours) with their zones.

    Build it with :func:`equal_area_points`. Region points come first, then the neighbours'
    (forward) points.

    Attributes
    ----------
    region : str
        ISO3 code of the region.
    lon0, lat0 : float
        Centre of the region's LAEA. [deg]
    spacing_km : float
        Side of the lattice. [km]
    belt_km : float
        Width of the belts. [km]
    forward_km : float
        How far beyond the region neighbour territory is sampled (0: not at all). [km]
    lon, lat : ndarray
        The points. [deg]
    x, y : ndarray
        The points in the LAEA: cell centres of a lattice aligned on its origin. [m]
    weight_km2 : ndarray
        Area each point stands for (``spacing_km ** 2``: the lattice is equal-area). [km2]
    zones : Mapping
        Zone name -> boolean mask: the region (its ISO3 code), each sector and each belt
        (``<sector>_belt``), as in the overlay's zone table.
    zone_kinds : Mapping
        Zone name -> ``"region"``, ``"sector"`` or ``"belt"``.
    sectors : Mapping
        Sector name -> tuple of neighbour ISO3 codes.
    forward : Mapping
        Sector name -> boolean mask of the points in its neighbours' territory (empty masks when
        ``forward_km`` is 0).
    border_distance_km : Mapping
        Sector name -> distance of each region point to the sector's border line (nan outside the
        region). [km]
    beyond_km : ndarray
        Distance of each point from the region: 0 inside, the distance to the region's boundary
        outside. [km]
    border : BorderSamples
        The sectors' border lines sampled by length.
    max_scale : float
        The LAEA's largest point scale over the points (bounds planar / geodesic distance ratios
        for the pre-filters). [-]

    The dataclass is frozen and every array is read-only, so one set of points can serve many
    analyses.
    """

    region: str
    lon0: float
    lat0: float
    spacing_km: float
    belt_km: float
    forward_km: float
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    weight_km2: np.ndarray
    zones: Mapping
    zone_kinds: Mapping
    sectors: Mapping
    forward: Mapping
    border_distance_km: Mapping
    beyond_km: np.ndarray
    border: BorderSamples
    max_scale: float

    def __post_init__(self):
        for name in ("lon", "lat", "x", "y", "weight_km2", "beyond_km"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        for name in ("zones", "forward", "border_distance_km"):
            object.__setattr__(self, name, _frozen_map(getattr(self, name)))
        object.__setattr__(self, "zone_kinds", MappingProxyType(dict(self.zone_kinds)))
        object.__setattr__(self, "sectors", MappingProxyType(
            {k: tuple(v) for k, v in self.sectors.items()}))

    def __len__(self) -> int:
        return len(self.lon)


def _densify(line_lonlat, step_m: float) -> list[np.ndarray]:
    """Vertices of each part of a lon/lat line, with vertices added along each geodesic segment
    so that none is longer than ``step_m``."""
    parts = []
    for part in shapely.get_parts(line_lonlat):
        c = shapely.get_coordinates(part)
        if len(c) < 2:
            continue
        lo1, la1, lo2, la2 = c[:-1, 0], c[:-1, 1], c[1:, 0], c[1:, 1]
        az, _, length = _GEOD.inv(lo1, la1, lo2, la2)
        az, length = np.asarray(az), np.asarray(length)
        n = np.maximum(np.ceil(length / step_m).astype(int), 1)
        seg = np.repeat(np.arange(len(n)), n)
        frac = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n)
        lo, la, _ = _GEOD.fwd(lo1[seg], la1[seg], az[seg], frac * length[seg])
        parts.append(np.column_stack([np.append(lo, c[-1, 0]), np.append(la, c[-1, 1])]))
    return parts


def _ecef(lon, lat) -> np.ndarray:
    """Earth-centred Cartesian coordinates of points on the WGS84 ellipsoid (height 0). [m]"""
    phi, lam = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * np.sin(phi) ** 2)
    return np.column_stack([n * np.cos(phi) * np.cos(lam), n * np.cos(phi) * np.sin(lam),
                            n * (1.0 - WGS84_E2) * np.sin(phi)])


def _geodesic_bound_m(chord_m):
    """The longest a geodesic with this chord can be. [m]

    A geodesic's curvature in space is the surface's normal curvature along it, at most
    1 / rho with rho = a (1 - e^2), the meridional radius at the equator. By Schur's comparison
    theorem its chord is then at least that of a circular arc of radius rho and the same length:
    c >= 2 rho sin(g / 2 rho), so g <= 2 rho asin(c / 2 rho).
    """
    rho = WGS84_A_M * (1.0 - WGS84_E2)
    return 2.0 * rho * np.arcsin(np.minimum(np.asarray(chord_m) / (2.0 * rho), 1.0))


class _NearestVertex:
    """Geodesic distance from points to the nearest vertex of a densified line.

    The LAEA serves only as an index. Its largest point scale S bounds the planar length of any
    path by S times its geodesic length, and along a geodesic or a straight segment the distance
    from the projection's centre is largest at an end, so S at the two ends bounds the whole
    path. The geodesic distance g to the vertex nearest in the plane is an upper bound; every
    vertex nearer along the ellipsoid is then within S g in the plane, and all of those are
    measured with :meth:`pyproj.Geod.inv`. The result is the exact geodesic minimum over the
    vertices.

    Between the plane and the ellipsoid, chords in space sort the candidates: a geodesic is
    never shorter than its chord c, and never longer than 2 rho asin(c / 2 rho) with rho the
    smallest radius of curvature of the ellipsoid (:func:`_geodesic_bound_m`), so only the
    candidates whose chord is within the smallest such bound are measured.

    The planar search runs over runs of :data:`_RUN` consecutive vertices (a run is within a
    distance if any of its vertices may be), which keeps the spatial queries few.
    """

    def __init__(self, line_lonlat, lon0: float, lat0: float, step_m: float = DENSIFY_M):
        parts = _densify(line_lonlat, step_m)
        self.lon = np.concatenate([v[:, 0] for v in parts]) if parts else np.empty(0)
        self.lat = np.concatenate([v[:, 1] for v in parts]) if parts else np.empty(0)
        self.x, self.y = lonlat_to_laea_xy(self.lon, self.lat, lon0, lat0)
        self.scale = float(_path_scale(_largest_scale(self.lon, self.lat, lon0, lat0).max())
                           if len(self.lon) else 1.0)
        self.ecef = _ecef(self.lon, self.lat)
        self.vertices = shapely.STRtree(shapely.points(self.x, self.y))
        # Runs of consecutive vertices within each part (of two vertices or more), sharing
        # their end vertices.
        first, runs = 0, []
        for v in parts:
            n = len(v)
            runs += [np.arange(first + a, first + min(a + _RUN, n - 1) + 1)
                     for a in range(0, n - 1, _RUN)]
            first += n
        self.run_index = np.full((len(runs), _RUN + 1), -1)
        for i, r in enumerate(runs):
            self.run_index[i, :len(r)] = r
        xy = np.column_stack([self.x, self.y])
        self.runs = shapely.STRtree([shapely.LineString(xy[r]) for r in runs])

    def distance_m(self, lon, lat, x, y, point_scale) -> np.ndarray:
        n = len(lon)
        out = np.full(n, np.inf)
        if not len(self.lon) or not n:
            return out
        for start in range(0, n, _BATCH):
            sl = slice(start, min(start + _BATCH, n))
            lo, la, px, py = lon[sl], lat[sl], x[sl], y[sl]
            pts = shapely.points(px, py)
            ip, iv = self.vertices.query_nearest(pts, all_matches=False)
            upper = np.full(len(pts), np.inf)
            upper[ip] = _GEOD.inv(lo[ip], la[ip], self.lon[iv], self.lat[iv])[2]
            window = upper * np.maximum(point_scale[sl], self.scale) + 1e-3
            ip, ir = self.runs.query(pts, predicate="dwithin", distance=window)
            iv = self.run_index[ir]
            ip = np.broadcast_to(ip[:, None], iv.shape)
            keep = iv >= 0
            ip, iv = ip[keep], iv[keep]
            near = (self.x[iv] - px[ip]) ** 2 + (self.y[iv] - py[ip]) ** 2 <= window[ip] ** 2
            ip, iv = ip[near], iv[near]
            # Chords bound the geodesics both ways: measure only the vertices that may win.
            chord = np.linalg.norm(self.ecef[iv] - _ecef(lo, la)[ip], axis=1)
            bound = upper.copy()
            np.minimum.at(bound, ip, _geodesic_bound_m(chord))
            keep = chord <= bound[ip]
            ip, iv = ip[keep], iv[keep]
            g = np.asarray(_GEOD.inv(lo[ip], la[ip], self.lon[iv], self.lat[iv])[2])
            best = upper.copy()
            np.minimum.at(best, ip, g)
            out[sl] = best
        return out


def _border_samples(zones: Zones, step_m: float) -> BorderSamples:
    lon, lat, length, owner = [], [], [], []
    names = list(zones.sectors)
    for i, name in enumerate(names):
        for v in _densify(zones.border_lines_lonlat[name], step_m):
            az, _, d = _GEOD.inv(v[:-1, 0], v[:-1, 1], v[1:, 0], v[1:, 1])
            mlo, mla, _ = _GEOD.fwd(v[:-1, 0], v[:-1, 1], az, np.asarray(d) / 2.0)
            lon.append(mlo)
            lat.append(mla)
            length.append(np.asarray(d) / 1000.0)
            owner.append(np.full(len(d), i))
    lon, lat = np.concatenate(lon or [[]]), np.concatenate(lat or [[]])
    owner = np.concatenate(owner or [[]]).astype(int)
    x, y = lonlat_to_laea_xy(lon, lat, zones.lon0, zones.lat0)
    scale = float(_largest_scale(lon, lat, zones.lon0, zones.lat0).max()) if len(lon) else 1.0
    return BorderSamples(lon=lon, lat=lat, x=np.asarray(x), y=np.asarray(y),
                         length_km=np.concatenate(length or [[]]),
                         sectors={k: owner == i for i, k in enumerate(names)},
                         lon0=zones.lon0, lat0=zones.lat0, max_scale=scale)


@lru_cache(maxsize=8)
def _zones(region: str, sectors, belt_km: float) -> Zones:
    return build_zones(region, dict(sectors) if sectors else None, belt_km=belt_km)


def _lattice(bounds, spacing_m: float):
    x0, y0, x1, y1 = bounds
    xs = (np.arange(math.floor(x0 / spacing_m), math.ceil(x1 / spacing_m)) + 0.5) * spacing_m
    ys = (np.arange(math.floor(y0 / spacing_m), math.ceil(y1 / spacing_m)) + 0.5) * spacing_m
    gx, gy = np.meshgrid(xs, ys)
    return gx.ravel(), gy.ravel()


def equal_area_points(zones, spacing_km: float, *, forward_km: float = 0.0,
                      densify_m: float = DENSIFY_M, border_step_m: float = BORDER_STEP_M
                      ) -> SamplePoints:
    """Equal-area sample points of a region, with their zones: the demand grid.

    Parameters
    ----------
    zones : Zones, Scenario or str
        The region's zones (:func:`adcov.borders.build_zones`), a scenario (its region, sectors
        and belt width) or an ISO3 code (default sectors, 50 km belts).
    spacing_km : float
        Side of the square lattice; each point stands for ``spacing_km ** 2``. [km]
    forward_km : float, default 0
        Also sample the neighbours' territory up to this distance from the region (for the
        forward-zone figures; it should be at least the reach of the envelopes studied). [km]
    densify_m : float, default :data:`DENSIFY_M`
        Largest gap between the border-line vertices used for distances to the border. [m]
    border_step_m : float, default :data:`BORDER_STEP_M`
        Length of the pieces the border lines are sampled by. [m]

    Returns
    -------
    SamplePoints

    Notes
    -----
    The lattice has cell centres at ``((i + 1/2) s, (j + 1/2) s)`` in the region's LAEA, an
    equal-area projection, so the points are equally spaced in area on the ellipsoid.

    * **Region**: the points inside the region's polygon (lon/lat data of
      :func:`adcov.borders.country_geometry`).
    * **Sector**: a region point belongs to the sector whose border line is nearest, by the
      geodesic distance on WGS84 to the nearest vertex of the line densified every ``densify_m``
      along geodesics (exact up to ``densify_m ** 2 / (8 d)`` at distance ``d``, see
      :data:`DENSIFY_M`). This is the nearest-border rule of DESIGN.md 3.3 computed point by
      point; the overlay's sector zones are Voronoi cells of LAEA border samples instead.
    * **Belt**: a region point within ``belt_km`` of the sector's border line, same distance.
    * **Forward**: points of a sector's neighbours' territory whose geodesic distance to the
      region's boundary is at most ``forward_km``.

    Examples
    --------
    A coarse lattice over Belarus (each point stands for 625 km2; the country has 207,499 km2):

    >>> pts = equal_area_points("BLR", 25.0)
    >>> len(pts), float(pts.weight_km2.sum())
    (333, 208125.0)
    >>> sorted(pts.zones)
    ['BLR', 'east', 'east_belt', 'south', 'south_belt', 'west', 'west_belt']
    >>> sum(int(pts.zones[s].sum()) for s in pts.sectors) == int(pts.zones["BLR"].sum())
    True
    """
    if isinstance(zones, str):
        zones = _zones(zones, None, 50.0)
    elif isinstance(zones, Scenario):
        zones = _zones(zones.region, tuple((k, tuple(v)) for k, v in zones.sectors.items()),
                       zones.belt_km)
    elif not isinstance(zones, Zones):
        raise TypeError(f"zones must be Zones, a Scenario or an ISO3 code (got {zones!r})")
    spacing_km, forward_km = float(spacing_km), float(forward_km)
    if not spacing_km > 0:
        raise ValueError(f"spacing_km must be > 0 (got {spacing_km!r})")
    if not forward_km >= 0:
        raise ValueError(f"forward_km must be >= 0 (got {forward_km!r})")
    s_m = spacing_km * 1000.0
    lon0, lat0 = zones.lon0, zones.lat0
    region_ll = country_geometry(zones.region)

    # Region points.
    gx, gy = _lattice(zones.region_geom.bounds, s_m)
    glon, glat = laea_xy_to_lonlat(gx, gy, lon0, lat0)
    inside = shapely.contains_xy(region_ll, glon, glat)
    rx, ry, rlon, rlat = gx[inside], gy[inside], glon[inside], glat[inside]
    rscale = _path_scale(_largest_scale(rlon, rlat, lon0, lat0))

    # Forward points: neighbour territory within forward_km of the region.
    names = list(zones.sectors)
    fx = fy = flon = flat = fbeyond = np.empty(0)
    fsector = np.empty(0, dtype=int)
    if forward_km > 0 and names:
        boundary = _NearestVertex(region_ll.boundary, lon0, lat0, densify_m)
        pad = forward_km * 1000.0 * float(boundary.scale) * 1.01 + s_m
        x0, y0, x1, y1 = zones.region_geom.bounds
        gx, gy = _lattice((x0 - pad, y0 - pad, x1 + pad, y1 + pad), s_m)
        glon, glat = laea_xy_to_lonlat(gx, gy, lon0, lat0)
        owner = np.full(len(gx), -1)
        for i, name in enumerate(names):
            for code in zones.sectors[name]:
                free = owner < 0
                hit = shapely.contains_xy(country_geometry(code), glon[free], glat[free])
                owner[np.flatnonzero(free)[hit]] = i
        keep = (owner >= 0) & ~shapely.contains_xy(region_ll, glon, glat)
        gx, gy, glon, glat, owner = gx[keep], gy[keep], glon[keep], glat[keep], owner[keep]
        beyond = boundary.distance_m(glon, glat, gx, gy,
                                     _path_scale(_largest_scale(glon, glat, lon0, lat0))) / 1000.0
        keep = beyond <= forward_km
        fx, fy, flon, flat = gx[keep], gy[keep], glon[keep], glat[keep]
        fbeyond, fsector = beyond[keep], owner[keep]

    # Sectors and belts of the region points, from their distances to each border line.
    n_r, n_f = len(rx), len(fx)
    dist = {}
    for name in names:
        line = _NearestVertex(zones.border_lines_lonlat[name], lon0, lat0, densify_m)
        dist[name] = line.distance_m(rlon, rlat, rx, ry, rscale) / 1000.0
    region_mask = np.r_[np.ones(n_r, bool), np.zeros(n_f, bool)]
    masks = {zones.region: region_mask}
    kinds = {zones.region: "region"}
    if names:
        nearest = np.argmin(np.vstack([dist[k] for k in names]), axis=0)
        for i, name in enumerate(names):
            masks[name] = np.r_[(nearest == i) & np.isfinite(dist[name]), np.zeros(n_f, bool)]
            kinds[name] = "sector"
        for name in names:
            masks[f"{name}_belt"] = np.r_[dist[name] <= zones.belt_km, np.zeros(n_f, bool)]
            kinds[f"{name}_belt"] = "belt"
    lon, lat = np.r_[rlon, flon], np.r_[rlat, flat]
    scale = _largest_scale(lon, lat, lon0, lat0) if len(lon) else np.ones(1)
    return SamplePoints(
        region=zones.region, lon0=lon0, lat0=lat0, spacing_km=spacing_km, belt_km=zones.belt_km,
        forward_km=forward_km, lon=lon, lat=lat, x=np.r_[rx, fx], y=np.r_[ry, fy],
        weight_km2=np.full(n_r + n_f, spacing_km**2), zones=masks, zone_kinds=kinds,
        sectors=zones.sectors,
        forward={k: np.r_[np.zeros(n_r, bool), fsector == i] for i, k in enumerate(names)},
        border_distance_km={k: np.r_[d, np.full(n_f, np.nan)] for k, d in dist.items()},
        beyond_km=np.r_[np.zeros(n_r), fbeyond], border=_border_samples(zones, border_step_m),
        max_scale=float(np.nanmax(scale)))


# ------------------------------------------------------------------------------ coverage
def covered(points, site: Site, altitude_m: float, *, k_factor: float = DEFAULT_K_FACTOR
            ) -> np.ndarray:
    """Which points one site covers at one target altitude, decided point by point.

    Parameters
    ----------
    points : SamplePoints or BorderSamples
        The points (anything with ``lon``, ``lat``, ``x``, ``y``, ``lon0``, ``lat0`` and
        ``max_scale``).
    site : Site
        The site and its system (an engagement system).
    altitude_m : float
        Target altitude above the radar's ground. [m]
    k_factor : float, default 4/3
        Effective Earth radius factor for the radar horizon. [-]

    Returns
    -------
    ndarray of bool
        One per point.

    Notes
    -----
    With :math:`R = \\sqrt{MN}` the WGS84 Gaussian radius at the site, :math:`h_a` the antenna
    height, :math:`h_t` the target altitude and :math:`s`, :math:`\\alpha` the geodesic distance
    and forward azimuth from the site to the point (:meth:`pyproj.Geod.inv`), a point is covered
    when

    1. :math:`h_{min} \\le h_t \\le h_{max}` (the altitude gate),
    2. :math:`s \\le \\sqrt{2kRh_a} + \\sqrt{2kRh_t}` (the radar horizon),
    3. :math:`\\rho_{min} \\le \\rho(s) \\le \\rho_{max}` with
       :math:`\\rho(s)^2 = (R+h_a)^2 + (R+h_t)^2 - 2(R+h_a)(R+h_t)\\cos(s/R)` (slant range),
    4. :math:`|\\alpha - \\alpha_0| \\le w/2` (modulo 360) for a sector of width :math:`w`
       centred on :math:`\\alpha_0`.

    Only points that pass a planar pre-filter are measured: none with
    :math:`s > \\min(d_{horizon}, 2R\\arcsin(\\rho_{max}/2R))` can be covered, and a geodesic
    of length :math:`s` spans at most ``max_scale * s`` in the LAEA.

    Examples
    --------
    >>> from adcov.catalog import default_catalog
    >>> pts = equal_area_points("BLR", 25.0)
    >>> minsk = Site("Minsk", default_catalog()["S-300PS"], lon=27.56, lat=53.90)
    >>> int(covered(pts, minsk, 10000.0).sum())
    27
    >>> bool(covered(pts, minsk, 40000.0).any())  # above the ceiling
    False
    """
    n = len(points.lon)
    out = np.zeros(n, dtype=bool)
    p = _site_numbers(site, altitude_m, float(k_factor))
    if p is None or not n:
        return out
    sx, sy = lonlat_to_laea_xy(site.lon, site.lat, points.lon0, points.lat0)
    scale = _path_scale(max(points.max_scale,
                            float(_largest_scale(site.lon, site.lat, points.lon0, points.lat0)[0])))
    reach = p["bound_m"] * scale + 1.0
    if np.isfinite(reach) and np.isfinite(sx) and np.isfinite(sy):
        near = np.flatnonzero((points.x - sx) ** 2 + (points.y - sy) ** 2 <= reach * reach)
    else:
        near = np.arange(n)
    if not len(near):
        return out
    az, _, s = _GEOD.inv(np.full(len(near), site.lon), np.full(len(near), site.lat),
                         points.lon[near], points.lat[near])
    s = np.asarray(s)
    rho = _slant_range_m(s, p["ha"], p["ht"], p["r"])
    ok = (s <= p["horizon_m"]) & (rho <= p["rmax"]) & (rho >= p["rmin"])
    if p["azimuth"] is not None:
        off = (np.asarray(az) - p["azimuth"] + 180.0) % 360.0 - 180.0
        ok &= np.abs(off) <= p["width"] / 2.0
    out[near[ok]] = True
    return out


def coverage_depth(points, sites: Sequence[Site], altitude_m: float, *,
                   k_factor: float = DEFAULT_K_FACTOR) -> np.ndarray:
    """Number of envelopes covering each point at one target altitude.

    Parameters
    ----------
    points : SamplePoints or BorderSamples
        The points.
    sites : sequence of Site
        The sites (one envelope each).
    altitude_m : float
        Target altitude above the radars' ground. [m]
    k_factor : float, default 4/3
        Effective Earth radius factor for the radar horizon. [-]

    Returns
    -------
    ndarray of int
        One per point.

    Examples
    --------
    >>> from adcov import Scenario
    >>> sc = Scenario.builtin("belarus-2021")
    >>> pts = equal_area_points(sc, 25.0)
    >>> depth = coverage_depth(pts, sc.sites, 10000.0)
    >>> int(depth.max()), round(float((depth >= 1).mean()), 2)
    (2, 0.29)
    """
    depth = np.zeros(len(points.lon), dtype=int)
    for site in sites:
        depth += covered(points, site, altitude_m, k_factor=k_factor)
    return depth


def zone_table(points: SamplePoints, sites, altitudes_m=None, *, k_factor: float | None = None):
    """The sampled zone table: per altitude and zone, the area, coverage and depth.

    Parameters
    ----------
    points : SamplePoints
        The sample (from :func:`equal_area_points`).
    sites : Scenario or sequence of Site
        The deployment; a scenario also gives the altitudes, the k-factor and the label.
    altitudes_m : sequence of float, optional
        Target altitudes (default: the scenario's). [m]
    k_factor : float, optional
        Effective Earth radius factor (default: the scenario's, else 4/3). [-]

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SAMPLE_ZONE_COLUMNS`: one row per altitude and zone, in the order of
        ``points.zones``. Areas are sums of the points' weights; ``mean_depth`` is the weighted
        mean depth; the border figures (sector rows) sum the lengths of the covered border
        pieces; ``forward_km2`` and ``forward_reach_km`` (sector rows, nan when ``forward_km``
        was 0) are the covered weight of the neighbours' points and the largest distance from
        the region of a covered one.

    Examples
    --------
    >>> from adcov import Scenario
    >>> sc = Scenario.builtin("belarus-2021")
    >>> t = zone_table(equal_area_points(sc, 25.0), sc, [10000.0])
    >>> for r in t.head(4).itertuples():
    ...     print(f"{r.zone:5} {r.covered_fraction:.2f} {r.border_covered_fraction:.2f}")
    BLR   0.29 nan
    west  0.60 0.54
    south 0.04 0.13
    east  0.18 0.17
    """
    import pandas as pd

    label = ""
    if isinstance(sites, Scenario):
        sectors = {k: tuple(v) for k, v in sites.sectors.items()}
        if (sites.region, sectors, sites.belt_km) != (points.region, dict(points.sectors),
                                                      points.belt_km):
            raise ValueError(
                f"the points sample region {points.region} with sectors {dict(points.sectors)} "
                f"and {points.belt_km:g} km belts; the scenario has region {sites.region} with "
                f"sectors {sectors} and {sites.belt_km:g} km belts (build the points from the "
                "scenario)")
        label = sites.name
        altitudes_m = sites.altitudes_m if altitudes_m is None else altitudes_m
        k_factor = sites.k_factor if k_factor is None else k_factor
        sites = sites.sites
    if altitudes_m is None:
        raise ValueError("altitudes_m is required when sites is not a Scenario")
    k = DEFAULT_K_FACTOR if k_factor is None else float(k_factor)
    sites = list(sites)
    w = points.weight_km2
    rows = []
    for alt in (float(a) for a in altitudes_m):
        depth = coverage_depth(points, sites, alt, k_factor=k)
        on_border = coverage_depth(points.border, sites, alt, k_factor=k) >= 1
        for zone, mask in points.zones.items():
            zw, zd = w[mask], depth[mask]
            area = float(zw.sum())
            cov = [float(zw[zd >= n].sum()) for n in (1, 2, 3)]
            row = {
                "scenario": label, "altitude_m": alt, "zone": zone,
                "zone_kind": points.zone_kinds[zone], "area_km2": area, "covered_km2": cov[0],
                "covered_fraction": cov[0] / area if area else np.nan,
                "mean_depth": float((zw * zd).sum()) / area if area else np.nan,
                "depth2_km2": cov[1], "depth3_km2": cov[2], "border_km": np.nan,
                "border_covered_km": np.nan, "border_covered_fraction": np.nan,
                "forward_km2": np.nan, "forward_reach_km": np.nan, "n_points": int(mask.sum()),
            }
            if row["zone_kind"] == "sector":
                pieces = points.border.sectors[zone]
                total = float(points.border.length_km[pieces].sum())
                done = float(points.border.length_km[pieces & on_border].sum())
                row.update(border_km=total, border_covered_km=done,
                           border_covered_fraction=done / total if total else np.nan)
                if points.forward_km > 0:
                    fwd = points.forward[zone] & (depth >= 1)
                    row.update(forward_km2=float(w[fwd].sum()),
                               forward_reach_km=float(points.beyond_km[fwd].max())
                               if fwd.any() else 0.0)
            rows.append(row)
    return pd.DataFrame(rows, columns=list(SAMPLE_ZONE_COLUMNS))
