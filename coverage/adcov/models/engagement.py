"""The engagement model: where a missile system can engage a target at a given altitude.

The envelope of a site is the geodesic annulus between the minimum-range dead zone and the
shorter of the missile's slant-range limit and the radar horizon, empty above the ceiling or
below the floor (DESIGN.md 3.2). This is the one place where those limits meet.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..constants import DEFAULT_K_FACTOR
from ..envelope import Envelope, Limit
from .limits import with_elevation_limits
from ..geodesy import gaussian_radius_m
from ..radar import ground_range_for_slant_km, radar_horizon_km

__all__ = ["KIND", "envelope_radii", "envelopes"]

#: The system kind this model serves.
KIND = "engagement"


def envelope_radii(max_range_km, min_range_km, max_altitude_m, min_altitude_m,
                   antenna_height_m, altitude_m, lat_deg, *, k_factor=DEFAULT_K_FACTOR):
    """Outer and inner ground radii of engagement envelopes, vectorised.

    Parameters
    ----------
    max_range_km, min_range_km : array_like
        Slant-range limits of the missile. [km]
    max_altitude_m, min_altitude_m : array_like
        Target altitude limits. [m]
    antenna_height_m : array_like
        Radar antenna height above its ground. [m]
    altitude_m : array_like
        Target altitude above the radar's ground. [m]
    lat_deg : array_like
        Site latitude, for the Gaussian radius of curvature. [deg]
    k_factor : float, default 4/3
        Effective Earth radius factor for the radar horizon. [-]

    Returns
    -------
    dict of ndarray
        ``outer_km``, ``inner_km``, ``horizon_km``, ``range_ground_km``, ``limited_by`` (str),
        ``earth_radius_m``.

    Notes
    -----
    With :math:`R` the Gaussian radius at the site, :math:`h_a` the antenna height and
    :math:`h_t` the target altitude:

    1. altitude gate: empty if :math:`h_t` is above the ceiling or below the floor;
    2. radar horizon :math:`d_h = \\sqrt{2kRh_a} + \\sqrt{2kRh_t}` (4/3 Earth, smooth);
    3. slant range on the true sphere, :math:`\\rho(s)^2 = (R+h_a)^2 + (R+h_t)^2 -
       2(R+h_a)(R+h_t)\\cos(s/R)`; :math:`s_{max}` solves :math:`\\rho = \\rho_{max}` (none if
       :math:`|h_t - h_a| \\ge \\rho_{max}`), :math:`s_{min}` solves :math:`\\rho = \\rho_{min}`
       (0 when the target is already that far straight above the radar);
    4. outer radius :math:`\\min(s_{max}, d_h)`, limited by ``range`` if :math:`s_{max} \\le d_h`
       else ``horizon``; empty (``dead_zone``) if it does not exceed :math:`s_{min}`.

    Examples
    --------
    An S-300PS-like envelope (75 km, 24 m mast) against a 50 m target is horizon-limited:

    >>> r = envelope_radii(75, 5, 27000, 10, 24, 50, 53.0)
    >>> str(r["limited_by"][0]), round(float(r["outer_km"][0]), 1)
    ('horizon', 49.4)
    >>> str(envelope_radii(75, 5, 27000, 10, 24, 30000, 53.0)["limited_by"][0])
    'ceiling'
    """
    arrs = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, dtype=float)) for a in (
        max_range_km, min_range_km, max_altitude_m, min_altitude_m, antenna_height_m, altitude_m,
        lat_deg)))
    rmax, rmin, amax, amin, ha, ht, lat = arrs
    radius = gaussian_radius_m(lat)
    horizon = np.atleast_1d(radar_horizon_km(ha, ht, k_factor=k_factor, radius_m=radius))
    s_max = np.atleast_1d(ground_range_for_slant_km(rmax, ha, ht, radius_m=radius))
    s_min = np.nan_to_num(np.atleast_1d(ground_range_for_slant_km(rmin, ha, ht, radius_m=radius)),
                          nan=0.0)

    # Out of reach when even the nearest point (straight above or below) is at or beyond the
    # maximum slant range.
    reachable = np.nan_to_num(s_max, nan=0.0) > 0
    s_max_f = np.where(reachable, s_max, 0.0)
    outer = np.minimum(s_max_f, horizon)
    limited = np.where(s_max_f <= horizon, Limit.RANGE, Limit.HORIZON).astype(object)
    dead = outer <= s_min
    # Blame the dead zone only where there is one; a zero horizon is the horizon's doing.
    limited[dead & reachable & (s_min > 0)] = Limit.DEAD_ZONE
    limited[~reachable] = Limit.RANGE
    limited[ht < amin] = Limit.FLOOR
    limited[ht > amax] = Limit.CEILING
    empty = dead | ~reachable | (ht < amin) | (ht > amax)
    return {
        "outer_km": np.where(empty, 0.0, outer),
        "inner_km": np.where(empty, 0.0, s_min),
        "horizon_km": horizon,
        "range_ground_km": s_max,
        "limited_by": limited.astype(str),
        "earth_radius_m": np.broadcast_to(radius, rmax.shape).astype(float),
    }


def envelopes(sites: Sequence, altitude_m: float, *, k_factor=DEFAULT_K_FACTOR) -> list[Envelope]:
    """Engagement envelopes of many sites at one target altitude (one vectorised pass).

    Parameters
    ----------
    sites : sequence of Site
        The sites, each with its system (of kind ``engagement``).
    altitude_m : float
        Target altitude above the radars' ground. [m]
    k_factor : float, default 4/3
        Effective Earth radius factor for the radar horizon. [-]

    Returns
    -------
    list of Envelope
        One per site, in order (empty envelopes included, with their ``limited_by``), the
        radars' elevation limits applied (:func:`adcov.models.limits.with_elevation_limits`).
    """
    if not sites:
        return []
    sy = [s.system for s in sites]
    ha = np.array([s.effective_antenna_height_m for s in sites])
    r = envelope_radii([x.max_range_km for x in sy], [x.min_range_km for x in sy],
                       [x.max_altitude_m for x in sy], [x.min_altitude_m for x in sy], ha,
                       altitude_m, [s.lat for s in sites], k_factor=k_factor)
    return with_elevation_limits(sites, build(sites, altitude_m, r, ha, k_factor, KIND))


def build(sites, altitude_m, r, ha, k_factor, kind) -> list[Envelope]:
    """Envelopes from the arrays of :func:`envelope_radii`, one per site."""
    out = []
    for i, s in enumerate(sites):
        width = s.effective_sector_width_deg
        out.append(Envelope(
            site=s.name, system=s.system.id, lon=s.lon, lat=s.lat, altitude_m=float(altitude_m),
            outer_km=float(r["outer_km"][i]), inner_km=float(r["inner_km"][i]),
            horizon_km=float(r["horizon_km"][i]), range_ground_km=float(r["range_ground_km"][i]),
            limited_by=str(r["limited_by"][i]),
            azimuth_deg=s.azimuth_deg if width < 360 else None, sector_width_deg=width,
            antenna_height_m=float(ha[i]), k_factor=float(k_factor),
            earth_radius_m=float(r["earth_radius_m"][i]), kind=kind))
    return out
