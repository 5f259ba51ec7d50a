"""Geodesy on the WGS84 ellipsoid: radii of curvature, geodesic rings, areas, longitudes.

Everything here is a pure function of numbers (scalars or numpy arrays) or of lon/lat geometry.
Distances along the ground are geodesic distances on the WGS84 ellipsoid (Karney's algorithms
via PROJ); areas are ellipsoidal.
"""

from __future__ import annotations

import math

import numpy as np
from pyproj import Geod

from .constants import DEFAULT_K_FACTOR, MEAN_EARTH_RADIUS_M, WGS84_A_M, WGS84_E2, WGS84_F

__all__ = [
    "WGS84_A_M",
    "WGS84_F",
    "MEAN_EARTH_RADIUS_M",
    "DEFAULT_K_FACTOR",
    "GEOD",
    "gaussian_radius_m",
    "ring_vertex_count",
    "geodesic_rings",
    "wrap_longitude",
    "ellipsoidal_area_km2",
    "ellipsoidal_length_km",
    "scalar_or_array",
]

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
    return WGS84_A_M * math.sqrt(1 - WGS84_E2) / (1 - WGS84_E2 * s * s)


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
    counts = np.asarray(counts, dtype=int)
    out_lon, out_lat = geodesic_ring_vertices(lon, lat, radius_km, az_start_deg, width_deg,
                                              counts)
    bounds = np.concatenate([[0], np.cumsum(counts + 1)])
    return [(out_lon[b0:b1], out_lat[b0:b1]) for b0, b1 in zip(bounds[:-1], bounds[1:])]


def geodesic_ring_vertices(lon, lat, radius_km, az_start_deg, width_deg, counts):
    """The vertices of :func:`geodesic_rings` as two flat arrays, arc after arc (arc ``i`` has
    ``counts[i] + 1`` of them). [deg]"""
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    counts = np.atleast_1d(np.asarray(counts, dtype=int))
    sizes = counts + 1
    idx = np.repeat(np.arange(len(lon)), sizes)
    # Position of each vertex along its arc: 0, 1, ..., counts[i].
    first = np.cumsum(sizes) - sizes
    step = np.arange(int(sizes.sum())) - np.repeat(first, sizes)
    frac = step / np.repeat(counts, sizes)
    az = np.repeat(np.broadcast_to(np.asarray(az_start_deg, float), lon.shape), sizes) + frac * \
        np.repeat(np.broadcast_to(np.asarray(width_deg, float), lon.shape), sizes)
    dist = np.repeat(np.asarray(radius_km, float) * 1000.0, sizes)
    out_lon, out_lat, _ = GEOD.fwd(lon[idx], lat[idx], az, dist)
    return np.asarray(out_lon, dtype=float), np.asarray(out_lat, dtype=float)


def scalar_or_array(x):
    """A 0-d result as a Python float, anything else as an ndarray (so that the functions of
    this package return a float for scalar input, as shapely's and pyproj's do)."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x


def wrap_longitude(lon_deg, center_deg=0.0):
    """Longitude shifted by whole turns into ``[center - 180, center + 180)``.

    The one place where longitudes are wrapped: ``center_deg = 0`` gives the usual -180..180;
    a region's centre keeps a shape that crosses the antimeridian in one piece.

    Parameters
    ----------
    lon_deg : float or array_like
        Longitude. [deg]
    center_deg : float or array_like, default 0
        Centre of the wanted interval. [deg]

    Returns
    -------
    float or ndarray
        [deg]

    Examples
    --------
    >>> wrap_longitude(190.0), wrap_longitude(-180.0), wrap_longitude(-170.0, 175.0)
    (-170.0, -180.0, 190.0)
    """
    lon = np.asarray(lon_deg, dtype=float)
    c = np.asarray(center_deg, dtype=float)
    return scalar_or_array(c + (lon - c + 180.0) % 360.0 - 180.0)


def ellipsoidal_area_km2(geometry_lonlat) -> float:
    """Area of a lon/lat geometry on the WGS84 ellipsoid (Karney's algorithm via PROJ). [km2]

    The one area function for geometry in lon/lat. Overlays are measured in the region's
    equal-area projection, where planar area is this area (:mod:`adcov.projection`).

    Examples
    --------
    A 1 x 1 degree cell at the equator (its edges are geodesics):

    >>> import shapely
    >>> round(ellipsoidal_area_km2(shapely.box(0, 0, 1, 1)))
    12309
    """
    area, _ = GEOD.geometry_area_perimeter(geometry_lonlat)
    return abs(area) / 1e6


def ellipsoidal_length_km(geometry_lonlat) -> float:
    """Geodesic length of a lon/lat line geometry on the WGS84 ellipsoid. [km]"""
    return GEOD.geometry_length(geometry_lonlat) / 1000.0


