"""Sanity checks on a scenario's sites: warnings, not errors.

A site far outside the region is legal (a Russian battery in Kaliningrad covering Belarus), but
more often it is a typo, and a site whose latitude and longitude were swapped lands in another
country without a word. These checks say so. They are plain Python over the shipped GeoJSON
(no numpy or shapely), so ``adcov validate`` stays light.

Distances are measured on a sphere of the mean Earth radius in a local equirectangular plane
around the site: within about 1 % for sites a few hundred kilometres from the border, which is
all a warning needs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

from ._paths import data_path
from .constants import MEAN_EARTH_RADIUS_M
from .regions import _index, country_name

__all__ = ["OUTSIDE_TOLERANCE_KM", "SiteWarning", "check_sites", "distance_outside_km",
           "country_at"]

#: A site this far outside its region (or less) gets no warning: the 1:10m borders are
#: generalised. [km]
OUTSIDE_TOLERANCE_KM = 1.0


@dataclass(frozen=True)
class SiteWarning:
    """One sanity warning about one site.

    Attributes
    ----------
    site : str
        The site's name.
    kind : str
        ``outside`` (more than :data:`OUTSIDE_TOLERANCE_KM` outside the region) or
        ``swapped`` (outside, but inside with latitude and longitude swapped).
    message : str
        The warning, one line.
    distance_km : float
        How far outside the region the site is. [km]
    country : str or None
        ISO3 code of the country the site is in (None at sea or outside every country).
    """

    site: str
    kind: str
    message: str
    distance_km: float
    country: str | None


@lru_cache(maxsize=32)
def _polygons(iso3: str) -> tuple:
    """The country's polygons as tuples of rings of (lon, lat)."""
    text = data_path("borders", "countries", f"{iso3}.geojson").read_text(encoding="utf-8")
    geom = json.loads(text)["features"][0]["geometry"]
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    return tuple(tuple(tuple((float(x), float(y)) for x, y, *_ in ring) for ring in poly)
                 for poly in polys)


def _in_ring(ring, lon: float, lat: float) -> bool:
    inside = False
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        if (y1 > lat) != (y0 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
        x0, y0 = x1, y1
    return inside


def _contains(iso3: str, lon: float, lat: float) -> bool:
    # Even-odd over the exterior and its holes, polygon by polygon.
    return any(sum(_in_ring(r, lon, lat) for r in poly) % 2 == 1 for poly in _polygons(iso3))


def distance_outside_km(iso3: str, lon: float, lat: float) -> float:
    """Distance from a point to a country: 0 inside, else to its nearest border. [km]

    Parameters
    ----------
    iso3 : str
        The country.
    lon, lat : float
        The point. [deg]

    Examples
    --------
    >>> distance_outside_km("BLR", 27.56, 53.90)
    0.0
    >>> 140 < distance_outside_km("BLR", 21.0, 52.23) < 160   # Warsaw
    True
    """
    if _contains(iso3, lon, lat):
        return 0.0
    r = MEAN_EARTH_RADIUS_M / 1000.0
    kx = r * math.cos(math.radians(lat)) * math.pi / 180.0
    ky = r * math.pi / 180.0
    best = math.inf
    for poly in _polygons(iso3):
        for ring in poly:
            px, py = None, None
            for x, y in ring:
                # Local plane around the point, longitudes taken the short way round.
                qx = ((x - lon + 180.0) % 360.0 - 180.0) * kx
                qy = (y - lat) * ky
                if px is not None:
                    dx, dy = qx - px, qy - py
                    seg = dx * dx + dy * dy
                    t = 0.0 if seg == 0 else max(0.0, min(1.0, -(px * dx + py * dy) / seg))
                    best = min(best, math.hypot(px + t * dx, py + t * dy))
                px, py = qx, qy
    return best


def country_at(lon: float, lat: float) -> str | None:
    """ISO3 code of the country holding a point, or None (at sea, or no country).

    Examples
    --------
    >>> country_at(21.0, 52.23), country_at(0.0, 0.0)
    ('POL', None)
    """
    for code, rec in _index().items():
        x0, y0, x1, y1 = rec["bbox"]
        if not y0 <= lat <= y1:
            continue
        if not any(x0 <= lon + k <= x1 for k in (-360.0, 0.0, 360.0)):
            continue
        if _contains(code, lon, lat):
            return code
    return None


def check_sites(scenario, *, tolerance_km: float = OUTSIDE_TOLERANCE_KM) -> list[SiteWarning]:
    """Warnings about sites that lie outside the scenario's region.

    Parameters
    ----------
    scenario : Scenario
        The sites and the region.
    tolerance_km : float, default 1
        Sites up to this far outside the region pass without a word. [km]

    Returns
    -------
    list of SiteWarning
        One per site outside: ``swapped`` when swapping its latitude and longitude puts it
        inside the region, else ``outside`` with its distance and the country it is in.
    """
    region = scenario.region
    out = []
    for s in scenario.sites:
        d = distance_outside_km(region, s.lon, s.lat)
        if d <= tolerance_km:
            continue
        where = country_at(s.lon, s.lat)
        place = f"in {country_name(where)} ({where})" if where else "in no country"
        if abs(s.lon) <= 90.0 and _contains(region, s.lat, s.lon):
            msg = (f"site {s.name!r} at lon {s.lon:g}, lat {s.lat:g} lies {d:.1f} km outside "
                   f"{region} ({place}); with lat and lon swapped it would be inside: are they "
                   "swapped?")
            out.append(SiteWarning(s.name, "swapped", msg, d, where))
        else:
            msg = (f"site {s.name!r} at lon {s.lon:g}, lat {s.lat:g} lies {d:.1f} km outside "
                   f"{region}, {place}")
            out.append(SiteWarning(s.name, "outside", msg, d, where))
    return out
