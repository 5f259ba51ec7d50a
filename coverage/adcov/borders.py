"""Country geometry and a region's zones: sector zones, belts, border lines, forward zones.

Borders come from Natural Earth 1:10m Admin 0 countries v5.1.1 as shipped in ``data/borders/``
(see its README for provenance). A *region* is one country by ISO 3166-1 alpha-3 code; its
*neighbours* are the countries that share a land border with it (:mod:`adcov.regions`).
Neighbours are grouped into named *sectors*; a sector's *zone* is the part of the region whose
nearest foreign border belongs to that sector, so the sector zones tile the region.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from . import _cache, geodesy, projection, regions
from ._paths import data_path
from .geodesy import ellipsoidal_area_km2, ellipsoidal_length_km
from .projection import to_laea
from .regions import check_region, check_sectors, default_sectors

__all__ = [
    "SECTOR_SPACING_M",
    "country_geometry",
    "Zones",
    "build_zones",
    "cached_zones",
]


#: Spacing of the points that sample border lines for the nearest-border partition. The sector
#: boundary between two border lines is then placed within about spacing^2 / (8 d) of the exact
#: bisector at distance d from them: under 1 m for 1 km spacing 100 km inland.
SECTOR_SPACING_M = 1000.0


@lru_cache(maxsize=64)
def country_geometry(iso3: str) -> BaseGeometry:
    """The country's (Multi)Polygon in lon/lat. [deg]"""
    iso3 = check_region(iso3)
    text = data_path("borders", "countries", f"{iso3}.geojson").read_text(encoding="utf-8")
    # A one-feature FeatureCollection parses (in GEOS, fast) to a one-member collection.
    geom = shapely.get_geometry(shapely.from_geojson(text), 0)
    shapely.prepare(geom)
    return geom


@dataclass(frozen=True)
class Zones:
    """A region's zones in its local LAEA projection (metres), with their lon/lat originals.

    Attributes
    ----------
    region : str
        ISO3 code.
    lon0, lat0 : float
        Centre of the LAEA projection. [deg]
    belt_km : float
        Width of the belts. [km]
    region_geom : shapely geometry
        The region. [m, LAEA]
    sectors : Mapping
        Sector name -> tuple of neighbour codes.
    sector_zones, belts, forward : Mapping
        Sector name -> geometry [m, LAEA]: the sector zone, the belt along the sector's border,
        and the sector's neighbours' territory (clipped to ``reach_km`` around the region).
    border_lines, border_lines_lonlat : Mapping
        Sector name -> the shared border line [m, LAEA] and the same in lon/lat [deg].
    border_km : Mapping
        Sector name -> geodesic length of the border line. [km]
    area_km2 : float
        Ellipsoidal area of the region. [km2]
    neighbour_geoms : Mapping
        Neighbour ISO3 code -> its territory within reach [m, LAEA].

    Zones are shared between analyses of one region (they are cached), so they are immutable:
    the mappings are read-only views and shapely geometries cannot be changed in place.
    """

    region: str
    lon0: float
    lat0: float
    belt_km: float
    region_geom: BaseGeometry
    sectors: Mapping
    sector_zones: Mapping
    belts: Mapping
    border_lines: Mapping
    border_lines_lonlat: Mapping
    border_km: Mapping
    forward: Mapping
    area_km2: float
    neighbour_geoms: Mapping

    def __post_init__(self):
        for name in ("sectors", "sector_zones", "belts", "border_lines", "border_lines_lonlat",
                     "border_km", "forward", "neighbour_geoms"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def laea(self, geometry):
        """Project lon/lat geometry into this region's LAEA."""
        return to_laea(geometry, self.lon0, self.lat0)


def _projection_centre(geom_lonlat) -> tuple[float, float]:
    # The centre of the bounding box (on the unit sphere, so that a region across the
    # antimeridian is centred where it is) is stable and good enough for an equal-area projection.
    pts = shapely.get_coordinates(geom_lonlat)
    lon, lat = np.radians(pts[:, 0]), np.radians(pts[:, 1])
    x, y, z = np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)
    cx, cy, cz = x.mean(), y.mean(), z.mean()
    lon0 = math.degrees(math.atan2(cy, cx))
    lat0 = math.degrees(math.atan2(cz, math.hypot(cx, cy)))
    return round(lon0, 4), round(lat0, 4)


def _shared_border(a, b):
    """The linear part of the intersection of two country boundaries (lon/lat)."""
    inter = shapely.intersection(a.boundary, b.boundary)
    parts = [g for g in shapely.get_parts(inter) if g.geom_type in ("LineString", "MultiLineString")]
    if not parts:
        return shapely.MultiLineString()
    return shapely.line_merge(shapely.union_all(parts))


def build_zones(region: str, sectors: dict | None = None, *, belt_km: float = 50.0,
                reach_km: float = 0.0) -> Zones:
    """Build a region's sector zones, belts, border lines and forward zones.

    Parameters
    ----------
    region : str
        ISO3 code.
    sectors : dict, optional
        Sector name -> list of neighbour codes; default :func:`default_sectors`.
    belt_km : float, default 50
        Width of the belt zones along each sector's border. [km]
    reach_km : float, default 0
        How far beyond the region the forward zones are kept (the farthest any envelope reaches);
        neighbours' territory beyond that cannot be covered and is clipped away for speed. [km]

    Notes
    -----
    Sector zones are the nearest-border partition of the region: the border lines are sampled every
    :data:`SECTOR_SPACING_M`, the Voronoi cells of the samples are merged by sector and clipped to
    the region. Distances are measured in the region's LAEA projection, where they are within
    0.1% of geodesic distances across a country of Belarus's size.
    """
    check_region(region)
    sectors = check_sectors(region, dict(sectors)) if sectors else default_sectors(region)
    rg_ll = country_geometry(region)
    lon0, lat0 = _projection_centre(rg_ll)
    rg = to_laea(rg_ll, lon0, lat0)
    rg = shapely.make_valid(rg) if not rg.is_valid else rg
    shapely.prepare(rg)

    border_ll = {}
    neighbour_ll = {}
    for name, codes in sectors.items():
        lines = []
        for code in codes:
            geom = country_geometry(code)
            neighbour_ll[code] = geom
            lines.append(_shared_border(rg_ll, geom))
        border_ll[name] = shapely.line_merge(shapely.union_all(lines))
    border = {k: to_laea(g, lon0, lat0) for k, g in border_ll.items()}

    sector_zones = _nearest_border_partition(rg, border)
    belts = {k: shapely.intersection(rg, shapely.buffer(g, belt_km * 1000.0, quad_segs=16))
             for k, g in border.items()}

    # Neighbour territory within reach of the region, in LAEA.
    forward = {}
    nbr_geoms = {}
    # Buffering the convex hull, not the region itself: as good a superset of what envelopes
    # can reach, and fast for regions with long, intricate coasts (Canada, Antarctica).
    limit = (shapely.convex_hull(rg).buffer((reach_km + 50.0) * 1000.0, quad_segs=8)
             if reach_km > 0 and sectors else None)
    for name, codes in sectors.items():
        parts = []
        for code in codes:
            g_ll = neighbour_ll[code]
            if limit is not None:
                g_ll = _clip_lonlat(g_ll, lon0, lat0, reach_km + 100.0)
            g = to_laea(g_ll, lon0, lat0)
            g = shapely.make_valid(g) if not g.is_valid else g
            if limit is not None:
                g = shapely.intersection(g, limit)
            nbr_geoms[code] = g
            parts.append(g)
        forward[name] = shapely.union_all(parts) if reach_km > 0 else shapely.Polygon()

    return Zones(
        region=region, lon0=lon0, lat0=lat0, belt_km=belt_km, region_geom=rg, sectors=sectors,
        sector_zones=sector_zones, belts=belts, border_lines=border,
        border_lines_lonlat=border_ll,
        border_km={k: ellipsoidal_length_km(g) for k, g in border_ll.items()},
        forward=forward, area_km2=ellipsoidal_area_km2(rg_ll), neighbour_geoms=nbr_geoms,
    )


#: The geometry fields of :class:`Zones` that are mappings of name -> geometry.
_GEOMETRY_MAPPINGS = ("sector_zones", "belts", "border_lines", "border_lines_lonlat", "forward",
                      "neighbour_geoms")


def cached_zones(region: str, sectors: dict | None = None, *, belt_km: float = 50.0,
                 reach_km: float = 0.0) -> Zones:
    """:func:`build_zones`, read back from adcov's cache folder when it was built before.

    The entry's key covers the region and neighbours' border files (size and time), the code
    that builds zones, the GEOS and PROJ versions, and the parameters; geometries are stored as
    WKB, which gives back the very same coordinates. See :mod:`adcov._cache` (``ADCOV_NO_CACHE``
    turns it off).

    Parameters
    ----------
    region : str
        ISO3 code.
    sectors : dict, optional
        Sector name -> list of neighbour codes; default :func:`default_sectors`.
    belt_km : float, default 50
        Width of the belt zones along each sector's border. [km]
    reach_km : float, default 0
        How far beyond the region the forward zones are kept. [km]
    """
    check_region(region)
    sectors = check_sectors(region, dict(sectors)) if sectors else default_sectors(region)
    codes = sorted({region, *(c for v in sectors.values() for c in v)})
    try:
        stamps = [_cache.file_stamp(data_path("borders", "countries", f"{c}.geojson"))
                  for c in codes]
        stamps += [_cache.file_stamp(Path(f)) for f in
                   (__file__, geodesy.__file__, projection.__file__, regions.__file__)]
    except OSError:
        return build_zones(region, sectors, belt_km=belt_km, reach_km=reach_km)
    key = _cache.make_key("zones", {
        "region": region, "sectors": {k: list(v) for k, v in sectors.items()},
        "belt_km": float(belt_km), "reach_km": float(reach_km), "files": stamps,
        "geos": shapely.geos_version_string, "proj": pyproj.proj_version_str})
    entry = _cache.load("zones", key)
    if entry is not None:
        try:
            return _zones_from_entry(*entry)
        except (KeyError, TypeError, ValueError, shapely.errors.ShapelyError):
            pass
    zones = build_zones(region, sectors, belt_km=belt_km, reach_km=reach_km)
    _cache.store("zones", key, *_zones_entry(zones))
    return zones


def _zones_entry(z: Zones) -> tuple[dict, list]:
    """A document and WKB blobs holding ``z`` (see :func:`_zones_from_entry`)."""
    names, geoms = ["region_geom"], [z.region_geom]
    for field in _GEOMETRY_MAPPINGS:
        for k, g in getattr(z, field).items():
            names.append([field, k])
            geoms.append(g)
    doc = {"region": z.region, "lon0": z.lon0, "lat0": z.lat0, "belt_km": z.belt_km,
           "sectors": {k: list(v) for k, v in z.sectors.items()},
           "border_km": dict(z.border_km), "area_km2": z.area_km2, "geometries": names}
    return doc, list(shapely.to_wkb(np.array(geoms, dtype=object)))


def _zones_from_entry(doc: dict, blobs: list) -> Zones:
    geoms = shapely.from_wkb(np.array(blobs, dtype=object))
    maps = {field: {} for field in _GEOMETRY_MAPPINGS}
    region_geom = None
    for name, g in zip(doc["geometries"], geoms, strict=True):
        if name == "region_geom":
            region_geom = g
        else:
            maps[name[0]][name[1]] = g
    shapely.prepare(region_geom)
    return Zones(region=doc["region"], lon0=doc["lon0"], lat0=doc["lat0"],
                 belt_km=doc["belt_km"], region_geom=region_geom,
                 sectors={k: tuple(v) for k, v in doc["sectors"].items()},
                 border_km=doc["border_km"], area_km2=doc["area_km2"], **maps)


def _clip_lonlat(geom_ll, lon0, lat0, radius_km):
    """Cut a lon/lat geometry to a lat/lon box safely containing everything within radius_km."""
    dlat = radius_km / 110.0 + 1.0
    lat_lo, lat_hi = lat0 - dlat - 10.0, lat0 + dlat + 10.0
    if lat_hi >= 89.0 or lat_lo <= -89.0:
        return geom_ll
    coslat = math.cos(math.radians(max(abs(lat_lo), abs(lat_hi))))
    dlon = radius_km / (111.0 * coslat) + 20.0
    if dlon >= 179.0 or lon0 - dlon < -180 or lon0 + dlon > 180:
        return geom_ll  # the box would wrap around the antimeridian: keep it all
    return shapely.intersection(geom_ll, shapely.box(lon0 - dlon, lat_lo, lon0 + dlon, lat_hi))


def _nearest_border_partition(region_geom, border_lines: dict) -> dict:
    names = [k for k, g in border_lines.items() if not g.is_empty]
    if not names:
        return {}
    points, labels = [], []
    for i, name in enumerate(names):
        dense = shapely.segmentize(border_lines[name], SECTOR_SPACING_M)
        pts = shapely.get_coordinates(dense)
        points.append(pts)
        labels.append(np.full(len(pts), i))
    pts = np.concatenate(points)
    lab = np.concatenate(labels)
    # A point shared by two sectors (a tripoint) belongs to both; keep it once.
    _, first = np.unique(np.round(pts, 3), axis=0, return_index=True)
    first.sort()
    pts, lab = pts[first], lab[first]
    if len(names) == 1:
        return {names[0]: region_geom}
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(pts), extend_to=region_geom.envelope.buffer(1.0), ordered=True))
    zones = {}
    for i, name in enumerate(names):
        merged = shapely.coverage_union_all(cells[lab == i])
        zones[name] = shapely.intersection(region_geom, merged)
    return zones
