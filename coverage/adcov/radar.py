"""Radar geometry over a smooth Earth: the radar horizon, slant range and its inverse.

Pure functions of numbers (scalars or numpy arrays). Heights are metres above the radar's
ground level; ground distances are great-circle distances on a sphere of the given radius (the
analysis passes the WGS84 Gaussian radius at the site, :func:`adcov.geodesy.gaussian_radius_m`).
"""

from __future__ import annotations

import math

import numpy as np

from .constants import DEFAULT_K_FACTOR, MEAN_EARTH_RADIUS_M
from .geodesy import scalar_or_array as _scalar_or_array

__all__ = ["radar_horizon_km", "slant_range_km", "ground_range_for_slant_km",
           "elevation_deg", "elevation_band_km"]


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


def elevation_deg(ground_km, antenna_height_m, altitude_m, *, k_factor=DEFAULT_K_FACTOR,
                  radius_m=MEAN_EARTH_RADIUS_M):
    """Elevation angle of a target seen from the radar, over the effective (k R) Earth.

    Parameters
    ----------
    ground_km : float or array_like
        Ground distance from the radar to the point below the target. [km]
    antenna_height_m, altitude_m : float or array_like
        Antenna height and target altitude above the radar's ground. [m]
    k_factor : float, default 4/3
        Effective Earth radius factor (refraction bends rays as if the Earth were k times
        larger and rays straight). [-]
    radius_m : float or array_like, default 6,371 km
        True Earth radius at the site. [m]

    Returns
    -------
    float or ndarray
        Elevation above the radar's horizontal plane, negative below it. [deg]

    Notes
    -----
    With :math:`a = R_e + h_a`, :math:`b = R_e + h_t` and the central angle
    :math:`\\theta = s / R_e`: :math:`\\tan\\varepsilon = (b\\cos\\theta - a) / (b\\sin\\theta)`.

    Examples
    --------
    >>> round(float(elevation_deg(10.0, 0.0, 10000.0)), 2)   # 45 degrees on a flat Earth
    44.95
    """
    re_m = k_factor * np.asarray(radius_m, dtype=float)
    a = re_m + np.asarray(antenna_height_m, dtype=float)
    b = re_m + np.asarray(altitude_m, dtype=float)
    theta = np.asarray(ground_km, dtype=float) * 1000.0 / re_m
    return _scalar_or_array(np.degrees(np.arctan2(b * np.cos(theta) - a, b * np.sin(theta))))


def elevation_band_km(antenna_height_m, altitude_m, *, min_elevation_deg=None,
                      max_elevation_deg=None, k_factor=DEFAULT_K_FACTOR,
                      radius_m=MEAN_EARTH_RADIUS_M):
    """The ground distances at which a target's elevation lies within the radar's limits.

    Parameters
    ----------
    antenna_height_m, altitude_m : float
        Antenna height and target altitude above the radar's ground. [m]
    min_elevation_deg, max_elevation_deg : float, optional
        The radar's lowest and highest elevation (None: no limit). [deg]
    k_factor : float, default 4/3
        Effective Earth radius factor. [-]
    radius_m : float, default 6,371 km
        True Earth radius at the site. [m]

    Returns
    -------
    (float, float)
        The band ``(s_low, s_high)`` of ground distance where the elevation is within the
        limits (``s_high`` may be inf); ``(nan, nan)`` when no distance is. [km]

    Notes
    -----
    Solving :math:`\\varepsilon(\\theta) = e` gives :math:`\\cos(\\theta + e) = a\\cos e / b`.
    For a target above the antenna (:math:`b > a`) the elevation falls from 90 degrees
    overhead as the distance grows: the maximum elevation (the cone of silence) sets the near
    edge :math:`\\theta = \\arccos(a\\cos e_{max}/b) - e_{max}` and the minimum elevation the far
    edge. For a target below the antenna every elevation is negative; a negative minimum
    elevation :math:`e` allows :math:`-\\arccos(c) - e \\le \\theta \\le \\arccos(c) - e` with
    :math:`c = a\\cos e / b`, and a minimum at or above 0 allows nothing.

    Examples
    --------
    A cone of silence of 60 degrees over a 10 km target, radar at ground level:

    >>> lo, hi = elevation_band_km(0.0, 10000.0, max_elevation_deg=60.0)
    >>> round(lo, 2), hi                     # about 10 / tan(60 deg) = 5.77 km on a flat Earth
    (5.77, inf)
    """
    re_m = k_factor * float(radius_m)
    a, b = re_m + float(antenna_height_m), re_m + float(altitude_m)
    lo, hi = 0.0, math.inf
    if max_elevation_deg is not None and b > a:
        e = math.radians(max_elevation_deg)
        lo = max(lo, math.acos(min(1.0, a * math.cos(e) / b)) - e)
    if min_elevation_deg is not None:
        e = math.radians(min_elevation_deg)
        c = a * math.cos(e) / b
        if b > a:
            hi = min(hi, math.acos(min(1.0, c)) - e)
        elif e >= 0 or c > 1.0:
            return math.nan, math.nan
        else:
            lo = max(lo, -math.acos(c) - e)
            hi = min(hi, math.acos(c) - e)
    if hi <= lo:
        return math.nan, math.nan
    return lo * re_m / 1000.0, hi * re_m / 1000.0 if math.isfinite(hi) else math.inf
