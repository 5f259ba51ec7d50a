"""Shared helpers for the test suite.

The helpers here are *independent* re-derivations of the closed forms the package implements:
they are written from the textbook formulas (WGS84 defining constants, the law of cosines, the
spherical cap) and deliberately take a different computational path from ``coverage/`` so that a
test comparing the two is a real check, not the code compared with itself.
"""

from __future__ import annotations

import atexit
import math
import os
import shutil
import tempfile

import numpy as np
import pytest
from pyproj import CRS, Geod, Transformer

from adcov.catalog import System
from adcov.scenario import Site

# The tests never write into the user's cache folder: adcov's cache (DEM downloads, derived
# zones) goes to a folder of this test session, removed at the end.
_CACHE = tempfile.mkdtemp(prefix="adcov-test-cache-")
os.environ["ADCOV_CACHE"] = _CACHE
os.environ.pop("ADCOV_NO_CACHE", None)
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

# WGS84 defining constants (NIMA TR8350.2, table 3.1), typed in here rather than imported.
A_M = 6378137.0
F = 1.0 / 298.257223563
B_M = A_M * (1.0 - F)  # semi-minor axis, 6,356,752.314 m
E2 = F * (2.0 - F)  # first eccentricity squared

#: An independent WGS84 geodesic engine for the tests (same library as the code, separate object).
WGS84 = Geod(ellps="WGS84")


def gaussian_radius(lat_deg: float) -> float:
    """sqrt(M * N) from the meridional and prime-vertical radii written out separately. [m]"""
    s = math.sin(math.radians(lat_deg))
    w = 1.0 - E2 * s * s
    m = A_M * (1.0 - E2) / w**1.5
    n = A_M / math.sqrt(w)
    return math.sqrt(m * n)


def slant_km(s_km: float, ha_m: float, ht_m: float, r_m: float) -> float:
    """Law of cosines in the triangle Earth centre / antenna / target, plain form. [km]"""
    p, q = r_m + ha_m, r_m + ht_m
    rho2 = p * p + q * q - 2.0 * p * q * math.cos(s_km * 1000.0 / r_m)
    return math.sqrt(max(rho2, 0.0)) / 1000.0


def ground_for_slant_km(rho_km: float, ha_m: float, ht_m: float, r_m: float) -> float:
    """Inverse of the law of cosines: the central angle from acos, times R. [km]"""
    p, q = r_m + ha_m, r_m + ht_m
    rho = rho_km * 1000.0
    cos_t = (p * p + q * q - rho * rho) / (2.0 * p * q)
    return math.acos(cos_t) * r_m / 1000.0


def horizon_km(ha_m: float, ht_m: float, r_m: float, k: float = 4.0 / 3.0) -> float:
    """Radar horizon sqrt(2 k R ha) + sqrt(2 k R ht). [km]"""
    re = k * r_m
    return (math.sqrt(2.0 * re * ha_m) + math.sqrt(2.0 * re * ht_m)) / 1000.0


def cap_area_km2(r_km: float, radius_m: float) -> float:
    """Area of a spherical cap of geodesic radius r on a sphere of the given radius. [km2]"""
    return 2.0 * math.pi * radius_m**2 * (1.0 - math.cos(r_km * 1000.0 / radius_m)) / 1e6


def dense_geodesic_disc_area_km2(lon: float, lat: float, r_km: float, n: int = 3600) -> float:
    """Ellipsoidal area of a geodesic circle sampled at n points (pyproj polygon_area_perimeter).

    The n-gon inscribed in a circle has (n / 2 pi) sin(2 pi / n) of its area (5.1e-7 short for
    n = 3600); that known factor is divided out.
    """
    az = np.arange(n) * (360.0 / n)
    lo, la, _ = WGS84.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, r_km * 1000.0))
    area, _ = WGS84.polygon_area_perimeter(lo, la)
    inscribed = n / (2.0 * math.pi) * math.sin(2.0 * math.pi / n)
    return abs(area) / 1e6 / inscribed


def laea_transformers(lon0: float, lat0: float):
    """(lon/lat -> LAEA, LAEA -> lon/lat) for a WGS84 LAEA centred on (lon0, lat0)."""
    crs = CRS.from_proj4(f"+proj=laea +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m")
    return (Transformer.from_crs("EPSG:4326", crs, always_xy=True),
            Transformer.from_crs(crs, "EPSG:4326", always_xy=True))


def make_system(sid: str = "Test-SAM", **kw) -> System:
    """A catalog-free System with explicit numbers (defaults: a generic long-range SAM)."""
    values = dict(max_range_km=100.0, min_range_km=0.0, max_altitude_m=30000.0,
                  min_altitude_m=0.0, antenna_height_m=20.0)
    values.update(kw)
    return System(id=sid, name=sid, **values)


def make_site(system: System, lon: float = 27.0, lat: float = 53.0, name: str = "site",
              **kw) -> Site:
    return Site(name=name, system=system, lon=lon, lat=lat, **kw)


@pytest.fixture(scope="session")
def blr_zones():
    """Belarus zones with forward zones kept to 400 km (built once: about 0.2 s)."""
    from adcov.borders import build_zones

    return build_zones("BLR", reach_km=400)


@pytest.fixture(scope="session")
def blr_points():
    """Equal-area sample points of Belarus every 2.5 km (about 33,000), with the default sectors
    and 50 km belts, from the sampling engine (built once: about 1.5 s)."""
    from adcov.sampling import equal_area_points

    return equal_area_points("BLR", 2.5)


#: The only HTML elements adcov itself puts into KML descriptions.
KML_DESCRIPTION_TAGS = {"b", "br"}


def kml_description_html(text: str) -> tuple[set, str]:
    """(element names, visible text) of a KML description read as HTML, the way Google Earth
    renders it: the standard library's HTML parser, written independently of the exporter."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.tags, self.text = set(), []

        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)
            if tag == "br":
                self.text.append("\n")

        def handle_startendtag(self, tag, attrs):
            self.handle_starttag(tag, attrs)

        def handle_data(self, data):
            self.text.append(data)

        def handle_comment(self, data):
            self.tags.add("!--")

    reader = Reader()
    reader.feed(text or "")
    reader.close()
    return reader.tags, "".join(reader.text).replace("\n\n", "\n")
