"""Global geometry: envelopes across the antimeridian and around a pole, and regions that cross
the antimeridian.

Expected values are worked out here, independently of the package: the outer radius from the law
of cosines on the WGS84 Gaussian sphere at the site (``conftest``), the envelope's area as the
spherical cap ``2 pi R^2 (1 - cos(r / R))`` on that sphere, region areas from
``data/borders/index.json`` (ellipsoidal areas written by ``tools/build_borders.py``), ring
orientation from the shoelace formula. Areas of lon/lat geometry are measured with an independent
``pyproj.Geod``.

* an envelope at 179.5 E, 17 S (region FJI) with a 400 km slant range;
* an envelope at 89 N (region GRL) with a 300 km slant range: it contains the North Pole;
* the regions FJI, RUS and USA, each crossing the antimeridian.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from numpy.testing import assert_allclose
from pyproj import Geod

from adcov.analysis import analyze
from adcov.borders import build_zones
from adcov.regions import neighbours
from adcov.catalog import System
from adcov.cli import cli
from adcov.models import envelope
from adcov.projection import laea_to_lonlat
from adcov.scenario import Scenario, Site
from conftest import cap_area_km2, gaussian_radius, ground_for_slant_km, horizon_km

REPO_ROOT = Path(__file__).resolve().parents[1]
GEOD = Geod(ellps="WGS84")
ANTENNA_M = 20.0
TARGET_M = 10_000.0
REL = 1e-3  # 0.1 %

# name -> (lon, lat, slant range [km], region)
ENVELOPES = {
    "antimeridian": (179.5, -17.0, 400.0, "FJI"),
    "north-pole": (30.0, 89.0, 300.0, "GRL"),
}


def system(max_range_km: float, max_altitude_m: float = 30_000.0) -> System:
    return System(id="Long-X", name="Long-X", max_range_km=max_range_km, min_range_km=0.0,
                  max_altitude_m=max_altitude_m, min_altitude_m=0.0, antenna_height_m=ANTENNA_M)


def scenario_toml(lon, lat, rng, region) -> str:
    return (f'name = "global {region}"\nregion = "{region}"\naltitudes_m = [{TARGET_M:g}]\n\n'
            f'[systems."Long-X"]\nmax_range_km = {rng}\nmin_range_km = 0\n'
            f"max_altitude_m = 30000\nmin_altitude_m = 0\nantenna_height_m = {ANTENNA_M}\n\n"
            f'[[sites]]\nname = "edge"\nsystem = "Long-X"\nlon = {lon}\nlat = {lat}\n')


def hand_outer_km(lat, rng) -> float:
    """Range-limited ground radius (the horizon, about 431 km, is farther)."""
    r = gaussian_radius(lat)
    outer = ground_for_slant_km(rng, ANTENNA_M, TARGET_M, r)
    assert outer < horizon_km(ANTENNA_M, TARGET_M, r)
    return outer


def expected_km2(lat, rng) -> float:
    return cap_area_km2(hand_outer_km(lat, rng), gaussian_radius(lat))


def geodesic_km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def shoelace(ring) -> float:
    xy = np.asarray(ring, dtype=float)
    return 0.5 * float(np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]))


def positions(coords):
    if coords and isinstance(coords[0], (int, float)):
        yield coords
    else:
        for c in coords:
            yield from positions(c)


def polygons(geom: dict) -> list:
    return {"Polygon": [geom["coordinates"]], "MultiPolygon": geom["coordinates"]}.get(
        geom["type"], [])


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    """name -> (name, site, analysis result, exported GeoJSON document), each computed once."""
    cache = {}

    def get(name):
        if name not in cache:
            lon, lat, rng, region = ENVELOPES[name]
            site = Site("edge", system(rng), lon, lat)
            result = analyze(Scenario(name=name, sites=(site,), region=region,
                                      altitudes_m=(TARGET_M,)))
            d = tmp_path_factory.mktemp(name)
            scen = d / f"{name}.toml"
            scen.write_text(scenario_toml(lon, lat, rng, region), encoding="utf-8")
            out = d / f"{name}.geojson"
            res = CliRunner().invoke(cli, ["export", str(scen), "-o", str(out)])
            assert res.exit_code == 0, (res.stderr, res.exception)
            cache[name] = (name, site, result, json.loads(out.read_text(encoding="utf-8")))
        return cache[name]

    return get


@pytest.fixture(params=list(ENVELOPES))
def case(request, computed):
    return computed(request.param)


# --------------------------------------------------------------------------- envelopes
def test_envelope_area_is_the_spherical_cap(case):
    name, site, _, _ = case
    env = envelope(site, TARGET_M)
    assert env.limited_by == "range"
    assert env.outer_km == pytest.approx(hand_outer_km(site.lat, site.system.max_range_km),
                                         rel=1e-6)
    assert_allclose(env.area_km2(), expected_km2(site.lat, site.system.max_range_km), rtol=REL)


def test_lonlat_envelope_has_the_cap_area(case):
    """The envelope in the site's LAEA, and in the region's (as analyze builds it), both turned
    into lon/lat by laea_to_lonlat: geodesic area of the cap, valid, longitudes in range."""
    name, site, result, _ = case
    expected = expected_km2(site.lat, site.system.max_range_km)
    env = envelope(site, TARGET_M)
    z = result.region_zones
    for lon0, lat0 in ((site.lon, site.lat), (z.lon0, z.lat0)):
        ll = laea_to_lonlat(env.polygon(lon0, lat0), lon0, lat0)
        assert ll.is_valid, shapely.is_valid_reason(ll)
        x0, y0, x1, y1 = ll.bounds
        assert -180.0 <= x0 and x1 <= 180.0 and -90.0 <= y0 and y1 <= 90.0
        assert_allclose(geodesic_km2(ll), expected, rtol=REL, err_msg=f"LAEA at {lon0}, {lat0}")
    # The result's own envelope layer (region LAEA -> WGS84) too.
    env_layer = result.envelopes
    assert len(env_layer) == 1
    assert_allclose(geodesic_km2(env_layer.geometry.iloc[0]), expected, rtol=REL)


def test_antimeridian_envelope_is_split_at_180(computed):
    name, site, result, _ = computed("antimeridian")
    g = result.envelopes.geometry.iloc[0]
    assert g.geom_type == "MultiPolygon" and len(g.geoms) == 2
    east, west = sorted(g.geoms, key=lambda p: -p.bounds[0])
    assert east.bounds[2] == 180.0 and west.bounds[0] == -180.0
    # The part west of the seam is the part beyond 180 E: about (180.0 - 179.5 + 3.7) / 7.5.
    assert 0.3 < west.area / g.area < 0.7


def test_pole_envelope_reaches_the_pole(computed):
    name, site, result, _ = computed("north-pole")
    g = result.envelopes.geometry.iloc[0]
    x0, y0, x1, y1 = g.bounds
    assert y1 == 90.0 and x0 == -180.0 and x1 == 180.0
    # Across the pole, 1 + 1.5 degrees (278 km) from the site, is inside.
    assert g.contains(shapely.Point(site.lon - 180.0, 88.5))
    assert g.contains(shapely.Point(0.0, 89.9))
    # Lowest latitude: the point on the site's meridian 'outer' km south of it.
    outer = hand_outer_km(site.lat, site.system.max_range_km)
    _, lat_s, _ = GEOD.fwd(site.lon, site.lat, 180.0, outer * 1000.0)
    assert y0 == pytest.approx(lat_s, abs=0.01)


def test_export_is_rfc7946(case):
    """Every feature of every layer: positions in range, counter-clockwise exteriors and
    clockwise holes (shoelace), each part valid; the envelope has the cap's geodesic area."""
    name, site, _, doc = case
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    n_parts = 0
    for f in doc["features"]:
        geom = f["geometry"]
        for p in positions(geom["coordinates"]):
            assert -180.0 <= p[0] <= 180.0 and -90.0 <= p[1] <= 90.0, (f["properties"], p)
        for poly in polygons(geom):
            assert shoelace(poly[0]) > 0, f"{f['properties']['layer']}: clockwise exterior"
            for hole in poly[1:]:
                assert shoelace(hole) < 0, f"{f['properties']['layer']}: counter-clockwise hole"
            part = shapely.geometry.shape({"type": "Polygon", "coordinates": poly})
            assert part.is_valid, (f["properties"]["layer"],
                                   shapely.is_valid_reason(part))
            n_parts += 1
    assert n_parts > 0
    env = [f for f in doc["features"] if f["properties"]["layer"] == "envelopes"]
    assert len(env) == 1
    geom = shapely.geometry.shape(env[0]["geometry"])
    assert_allclose(geodesic_km2(geom), expected_km2(site.lat, site.system.max_range_km),
                    rtol=REL)
    lats = [p[1] for p in positions(env[0]["geometry"]["coordinates"])]
    lons = [p[0] for p in positions(env[0]["geometry"]["coordinates"])]
    if name == "north-pole":
        assert max(lats) == 90.0
    else:
        assert 180.0 in lons and -180.0 in lons
        assert env[0]["geometry"]["type"] == "MultiPolygon"
    # The union layer (depth 1) of one envelope is that envelope.
    union = [f for f in doc["features"]
             if f["properties"]["layer"] == "unions" and f["properties"]["min_depth"] == 1]
    assert len(union) == 1
    assert_allclose(geodesic_km2(shapely.geometry.shape(union[0]["geometry"])),
                    geodesic_km2(geom), rtol=REL)


# --------------------------------------------------------------------------- regions
INDEX = json.loads((REPO_ROOT / "data" / "borders" / "index.json").read_text(encoding="utf-8"))
# A site in each region whose envelope is empty at the studied altitude (above its ceiling), so
# the analysis keeps no forward zones: the zone table is only about the region itself.
REGION_SITES = {"FJI": (178.44, -18.14), "RUS": (37.62, 55.75), "USA": (-77.04, 38.91)}


@pytest.mark.parametrize("code", list(REGION_SITES))
def test_region_across_the_antimeridian_has_its_geodesic_area(code):
    entry = INDEX[code]
    ref = entry["area_km2"]
    lo, _, hi, _ = entry["bbox"]
    assert lo < -179.0 and hi > 179.0, "the region should cross the antimeridian"

    lon, lat = REGION_SITES[code]
    sc = Scenario(name=code, sites=(Site("here", system(50.0, max_altitude_m=1000.0), lon, lat),),
                  region=code, altitudes_m=(5000.0,))
    z = build_zones(code)
    assert_allclose(z.region_geom.area / 1e6, ref, rtol=REL)
    assert_allclose(z.area_km2, ref, rtol=REL)
    assert set(z.sector_zones) == set(neighbours(code))
    if z.sector_zones:
        assert_allclose(sum(g.area for g in z.sector_zones.values()), z.region_geom.area,
                        rtol=1e-6)

    zt = analyze(sc).zones
    region = zt[zt.zone_kind == "region"].iloc[0]
    assert region.zone == code
    assert_allclose(region.area_km2, ref, rtol=REL)
    assert region.covered_km2 == 0.0
    sectors = zt[zt.zone_kind == "sector"]
    assert set(sectors.zone) == set(neighbours(code))
    if len(sectors):
        assert_allclose(sectors.area_km2.sum(), region.area_km2, rtol=1e-6)
    # The region in WGS84 (as exported): longitudes folded into [-180, 180], same area.
    g = laea_to_lonlat(z.region_geom, z.lon0, z.lat0)
    x0, _, x1, _ = g.bounds
    assert -180.0 <= x0 and x1 <= 180.0
    assert_allclose(geodesic_km2(g), ref, rtol=REL)
