"""Engagement envelopes: the one place where range, horizon, altitude and sector limits meet.

For one site and one target altitude the envelope is the part of the ground over which a target
at that altitude can be engaged: a geodesic annulus (cut to an azimuth sector for sector
systems) whose outer radius is set by the missile's slant range or by the radar horizon,
whichever is shorter, and whose inner radius is the dead zone of the minimum slant range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import shapely

from .geodesy import (
    DEFAULT_K_FACTOR,
    gaussian_radius_m,
    geodesic_rings,
    ground_range_for_slant_km,
    radar_horizon_km,
    ring_vertex_count,
    to_laea,
)
from .scenario import Site

__all__ = [
    "LIMITS",
    "RING_TOLERANCE_M",
    "RING_RELATIVE_TOLERANCE",
    "Envelope",
    "envelope_radii",
    "envelope",
    "envelopes",
    "envelope_polygons",
]

#: Why an envelope has the size it has.
#: ``range``: the missile's slant range; ``horizon``: the radar horizon for that target altitude;
#: ``ceiling``/``floor``: the target is above the maximum / below the minimum altitude (empty);
#: ``dead_zone``: what the horizon or range leaves lies inside the minimum range (empty).
LIMITS = ("range", "horizon", "ceiling", "floor", "dead_zone")

#: Polygons stay within this distance of the true geodesic circle. [m]
RING_TOLERANCE_M = 50.0
#: ... and within this fraction of the radius, so that small rings lose under 0.07% of their area.
RING_RELATIVE_TOLERANCE = 5e-4


@dataclass(frozen=True)
class Envelope:
    """Engagement envelope of one site at one target altitude, with the assumptions behind it.

    Attributes
    ----------
    site, system : str
        Site name and system id.
    lon, lat : float
        Site position. [deg]
    altitude_m : float
        Target altitude above the radar's ground. [m]
    outer_km, inner_km : float
        Geodesic radii of the annulus (0 and 0 when empty). [km]
    horizon_km : float
        Radar horizon for this antenna and target altitude. [km]
    range_ground_km : float
        Ground distance at which the maximum slant range is reached (nan: out of reach). [km]
    limited_by : str
        One of :data:`LIMITS`.
    azimuth_deg, sector_width_deg : float
        Sector centre (None for full circles) and width. [deg]
    antenna_height_m, k_factor, earth_radius_m : float
        Antenna height [m], effective-Earth factor [-] and the Gaussian radius used [m].
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
    limited_by: str
    azimuth_deg: float | None
    sector_width_deg: float
    antenna_height_m: float
    k_factor: float
    earth_radius_m: float

    @property
    def empty(self) -> bool:
        """True when no ground point can be engaged at this altitude."""
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
        return float(self.polygon(self.lon, self.lat).area) / 1e6


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
    limited = np.where(s_max_f <= horizon, "range", "horizon").astype(object)
    dead = outer <= s_min
    # Blame the dead zone only where there is one; a zero horizon is the horizon's doing.
    limited[dead & reachable & (s_min > 0)] = "dead_zone"
    limited[~reachable] = "range"
    limited[ht < amin] = "floor"
    limited[ht > amax] = "ceiling"
    empty = dead | ~reachable | (ht < amin) | (ht > amax)
    return {
        "outer_km": np.where(empty, 0.0, outer),
        "inner_km": np.where(empty, 0.0, s_min),
        "horizon_km": horizon,
        "range_ground_km": s_max,
        "limited_by": limited.astype(str),
        "earth_radius_m": np.broadcast_to(radius, rmax.shape).astype(float),
    }


def envelopes(sites: Sequence[Site], altitude_m: float, *, k_factor=DEFAULT_K_FACTOR) -> list[Envelope]:
    """Envelopes of many sites at one target altitude (computed in one vectorised pass).

    Parameters
    ----------
    sites : sequence of Site
        The sites, each with its system.
    altitude_m : float
        Target altitude above the radars' ground. [m]
    k_factor : float, default 4/3
        Effective Earth radius factor for the radar horizon. [-]

    Returns
    -------
    list of Envelope
        One per site, in order (empty envelopes included, with their ``limited_by``).
    """
    if not sites:
        return []
    sy = [s.system for s in sites]
    ha = np.array([s.effective_antenna_height_m for s in sites])
    r = envelope_radii([x.max_range_km for x in sy], [x.min_range_km for x in sy],
                       [x.max_altitude_m for x in sy], [x.min_altitude_m for x in sy], ha,
                       altitude_m, [s.lat for s in sites], k_factor=k_factor)
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
            earth_radius_m=float(r["earth_radius_m"][i])))
    return out


def envelope(site: Site, altitude_m: float, *, k_factor=DEFAULT_K_FACTOR) -> Envelope:
    """Envelope of one site at one target altitude. See :func:`envelope_radii` for the model.

    Parameters
    ----------
    site : Site
        The site and its system.
    altitude_m : float
        Target altitude above the radar's ground. [m]
    k_factor : float, default 4/3
        Effective Earth radius factor for the radar horizon. [-]

    Returns
    -------
    Envelope
    """
    return envelopes([site], altitude_m, k_factor=k_factor)[0]


def envelope_polygons(envs: Iterable[Envelope], lon0: float | None = None,
                      lat0: float | None = None, *, tolerance_m: float = RING_TOLERANCE_M):
    """Polygons of many envelopes, built with one geodesic computation and one projection.

    Vertices lie exactly on the geodesic circles (WGS84, ``Geod.fwd``), close enough together
    that the polygon stays within ``min(tolerance_m, RING_RELATIVE_TOLERANCE * radius)`` of the
    circle.

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
    lon, lat, rad, start, width, count, owner, kind = [], [], [], [], [], [], [], []
    for i, e in enumerate(envs):
        if e.empty:
            continue
        full = e.sector_width_deg >= 360.0
        a0 = 0.0 if full else e.azimuth_deg - e.sector_width_deg / 2.0
        for ring, radius in (("outer", e.outer_km), ("inner", e.inner_km)):
            if radius <= 0:
                continue
            tol = min(tolerance_m, RING_RELATIVE_TOLERANCE * radius * 1000.0)
            lon.append(e.lon), lat.append(e.lat), rad.append(radius), start.append(a0)
            width.append(e.sector_width_deg)
            count.append(ring_vertex_count(radius, tolerance_m=tol, width_deg=e.sector_width_deg))
            owner.append(i), kind.append(ring)
    result = np.array([shapely.Polygon() for _ in envs], dtype=object)
    if not owner:
        return result
    rings = geodesic_rings(lon, lat, rad, start, width, count)
    allx = np.concatenate([r[0] for r in rings])
    ally = np.concatenate([r[1] for r in rings])
    if lon0 is not None:
        pts = shapely.get_coordinates(to_laea(shapely.points(allx, ally), lon0, lat0))
        allx, ally = pts[:, 0], pts[:, 1]
    bounds = np.cumsum([0] + [len(r[0]) for r in rings])
    pieces: dict[int, dict] = {}
    for j, i in enumerate(owner):
        xy = np.column_stack([allx[bounds[j]:bounds[j + 1]], ally[bounds[j]:bounds[j + 1]]])
        if lon0 is None:
            xy[:, 0] = envs[i].lon + (xy[:, 0] - envs[i].lon + 180.0) % 360.0 - 180.0
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
                centre = np.array([[e.lon, e.lat]])
                if lon0 is not None:
                    centre = shapely.get_coordinates(to_laea(shapely.points(centre), lon0, lat0))
                back = centre
            result[i] = shapely.Polygon(np.vstack([outer, back]))
    return result
