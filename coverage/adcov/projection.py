"""The region's equal-area projection, the antimeridian, and coordinates fit for output.

Overlays are computed in a Lambert azimuthal equal-area projection (LAEA) on WGS84 centred on
the region: areas measured there are ellipsoidal areas. This module moves geometry between that
projection and lon/lat, keeps longitudes continuous for web maps or splits shapes at the
antimeridian for GIS files, and rounds coordinates for output.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer

from .geodesy import wrap_longitude

__all__ = ["laea_crs", "to_laea", "from_laea", "lonlat_to_laea_xy", "laea_to_lonlat", "area_km2",
           "laea_xy_to_lonlat", "near_longitude", "round_coordinates"]


@lru_cache(maxsize=64)
def laea_crs(lon0: float, lat0: float) -> CRS:
    """Lambert azimuthal equal-area projection on WGS84 centred on (lon0, lat0).

    Areas measured in it are ellipsoidal areas; distances within a few hundred km of the centre
    are within 0.1% of geodesic ones.
    """
    return CRS.from_proj4(
        f"+proj=laea +lat_0={lat0:.6f} +lon_0={lon0:.6f} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    )


@lru_cache(maxsize=64)
def _transformers(lon0: float, lat0: float):
    # The same operation PROJ builds from the two CRSs (degrees -> radians -> LAEA; WGS84 lon/lat
    # to a projection on WGS84 needs no datum shift), given as a pipeline: building it skips
    # the CRS database lookups, 15 ms per transformer, and gives identical coordinates.
    laea = f"+proj=laea +lat_0={lat0:.6f} +lon_0={lon0:.6f} +x_0=0 +y_0=0 +ellps=WGS84"
    fwd = Transformer.from_pipeline(
        f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step {laea}")
    inv = Transformer.from_pipeline(
        f"+proj=pipeline +step +inv {laea} +step +proj=unitconvert +xy_in=rad +xy_out=deg")
    return fwd, inv


def to_laea(geometry, lon0: float, lat0: float):
    """Project shapely geometries (lon/lat) into the LAEA centred on (lon0, lat0). [m]"""
    fwd, _ = _transformers(lon0, lat0)
    return shapely.transform(geometry, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))


def area_km2(geometry_laea) -> float:
    """Area of a geometry in an equal-area projection (metres). [km2]

    The one area function for projected geometry: in the LAEA the planar area is the
    ellipsoidal area. For lon/lat geometry use :func:`adcov.geodesy.ellipsoidal_area_km2`.

    Examples
    --------
    >>> import shapely
    >>> area_km2(shapely.box(0, 0, 2000, 500))
    1.0
    """
    return float(shapely.area(geometry_laea)) / 1e6


def lonlat_to_laea_xy(lon, lat, lon0: float, lat0: float):
    """Project coordinate arrays (no geometry objects: the fast path for many points). [m]

    Returns
    -------
    (ndarray, ndarray)
        x and y in the LAEA centred on (lon0, lat0). [m]
    """
    fwd, _ = _transformers(lon0, lat0)
    x, y = fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def laea_xy_to_lonlat(x, y, lon0: float, lat0: float):
    """Inverse of :func:`lonlat_to_laea_xy` for coordinate arrays. [deg]"""
    _, inv = _transformers(lon0, lat0)
    lon, lat = inv.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def from_laea(geometry, lon0: float, lat0: float):
    """Project shapely geometries from the LAEA centred on (lon0, lat0) back to lon/lat. [deg]"""
    _, inv = _transformers(lon0, lat0)
    return shapely.transform(geometry, lambda xy: np.column_stack(inv.transform(xy[:, 0], xy[:, 1])))


def laea_to_lonlat(geometry, lon0: float, lat0: float, *, split: bool = True):
    """Project a geometry from the LAEA centred on (lon0, lat0) to valid lon/lat geometry.

    Unlike :func:`from_laea`, the result is fit for GeoJSON (RFC 7946) and GIS tools: longitudes
    stay in [-180, 180], a shape that crosses the antimeridian is split there into parts, and a
    polygon whose exterior encircles a pole is closed along the pole. Polygons come out with
    counter-clockwise exteriors and clockwise holes.

    Parameters
    ----------
    geometry : shapely geometry
        Polygonal, linear or point geometry in the LAEA. [m]
    lon0, lat0 : float
        Centre of the LAEA. [deg]
    split : bool, default True
        Split at the antimeridian. With False, longitudes are kept continuous within 180 degrees
        of ``lon0`` (they may pass 180), which is what a web map wants.

    Returns
    -------
    shapely geometry
        lon/lat. [deg]
    """
    if geometry is None or geometry.is_empty:
        return geometry
    _, inv = _transformers(lon0, lat0)

    def ring_ll(ring):
        xy = shapely.get_coordinates(ring)
        lon, lat = inv.transform(xy[:, 0], xy[:, 1])
        lon = np.degrees(np.unwrap(np.radians(np.asarray(lon))))
        return np.column_stack([lon, np.asarray(lat)])

    def polygon_ll(poly):
        ext = ring_ll(poly.exterior)
        turns = ext[-1, 0] - ext[0, 0]
        if abs(turns) > 180.0:
            # The exterior winds around a pole: close it along the pole's latitude.
            pole = 90.0 if np.mean(ext[:, 1]) > 0 else -90.0
            ext = np.vstack([ext, [[ext[-1, 0], pole], [ext[0, 0], pole]], ext[:1]])
        lo, hi = ext[:, 0].min(), ext[:, 0].max()
        holes = []
        for interior in poly.interiors:
            h = ring_ll(interior)
            mid = 0.5 * (h[:, 0].min() + h[:, 0].max())
            h[:, 0] += wrap_longitude(mid, 0.5 * (lo + hi)) - mid
            holes.append(h)
        return _only(shapely.make_valid(shapely.Polygon(ext, holes)), ("Polygon", "MultiPolygon"))

    def line_ll(line):
        return shapely.LineString(ring_ll(line))

    parts = []
    for part in shapely.get_parts(geometry):
        kind = part.geom_type
        if kind == "Polygon":
            parts.append(polygon_ll(part))
        elif kind == "LineString":
            parts.append(line_ll(part))
        elif kind == "Point":
            parts.append(from_laea(part, lon0, lat0))
        else:  # nested collections
            parts.append(laea_to_lonlat(part, lon0, lat0, split=split))
    if not split:
        moved = [near_longitude(p, lon0) for p in parts]
        return _orient(shapely.union_all(moved) if len(moved) > 1 else moved[0])
    return _split_antimeridian(shapely.union_all(parts) if len(parts) > 1 else parts[0])


def near_longitude(geometry, lon0: float):
    """Shift each part of a lon/lat geometry by a multiple of 360 degrees so that its centre lies
    within 180 degrees of ``lon0`` (for continuous drawing across the antimeridian)."""
    parts = shapely.get_parts(geometry)
    bounds = shapely.bounds(parts)
    centre = 0.5 * (bounds[:, 0] + bounds[:, 2])
    shifts = centre - wrap_longitude(centre, lon0)
    if not shifts.any():
        return geometry  # the common case: nothing to move, nothing to merge
    out = [p if d == 0 else shapely.transform(p, lambda xy, d=d: xy - [d, 0.0])
           for p, d in zip(parts, shifts)]
    # Parts moved next to each other may share the seam: merge them.
    return shapely.union_all(out)


def _split_antimeridian(geom):
    """Cut a geometry with unwrapped longitudes at every odd multiple of 180 and fold it back."""
    lo, _, hi, _ = geom.bounds
    if lo >= -180.0 and hi <= 180.0:
        return _orient(geom)
    pieces = []
    k_lo, k_hi = int(np.floor((lo + 180.0) / 360.0)), int(np.floor((hi + 180.0) / 360.0))
    for k in range(k_lo, k_hi + 1):
        x0 = -180.0 + 360.0 * k
        piece = shapely.clip_by_rect(geom, x0, -90.0, x0 + 360.0, 90.0)
        if piece.is_empty:
            continue
        piece = shapely.transform(piece, lambda xy, s=360.0 * k: xy - [s, 0.0])
        # Exact seam coordinates after the shift (no 180.00000000001).
        piece = shapely.transform(piece, lambda xy: np.column_stack(
            [np.clip(xy[:, 0], -180.0, 180.0), np.clip(xy[:, 1], -90.0, 90.0)]))
        pieces.append(shapely.make_valid(piece))
    kind = geom.geom_type
    out = shapely.union_all(pieces)
    if kind in ("Polygon", "MultiPolygon"):
        out = _only(out, ("Polygon", "MultiPolygon"))
    elif "Line" in kind:
        out = shapely.line_merge(_only(out, ("LineString", "MultiLineString")))
    return _orient(out)


def _only(geom, kinds):
    """The parts of a geometry of the given kinds (make_valid can add slivers of lower dimension)."""
    if geom.geom_type in kinds:
        return geom
    keep = [p for p in shapely.get_parts(geom) if p.geom_type in kinds]
    if not keep:
        return shapely.from_wkt(f"{kinds[-1].upper()} EMPTY")
    return shapely.union_all(keep)


def _orient(geom):
    if geom.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection"):
        return shapely.orient_polygons(geom, exterior_cw=False)
    return geom


def round_coordinates(geom, decimals: int, *, snap: bool = True):
    """Coordinates rounded to ``decimals`` and polygons counter-clockwise (RFC 7946): the one
    rounding of geometry for output files and maps.

    With ``snap`` (for files that GIS tools validate), whatever collapses on the
    10^-decimals grid (hairline slivers at the antimeridian seam) is removed; a web map
    tolerates them, so maps skip the cost.
    """
    snapped = shapely.set_precision(geom, 10.0 ** -decimals) if snap else geom
    if snapped.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection"):
        snapped = shapely.orient_polygons(snapped, exterior_cw=False)
    return shapely.transform(snapped, lambda xy: np.round(xy, decimals) + 0.0)
