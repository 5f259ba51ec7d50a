"""Geodesy: Earth radii, the radar horizon, slant range, geodesic rings, the local equal-area projection.

Everything here is a pure function of numbers (scalars or numpy arrays). Distances along the
ground are geodesic distances on the WGS84 ellipsoid; heights are metres above the radar's
ground level over a smooth Earth.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from pyproj import CRS, Geod, Transformer

__all__ = [
    "WGS84_A_M",
    "WGS84_F",
    "MEAN_EARTH_RADIUS_M",
    "DEFAULT_K_FACTOR",
    "GEOD",
    "gaussian_radius_m",
    "radar_horizon_km",
    "slant_range_km",
    "ground_range_for_slant_km",
    "ring_vertex_count",
    "geodesic_circle_area_km2",
    "geodesic_rings",
    "laea_crs",
    "to_laea",
    "from_laea",
    "laea_to_lonlat",
    "near_longitude",
]

#: WGS84 semi-major axis. [m]
WGS84_A_M = 6378137.0
#: WGS84 flattening. [-]
WGS84_F = 1 / 298.257223563
_E2 = WGS84_F * (2 - WGS84_F)
#: IUGG mean Earth radius, used by published radar-horizon tables. [m]
MEAN_EARTH_RADIUS_M = 6371000.0
#: Effective Earth radius factor of the standard atmosphere (4/3 Earth). [-]
DEFAULT_K_FACTOR = 4.0 / 3.0

#: The WGS84 ellipsoid for geodesic computations (Karney's algorithms via PROJ).
GEOD = Geod(ellps="WGS84")


def gaussian_radius_m(lat_deg):
    """Gaussian mean radius of curvature of the WGS84 ellipsoid.

    Parameters
    ----------
    lat_deg : float or array_like
        Geodetic latitude. [deg]

    Returns
    -------
    float or ndarray
        ``sqrt(M * N)``, the geometric mean of the meridional (M) and prime-vertical (N) radii
        of curvature. [m]

    Notes
    -----
    .. math:: R = \\sqrt{M N} = \\frac{a \\sqrt{1 - e^2}}{1 - e^2 \\sin^2\\varphi}

    It is the radius of the sphere that best fits the ellipsoid around a point, in every
    direction at once, so it is the natural radius for the spherical formulas of radar
    geometry at a site.

    Examples
    --------
    >>> round(float(gaussian_radius_m(0.0)))
    6356752
    >>> round(float(gaussian_radius_m(90.0)))
    6399594
    """
    s = np.sin(np.radians(lat_deg))
    return WGS84_A_M * math.sqrt(1 - _E2) / (1 - _E2 * s * s)


def radar_horizon_km(antenna_height_m, altitude_m, *, k_factor=DEFAULT_K_FACTOR,
                     radius_m=MEAN_EARTH_RADIUS_M):
    """Radar horizon: the longest ground distance at which a target is above the horizon.

    Parameters
    ----------
    antenna_height_m : float or array_like
        Height of the radar antenna above its ground. [m]
    altitude_m : float or array_like
        Target altitude above the radar's ground level. [m]
    k_factor : float, default 4/3
        Effective Earth radius factor modelling standard atmospheric refraction. [-]
    radius_m : float or array_like, default 6,371 km
        True Earth radius at the site; the analysis passes :func:`gaussian_radius_m`. [m]

    Returns
    -------
    float or ndarray
        Ground distance to the horizon. [km]

    Notes
    -----
    The standard radar line-of-sight equation over a smooth sphere of effective radius
    :math:`R_e = k R`:

    .. math:: d = \\sqrt{2 R_e h_a} + \\sqrt{2 R_e h_t}

    With :math:`k = 4/3` and :math:`R = 6371` km this is about
    :math:`4.12 (\\sqrt{h_a} + \\sqrt{h_t})` km with heights in metres. Terrain is not modelled.

    References
    ----------
    Federal Standard 1037C, "radar line of sight"; Skolnik, *Introduction to Radar Systems*,
    3rd ed., section 8.6.

    Examples
    --------
    A 30 m antenna against a 1,000 m target:

    >>> round(float(radar_horizon_km(30.0, 1000.0)), 1)
    152.9
    >>> float(radar_horizon_km(0.0, 0.0))
    0.0
    """
    re_m = k_factor * np.asarray(radius_m, dtype=float)
    ha = np.asarray(antenna_height_m, dtype=float)
    ht = np.asarray(altitude_m, dtype=float)
    if np.any(ha < 0) or np.any(ht < 0):
        raise ValueError("radar_horizon_km: heights must be >= 0 m above the radar's ground")
    d_m = np.sqrt(2 * re_m * ha) + np.sqrt(2 * re_m * ht)
    return _scalar_or_array(d_m / 1000.0)


def slant_range_km(ground_km, antenna_height_m, altitude_m, *, radius_m=MEAN_EARTH_RADIUS_M):
    """Straight-line distance from the antenna to a target at a given ground distance.

    Parameters
    ----------
    ground_km : float or array_like
        Great-circle distance along the ground from the radar to the point below the target. [km]
    antenna_height_m, altitude_m : float or array_like
        Antenna height and target altitude above the radar's ground. [m]
    radius_m : float or array_like, default 6,371 km
        Earth radius (true geometry, no refraction). [m]

    Returns
    -------
    float or ndarray
        Slant range. [km]

    Notes
    -----
    Law of cosines in the triangle Earth centre, antenna, target:

    .. math:: \\rho(s) = \\sqrt{(R+h_a)^2 + (R+h_t)^2 - 2 (R+h_a)(R+h_t) \\cos(s/R)}

    Examples
    --------
    >>> round(float(slant_range_km(0.0, 20.0, 10020.0)), 6)
    10.0
    """
    r = np.asarray(radius_m, dtype=float)
    ha = np.asarray(antenna_height_m, dtype=float)
    ht = np.asarray(altitude_m, dtype=float)
    a, b = r + ha, r + ht
    theta = np.asarray(ground_km, dtype=float) * 1000.0 / r
    # (a - b)^2 + 4ab sin^2(theta/2) is the cancellation-free form of the law of cosines;
    # a - b is taken as ha - ht, which is exact.
    rho2 = (ha - ht) ** 2 + 4 * a * b * np.sin(theta / 2) ** 2
    return _scalar_or_array(np.sqrt(rho2) / 1000.0)


def ground_range_for_slant_km(slant_km, antenna_height_m, altitude_m, *,
                              radius_m=MEAN_EARTH_RADIUS_M):
    """Inverse of :func:`slant_range_km`: the ground distance at which the slant range is reached.

    Parameters
    ----------
    slant_km : float or array_like
        Slant range. [km]
    antenna_height_m, altitude_m : float or array_like
        Antenna height and target altitude above the radar's ground. [m]
    radius_m : float or array_like, default 6,371 km
        Earth radius. [m]

    Returns
    -------
    float or ndarray
        Ground distance ``s >= 0`` with ``slant_range_km(s) == slant_km``; ``nan`` where the slant
        range is shorter than the height difference (no such point: the target is out of reach
        even straight above or below the radar). [km]

    Examples
    --------
    >>> round(float(ground_range_for_slant_km(10.0, 20.0, 10020.0)), 6)
    0.0
    >>> import math; math.isnan(ground_range_for_slant_km(5.0, 0.0, 10000.0))
    True
    """
    r = np.asarray(radius_m, dtype=float)
    ha = np.asarray(antenna_height_m, dtype=float)
    ht = np.asarray(altitude_m, dtype=float)
    a, b = r + ha, r + ht
    rho = np.asarray(slant_km, dtype=float) * 1000.0
    dh = ha - ht  # exact, unlike (r + ha) - (r + ht)
    # Solve rho^2 = (a-b)^2 + 4ab sin^2(theta/2) for theta. A slant range equal to the height
    # difference (straight above) must give 0, not nan, despite rounding: allow a few ulps.
    with np.errstate(invalid="ignore"):
        half = (rho**2 - dh**2) / (4 * a * b)
        ok = half >= -8 * np.finfo(float).eps * (rho**2 + dh**2) / (4 * a * b)
        half = np.clip(half, 0.0, 1.0)
        theta = 2 * np.arcsin(np.sqrt(half))
    s_km = np.where(ok, theta * r / 1000.0, np.nan)
    return _scalar_or_array(s_km)


def ring_vertex_count(radius_km, *, tolerance_m=50.0, width_deg=360.0, minimum=16):
    """Vertices needed for a polygon to stay within ``tolerance_m`` of a circle (or arc).

    A chord of a circle of radius ``r`` spanning the angle ``2 pi / n`` lies at most
    ``r (1 - cos(pi / n))`` inside the arc, so ``n >= pi / arccos(1 - tol / r)``.

    Parameters
    ----------
    radius_km : float or array_like
        Ring radius. [km]
    tolerance_m : float, default 50
        Largest allowed distance between the polygon and the true circle. [m]
    width_deg : float or array_like, default 360
        Angular width of the arc. [deg]
    minimum : int, default 16
        Fewest vertices for a full circle (scaled by the width for arcs).

    Returns
    -------
    int or ndarray of int
        Number of vertices along the arc (a full circle's closing vertex not counted).

    Examples
    --------
    >>> int(ring_vertex_count(400.0))
    199
    >>> int(ring_vertex_count(0.01))
    16
    """
    r_m = np.maximum(np.asarray(radius_km, dtype=float) * 1000.0, 1e-9)
    ratio = np.clip(1.0 - tolerance_m / r_m, -1.0, 1.0)
    with np.errstate(divide="ignore"):
        n_full = np.where(ratio <= -1.0, 3.0, np.pi / np.arccos(ratio))
    frac = np.asarray(width_deg, dtype=float) / 360.0
    n = np.ceil(np.maximum(n_full, minimum) * frac).astype(int)
    n = np.maximum(n, 2)
    return int(n) if n.ndim == 0 else n


def geodesic_circle_area_km2(radius_km, *, lat_deg=None, radius_m=MEAN_EARTH_RADIUS_M):
    """Closed-form area of a spherical cap (a 'disc' of geodesic radius ``radius_km``).

    Parameters
    ----------
    radius_km : float or array_like
        Geodesic radius of the disc, measured along the surface. [km]
    lat_deg : float, optional
        If given, the sphere's radius is the Gaussian radius at this latitude, which matches the
        ellipsoid's geodesic disc to about 1e-5 for discs a few hundred km across. [deg]
    radius_m : float, default 6,371 km
        Sphere radius when ``lat_deg`` is not given. [m]

    Returns
    -------
    float or ndarray
        :math:`2 \\pi R^2 (1 - \\cos(r / R))`. [km2]

    Examples
    --------
    >>> round(float(geodesic_circle_area_km2(100.0)))
    31415
    """
    rr = gaussian_radius_m(lat_deg) if lat_deg is not None else radius_m
    r_m = np.asarray(radius_km, dtype=float) * 1000.0
    area = 2 * np.pi * rr**2 * (1 - np.cos(r_m / rr)) / 1e6
    return _scalar_or_array(area)


def geodesic_rings(lon, lat, radius_km, az_start_deg, width_deg, counts):
    """Vertices of many geodesic arcs at once (one vectorised ``Geod.fwd`` call).

    Parameters
    ----------
    lon, lat : array_like
        Arc centres. [deg]
    radius_km : array_like
        Geodesic radius of each arc. [km]
    az_start_deg, width_deg : array_like
        Start azimuth (clockwise from true north) and angular width of each arc. [deg]
    counts : array_like of int
        Number of segments of each arc; an arc gets ``counts + 1`` vertices, both ends included
        (a full circle's last vertex repeats its first).

    Returns
    -------
    list of (ndarray, ndarray)
        Longitudes and latitudes of each arc's vertices, in clockwise azimuth order. [deg]
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    counts = np.asarray(counts, dtype=int)
    sizes = counts + 1
    idx = np.repeat(np.arange(len(lon)), sizes)
    step = np.concatenate([np.arange(s) for s in sizes]) if len(sizes) else np.empty(0)
    frac = step / np.repeat(counts, sizes)
    az = np.repeat(np.asarray(az_start_deg, float), sizes) + frac * np.repeat(
        np.asarray(width_deg, float), sizes)
    dist = np.repeat(np.asarray(radius_km, float) * 1000.0, sizes)
    out_lon, out_lat, _ = GEOD.fwd(lon[idx], lat[idx], az, dist)
    out_lon = np.asarray(out_lon)
    out_lat = np.asarray(out_lat)
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return [(out_lon[b0:b1], out_lat[b0:b1]) for b0, b1 in zip(bounds[:-1], bounds[1:])]


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
    crs = laea_crs(lon0, lat0)
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return fwd, inv


def to_laea(geometry, lon0: float, lat0: float):
    """Project shapely geometries (lon/lat) into the LAEA centred on (lon0, lat0). [m]"""
    import shapely

    fwd, _ = _transformers(lon0, lat0)
    return shapely.transform(geometry, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))


def from_laea(geometry, lon0: float, lat0: float):
    """Project shapely geometries from the LAEA centred on (lon0, lat0) back to lon/lat. [deg]"""
    import shapely

    _, inv = _transformers(lon0, lat0)
    return shapely.transform(geometry, lambda xy: np.column_stack(inv.transform(xy[:, 0], xy[:, 1])))


def _scalar_or_array(x):
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x


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
    import shapely

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
            h[:, 0] += 360.0 * np.round((0.5 * (lo + hi) - mid) / 360.0)
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
    import shapely

    parts = shapely.get_parts(geometry)
    bounds = shapely.bounds(parts)
    shifts = 360.0 * np.round((0.5 * (bounds[:, 0] + bounds[:, 2]) - lon0) / 360.0)
    if not shifts.any():
        return geometry  # the common case: nothing to move, nothing to merge
    out = [p if d == 0 else shapely.transform(p, lambda xy, d=d: xy - [d, 0.0])
           for p, d in zip(parts, shifts)]
    # Parts moved next to each other may share the seam: merge them.
    return shapely.union_all(out)


def _split_antimeridian(geom):
    """Cut a geometry with unwrapped longitudes at every odd multiple of 180 and fold it back."""
    import shapely

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
    import shapely

    if geom.geom_type in kinds:
        return geom
    keep = [p for p in shapely.get_parts(geom) if p.geom_type in kinds]
    if not keep:
        return shapely.from_wkt(f"{kinds[-1].upper()} EMPTY")
    return shapely.union_all(keep)


def _orient(geom):
    import shapely

    if geom.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection"):
        return shapely.orient_polygons(geom, exterior_cw=False)
    return geom
