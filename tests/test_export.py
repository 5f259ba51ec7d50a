"""GIS export: ``adcov export SCENARIO -o FILE`` to GeoJSON (RFC 7946), GeoPackage and KML 2.2.

Every exported file is opened with GDAL (pyogrio) and checked for its layer names, feature counts
and attributes, as CI does. Numbers are checked against values worked out here: feature counts
from the scenario and the systems' altitude limits, envelope radii from the law of cosines and the
4/3-Earth horizon on the WGS84 Gaussian sphere, and envelope areas from the closed-form
spherical cap. Ring orientation is decided with the shoelace formula written out below.
"""

from __future__ import annotations

import json
import math
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod

from adcov.cli import cli
from adcov.models import envelopes
from adcov.scenario import Scenario
from conftest import KML_DESCRIPTION_TAGS, kml_description_html

KML = "{http://www.opengis.net/kml/2.2}"
LAYERS = ["sites", "envelopes", "unions", "gaps", "zones", "borders"]
BLR_ZONES = {"BLR", "west", "south", "east", "west_belt", "south_belt", "east_belt"}
HOSTILE = '<b>x</b> & "q"'

# WGS84 defining constants, typed in.
A_M = 6378137.0
F = 1.0 / 298.257223563
E2 = F * (2.0 - F)
GEOD = Geod(a=A_M, f=F)


# --------------------------------------------------------------------------- hand formulas
def gaussian_radius(lat_deg: float) -> float:
    """sqrt(M N) from the meridional and prime-vertical radii of curvature. [m]"""
    w = 1.0 - E2 * math.sin(math.radians(lat_deg)) ** 2
    return math.sqrt(A_M * (1.0 - E2) / w**1.5 * A_M / math.sqrt(w))


def ground_for_slant_km(rho_km, ha_m, ht_m, r_m):
    """Ground distance where the slant range (law of cosines) equals rho; None: out of reach."""
    p, q, rho = r_m + ha_m, r_m + ht_m, rho_km * 1000.0
    if rho <= abs(ht_m - ha_m):
        return None
    return math.acos((p * p + q * q - rho * rho) / (2.0 * p * q)) * r_m / 1000.0


def hand_envelope(system, ha_m, ht_m, lat_deg, k=4.0 / 3.0):
    """(limited_by, outer_km, inner_km) of one envelope, worked out from the model's definition."""
    if ht_m > system.max_altitude_m:
        return "ceiling", 0.0, 0.0
    if ht_m < system.min_altitude_m:
        return "floor", 0.0, 0.0
    r = gaussian_radius(lat_deg)
    horizon = (math.sqrt(2 * k * r * ha_m) + math.sqrt(2 * k * r * ht_m)) / 1000.0
    s_max = ground_for_slant_km(system.max_range_km, ha_m, ht_m, r)
    if s_max is None:
        return "range", 0.0, 0.0
    s_min = ground_for_slant_km(system.min_range_km, ha_m, ht_m, r) or 0.0
    outer, limit = (s_max, "range") if s_max <= horizon else (horizon, "horizon")
    if outer <= s_min:
        return "dead_zone", 0.0, 0.0
    return limit, outer, s_min


def cap_km2(r_km, radius_m):
    """Spherical cap of geodesic radius r: 2 pi R^2 (1 - cos(r / R)). [km2]"""
    return 2.0 * math.pi * radius_m**2 * (1.0 - math.cos(r_km * 1000.0 / radius_m)) / 1e6


def signed_area(ring) -> float:
    """Shoelace formula: positive for a counter-clockwise ring in (lon, lat)."""
    xy = np.asarray(ring, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def polygons_of(geom: dict):
    if geom["type"] == "Polygon":
        return [geom["coordinates"]]
    if geom["type"] == "MultiPolygon":
        return geom["coordinates"]
    return []


def all_positions(coords):
    if coords and isinstance(coords[0], (int, float)):
        yield coords
    else:
        for c in coords:
            yield from all_positions(c)


# --------------------------------------------------------------------------- running the CLI
def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def export(scenario, path: Path) -> Path:
    res = run("export", scenario, "-o", path)
    assert res.exit_code == 0, (res.output, res.stderr)
    assert path.is_file() and path.stat().st_size > 0
    return path


@pytest.fixture(scope="module")
def blr2023():
    return Scenario.builtin("belarus-2023")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """belarus-2023 exported once to each format through the CLI."""
    d = tmp_path_factory.mktemp("export")
    return {fmt: export("belarus-2023", d / f"belarus-2023.{fmt}") for fmt in ("gpkg", "geojson", "kml")}


@pytest.fixture(scope="module")
def expected_envelopes(blr2023):
    """(altitude, site) -> (system, limited_by, outer, inner, lat, width) for non-empty envelopes,
    by hand; checked against adcov.envelope.envelopes for the count."""
    sc = blr2023
    out = {}
    for h in sc.altitudes_m:
        n_code = sum(not e.empty for e in envelopes(sc.sites, h, k_factor=sc.k_factor))
        n_hand = 0
        for s in sc.sites:
            limit, outer, inner = hand_envelope(s.system, s.effective_antenna_height_m, h, s.lat,
                                                sc.k_factor)
            if outer > 0:
                n_hand += 1
                out[(h, s.name)] = (s.system.id, limit, outer, inner, s.lat,
                                    s.effective_sector_width_deg)
        assert n_hand == n_code, f"altitude {h:g}: hand {n_hand}, envelopes() {n_code}"
    return out


# --------------------------------------------------------------------------- GeoPackage
def test_gpkg_layer_names_are_exactly_the_six_layers(exported):
    names = list(pyogrio.list_layers(exported["gpkg"])[:, 0])
    assert names == LAYERS


def test_gpkg_feature_counts(exported, blr2023, expected_envelopes):
    path = exported["gpkg"]
    count = {name: pyogrio.read_info(path, layer=name)["features"] for name in LAYERS}
    n_alt = len(blr2023.altitudes_m)
    assert count["sites"] == len(blr2023.sites) == 13
    assert count["envelopes"] == len(expected_envelopes)
    # S-300PS x5, S-400 x6 at every altitude up to 20 km; Tor-M2 x2 only up to its 10 km ceiling.
    assert count["envelopes"] == 11 * n_alt + 2 * 5
    assert count["unions"] == 3 * n_alt
    assert count["zones"] == 7
    assert count["borders"] == 3


def test_gpkg_attributes(exported, blr2023):
    path = exported["gpkg"]
    fields = {name: set(pyogrio.read_info(path, layer=name)["fields"]) for name in LAYERS}
    assert {"name", "system", "family"} <= fields["sites"]
    assert {"altitude_m", "site", "system", "family", "limited_by", "outer_km",
            "area_km2"} <= fields["envelopes"]
    assert {"altitude_m", "min_depth"} <= fields["unions"]
    assert {"altitude_m", "zone", "area_km2"} <= fields["gaps"]
    assert {"zone", "zone_kind"} <= fields["zones"]

    sites = pyogrio.read_dataframe(path, layer="sites")
    assert sorted(sites["name"]) == sorted(s.name for s in blr2023.sites)
    by_name = {s.name: s for s in blr2023.sites}
    for rec in sites.itertuples():
        s = by_name[rec.name]
        assert rec.system == s.system.id
        assert (rec.geometry.x, rec.geometry.y) == pytest.approx((s.lon, s.lat), abs=1e-9)

    unions = pyogrio.read_dataframe(path, layer="unions")
    for h in blr2023.altitudes_m:
        assert sorted(unions.min_depth[unions.altitude_m == h]) == [1, 2, 3]

    zones = pyogrio.read_dataframe(path, layer="zones")
    assert set(zones.zone) == BLR_ZONES
    kinds = dict(zip(zones.zone, zones.zone_kind))
    assert kinds["BLR"] == "region" and kinds["west"] == "sector" and kinds["east_belt"] == "belt"
    # The sector zones tile the region.
    area = dict(zip(zones.zone, zones.area_km2))
    assert area["west"] + area["south"] + area["east"] == pytest.approx(area["BLR"], rel=1e-3)

    borders = pyogrio.read_dataframe(path, layer="borders")
    assert dict(zip(borders.sector, borders.neighbours)) == {
        "west": "POL,LTU,LVA", "south": "UKR", "east": "RUS"}

    gaps = pyogrio.read_dataframe(path, layer="gaps")
    assert set(gaps.altitude_m) <= set(blr2023.altitudes_m)
    assert set(gaps.zone) <= BLR_ZONES
    assert (gaps.area_km2 > blr2023.min_gap_km2).all()


def test_gpkg_envelopes_match_hand_radii_and_cap_areas(exported, blr2023, expected_envelopes):
    env = pyogrio.read_dataframe(exported["gpkg"], layer="envelopes")
    assert len(env) == len(expected_envelopes)
    for rec in env.itertuples():
        system, limit, outer, inner, lat, width = expected_envelopes[(rec.altitude_m, rec.site)]
        assert rec.system == system
        assert rec.limited_by == limit, (rec.site, rec.altitude_m)
        assert rec.outer_km == pytest.approx(outer, rel=1e-9, abs=1e-6)
        r = gaussian_radius(lat)
        cap = (cap_km2(outer, r) - cap_km2(inner, r)) * width / 360.0
        assert rec.area_km2 == pytest.approx(cap, rel=2e-3), (rec.site, rec.altitude_m)
        # ... and the geometry in the file itself, measured on the ellipsoid.
        geodesic = abs(GEOD.geometry_area_perimeter(rec.geometry)[0]) / 1e6
        assert geodesic == pytest.approx(cap, rel=2e-3), (rec.site, rec.altitude_m)


def test_gpkg_one_envelope_in_detail(exported):
    """Brest's S-300PS against a 1 km target, worked out in full.

    Gaussian radius at 52.09 N: R = 6,382.4 km. Slant range 75 km from a 24 m mast to a 1,000 m
    target: theta = acos(((R+24)^2 + (R+1000)^2 - 75000^2) / (2 (R+24) (R+1000))), s = R theta
    = 74.99 km; horizon sqrt(2 k R 24) + sqrt(2 k R 1000) = 20.2 + 130.5 = 150.7 km, so the
    outer radius is range-limited. The 5 km dead zone: s = 4.90 km. Area = cap(74.99) - cap(4.90).
    """
    env = pyogrio.read_dataframe(exported["gpkg"], layer="envelopes")
    row = env[(env.site == "Brest") & (env.altitude_m == 1000)].iloc[0]
    r = gaussian_radius(52.09)
    p, q = r + 24.0, r + 1000.0
    outer = math.acos((p * p + q * q - 75000.0**2) / (2 * p * q)) * r / 1000.0
    inner = math.acos((p * p + q * q - 5000.0**2) / (2 * p * q)) * r / 1000.0
    assert 74.9 < outer < 75.0 and 4.8 < inner < 5.0
    assert row.limited_by == "range"
    assert row.outer_km == pytest.approx(outer, abs=1e-6)
    area = cap_km2(outer, r) - cap_km2(inner, r)
    assert row.area_km2 == pytest.approx(area, rel=2e-3)
    assert row.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert len(list(row.geometry.geoms)[0].interiors) == 1  # the dead zone is a hole


# --------------------------------------------------------------------------- GeoJSON
@pytest.fixture(scope="module")
def geojson_doc(exported):
    return json.loads(exported["geojson"].read_text(encoding="utf-8"))


def test_geojson_is_an_rfc7946_feature_collection(geojson_doc, blr2023, expected_envelopes):
    doc = geojson_doc
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # RFC 7946 drops the crs member: lon/lat WGS84 only
    layer_count = {}
    for f in doc["features"]:
        assert f["type"] == "Feature"
        assert f["properties"]["layer"] in LAYERS
        layer_count[f["properties"]["layer"]] = layer_count.get(f["properties"]["layer"], 0) + 1
    assert set(layer_count) == set(LAYERS)
    assert layer_count["sites"] == 13
    assert layer_count["envelopes"] == len(expected_envelopes)
    assert layer_count["zones"] == 7 and layer_count["borders"] == 3
    # Positions are [lon, lat]: the sites are where the scenario puts them, in that order.
    pos = {f["properties"]["name"]: f["geometry"]["coordinates"]
           for f in doc["features"] if f["properties"]["layer"] == "sites"}
    for s in blr2023.sites:
        assert pos[s.name] == pytest.approx([s.lon, s.lat], abs=1e-6)


def test_geojson_rings_ccw_exteriors_cw_holes_in_range(geojson_doc):
    n_rings = n_holes = 0
    for f in geojson_doc["features"]:
        geom = f["geometry"]
        for p in all_positions(geom["coordinates"]):
            assert len(p) == 2
            assert -180.0 <= p[0] <= 180.0 and -90.0 <= p[1] <= 90.0, p
        for poly in polygons_of(geom):
            for i, ring in enumerate(poly):
                assert len(ring) >= 4 and ring[0] == ring[-1]
                a = signed_area(ring)
                if i == 0:
                    assert a > 0, f"{f['properties']['layer']}: clockwise exterior"
                else:
                    n_holes += 1
                    assert a < 0, f"{f['properties']['layer']}: counter-clockwise hole"
                n_rings += 1
    assert n_rings > 100 and n_holes > 0  # the S-300 and S-400 dead zones are holes


def test_geojson_opens_with_gdal(exported, geojson_doc):
    info = pyogrio.read_info(exported["geojson"])
    assert info["features"] == len(geojson_doc["features"])
    assert "layer" in set(info["fields"])
    df = pyogrio.read_dataframe(exported["geojson"])
    assert df.crs.to_epsg() == 4326
    assert sorted(set(df["layer"])) == sorted(LAYERS)


# --------------------------------------------------------------------------- antimeridian
FIJI_TOML = """\
name = "Across the antimeridian"
region = "FJI"
altitudes_m = [10000]

[systems."Long-X"]
max_range_km = 400
min_range_km = 0
max_altitude_m = 30000
min_altitude_m = 0
antenna_height_m = 20

[[sites]]
name = "Dateline"
system = "Long-X"
lon = 179.5
lat = -17.0
"""


def test_geojson_envelope_across_the_antimeridian_is_split_at_180(tmp_path):
    scenario = tmp_path / "fiji.toml"
    scenario.write_text(FIJI_TOML, encoding="utf-8")
    out = export(scenario, tmp_path / "fiji.geojson")
    doc = json.loads(out.read_text(encoding="utf-8"))
    env = [f for f in doc["features"] if f["properties"]["layer"] == "envelopes"]
    assert len(env) == 1
    geom = env[0]["geometry"]
    assert geom["type"] == "MultiPolygon" and len(geom["coordinates"]) == 2

    lons = [p[0] for p in all_positions(geom["coordinates"])]
    assert 180.0 in lons and -180.0 in lons
    for poly in geom["coordinates"]:
        ring = np.asarray(poly[0])
        assert signed_area(poly[0]) > 0  # counter-clockwise, each part
        # one part wholly east of the seam, the other wholly west of it
        assert ring[:, 0].min() >= 170.0 or ring[:, 0].max() <= -170.0
        assert np.abs(np.diff(ring[:, 0])).max() < 10.0
    for p in all_positions(doc["features"][0]["geometry"]["coordinates"]):
        assert -180.0 <= p[0] <= 180.0

    # Outer radius by hand: range-limited (the horizon, 4.12 (sqrt 20 + sqrt 10000) ~ 431 km, is
    # farther than the ~399.6 km where a 400 km slant range meets a 10 km-high target).
    r = gaussian_radius(-17.0)
    outer = ground_for_slant_km(400.0, 20.0, 10000.0, r)
    horizon = (math.sqrt(2 * 4 / 3 * r * 20.0) + math.sqrt(2 * 4 / 3 * r * 10000.0)) / 1000.0
    assert 399.0 < outer < 400.0 < horizon
    assert env[0]["properties"]["outer_km"] == pytest.approx(outer, abs=1e-6)
    area = abs(GEOD.geometry_area_perimeter(shapely.geometry.shape(geom))[0]) / 1e6
    assert area == pytest.approx(cap_km2(outer, r), rel=1e-3)

    # GDAL reads it too.
    df = pyogrio.read_dataframe(out)
    assert len(df) == len(doc["features"])


def test_gpkg_and_kml_across_the_antimeridian_stay_in_range(tmp_path):
    scenario = tmp_path / "fiji.toml"
    scenario.write_text(FIJI_TOML, encoding="utf-8")
    gpkg = export(scenario, tmp_path / "fiji.gpkg")
    env = pyogrio.read_dataframe(gpkg, layer="envelopes")
    assert len(env) == 1
    geom = env.geometry.iloc[0]
    assert geom.geom_type == "MultiPolygon" and len(geom.geoms) == 2
    lo_x, _, hi_x, _ = geom.bounds
    assert (lo_x, hi_x) == (-180.0, 180.0)
    kml = export(scenario, tmp_path / "fiji.kml")
    root = ET.parse(kml).getroot()
    lons = [float(t.split(",")[0]) for c in root.iter(f"{KML}coordinates") for t in c.text.split()]
    assert min(lons) == -180.0 and max(lons) == 180.0


# --------------------------------------------------------------------------- KML
@pytest.fixture(scope="module")
def kml_root(exported):
    return ET.parse(exported["kml"]).getroot()


def _name(el):
    n = el.find(f"{KML}name")
    return None if n is None else n.text


def test_kml_is_kml_22_with_styles(kml_root):
    assert kml_root.tag == f"{KML}kml"
    for el in kml_root.iter():
        assert el.tag.startswith(KML), f"element outside the KML 2.2 namespace: {el.tag}"
    docs = kml_root.findall(f"{KML}Document")
    assert len(docs) == 1
    styles = docs[0].findall(f"{KML}Style")
    assert styles
    ids = {s.get("id") for s in styles}
    for url in kml_root.iter(f"{KML}styleUrl"):
        assert url.text.startswith("#") and url.text[1:] in ids, url.text
    for c in kml_root.iter(f"{KML}color"):
        assert re.fullmatch(r"[0-9a-f]{8}", c.text), c.text  # aabbggrr


def test_kml_coordinates_and_rings(kml_root):
    n = 0
    for ring in kml_root.iter(f"{KML}LinearRing"):
        pts = [tuple(map(float, t.split(","))) for t in ring.find(f"{KML}coordinates").text.split()]
        assert len(pts) >= 4 and pts[0] == pts[-1]
        for lon, lat in pts:
            assert -180 <= lon <= 180 and -90 <= lat <= 90
        n += 1
    assert n > 100


def test_kml_folders_by_altitude_then_system(kml_root, blr2023, expected_envelopes):
    doc = kml_root.find(f"{KML}Document")
    top = {_name(f): f for f in doc.findall(f"{KML}Folder")}
    by_alt = top["Coverage by target altitude (one at a time)"]
    folders = {_name(f): f for f in by_alt.findall(f"{KML}Folder")}
    assert "Target altitude 1000 m" in folders
    for h in blr2023.altitudes_m:
        folder = folders[f"Target altitude {h:g} m"]
        want = {}
        for (alt, site), (system, *_rest) in expected_envelopes.items():
            if alt == h:
                want.setdefault(system, set()).add(site)
        systems = {_name(f): f for f in folder.findall(f"{KML}Folder") if _name(f) != "Gaps"}
        assert set(systems) == set(want), h
        for system, sub in systems.items():
            names = {_name(pm) for pm in sub.findall(f"{KML}Placemark")}
            assert names == {f"{site} ({h:g} m)" for site in want[system]}
    assert "Tor-M2" not in {_name(f) for f in folders["Target altitude 20000 m"]}


def test_kml_site_placemarks_describe_their_system(kml_root, blr2023):
    doc = kml_root.find(f"{KML}Document")
    sites = next(f for f in doc.findall(f"{KML}Folder") if _name(f) == "Sites")
    pms = sites.findall(f"{KML}Placemark")
    assert len(pms) == len(blr2023.sites)
    by_name = {s.name: s for s in blr2023.sites}
    for pm in pms:
        s = by_name[_name(pm)]
        tags, desc = kml_description_html(pm.find(f"{KML}description").text)
        assert tags <= KML_DESCRIPTION_TAGS
        assert f"System: {s.system.id}" in desc
        assert f"{s.system.max_range_km:g} km" in desc
        lon, lat = map(float, pm.find(f"{KML}Point/{KML}coordinates").text.split(","))
        assert (lon, lat) == pytest.approx((s.lon, s.lat), abs=1e-6)


def test_kml_opens_with_gdal(exported, blr2023):
    path = exported["kml"]
    names = list(pyogrio.list_layers(path)[:, 0])
    assert "Sites" in names and "Target altitude 1000 m" in names
    df = pyogrio.read_dataframe(path, layer="Sites")
    cols = {c.lower(): c for c in df.columns}
    assert sorted(df[cols["name"]]) == sorted(s.name for s in blr2023.sites)
    assert all("<b>System</b>: " in d for d in df[cols["description"]])
    assert sum(pyogrio.read_info(path, layer=n)["features"] for n in names) > 100


def test_kml_escapes_a_hostile_site_name(tmp_path):
    scenario = tmp_path / "hostile.toml"
    scenario.write_text(
        'name = "hostile <i>names</i> & co"\nregion = "BLR"\naltitudes_m = [1000]\n\n'
        f'[[sites]]\nname = {json.dumps(HOSTILE)}\nsystem = "Tor-M2"\nlon = 27.56\nlat = 53.90\n',
        encoding="utf-8")
    out = export(scenario, tmp_path / "hostile.kml")
    raw = out.read_text(encoding="utf-8")
    assert "&lt;b&gt;x&lt;/b&gt; &amp;" in raw
    assert "<b>" not in raw and "<i>" not in raw
    root = ET.fromstring(raw.encode("utf-8"))
    names = [el.text for el in root.iter(f"{KML}name")]
    assert HOSTILE in names
    assert f"{HOSTILE} (1000 m)" in names
    descs = [kml_description_html(el.text) for el in root.iter(f"{KML}description")]
    assert all(tags <= KML_DESCRIPTION_TAGS for tags, _ in descs)
    assert any(f"Site: {HOSTILE}" in text for _, text in descs)
    df = pyogrio.read_dataframe(out, layer="Sites")
    cols = {c.lower(): c for c in df.columns}
    assert list(df[cols["name"]]) == [HOSTILE]


# --------------------------------------------------------------------------- bad extension
def test_unknown_extension_exits_2_with_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "adcov.shp"
    res = CliRunner().invoke(cli, ["export", "belarus-2021", "-o", str(out)])
    assert res.exit_code == 2
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("adcov: error: "), res.stderr
    assert ".shp" in lines[0] and ".gpkg" in lines[0]
    assert res.stdout == ""
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- Google Earth
def test_kml_altitudes_are_a_radio_folder_showing_one(kml_root, blr2023):
    """One altitude visible at a time (listItemType radioFolder), the one nearest 1 km shown
    on opening."""
    doc = kml_root.find(f"{KML}Document")
    styles = {st.get("id"): st for st in doc.findall(f"{KML}Style")}
    top = {_name(f): f for f in doc.findall(f"{KML}Folder")}
    by_alt = top["Coverage by target altitude (one at a time)"]
    style_id = by_alt.find(f"{KML}styleUrl").text[1:]
    assert styles[style_id].find(f"{KML}ListStyle/{KML}listItemType").text == "radioFolder"
    shown = [_name(f) for f in by_alt.findall(f"{KML}Folder")
             if f.find(f"{KML}visibility").text == "1"]
    assert shown == ["Target altitude 1000 m"]
    assert len(by_alt.findall(f"{KML}Folder")) == len(blr2023.altitudes_m)


def test_kml_in_3d_draws_rings_at_their_altitude(tmp_path):
    out = tmp_path / "c.kml"
    res = CliRunner().invoke(cli, ["export", "belarus-2021", "-o", str(out), "--3d",
                                   "--altitudes", "300,5000"])
    assert res.exit_code == 0, res.stderr
    root = ET.fromstring(out.read_bytes())
    by_alt = {_name(f): f for f in root.iter(f"{KML}Folder")}
    for h in (300, 5000):
        polys = list(by_alt[f"Target altitude {h} m"].iter(f"{KML}Polygon"))
        assert polys
        for poly in polys:
            assert poly.find(f"{KML}altitudeMode").text == "relativeToGround"
            for coords in poly.iter(f"{KML}coordinates"):
                zs = {float(t.split(",")[2]) for t in coords.text.split()}
                assert zs == {float(h)}
    # Sites and zones stay on the ground.
    sites = by_alt["Sites"]
    assert all(len(c.text.split(",")) == 2 for c in sites.iter(f"{KML}coordinates"))


def test_kmz_is_the_kml_zipped_and_deterministic(tmp_path):
    import zipfile

    kml, kmz, again = tmp_path / "c.kml", tmp_path / "c.kmz", tmp_path / "d.kmz"
    for path in (kml, kmz, again):
        res = CliRunner().invoke(cli, ["export", "belarus-2021", "-o", str(path)])
        assert res.exit_code == 0, res.stderr
    with zipfile.ZipFile(kmz) as zf:
        assert zf.namelist() == ["doc.kml"]
        assert zf.read("doc.kml") == kml.read_bytes()
    assert kmz.read_bytes() == again.read_bytes()
    names = list(pyogrio.list_layers(f"/vsizip/{kmz}/doc.kml")[:, 0])
    assert "Sites" in names


def test_3d_is_for_kml_only(tmp_path):
    res = CliRunner().invoke(cli, ["export", "belarus-2021", "-o", str(tmp_path / "c.geojson"),
                                   "--3d"])
    assert res.exit_code == 2
    assert res.stderr == "adcov: error: --3d: draws KML in 3D; geojson has no altitude\n"
    assert list(tmp_path.iterdir()) == []


def test_kml_uses_the_maps_colours_for_the_maps_meanings(kml_root, blr2023):
    """Union, gaps, dead zones and each system family look in Google Earth as on the map: the
    line colours are render/style.py's, written as KML's aabbggrr."""
    from adcov.render.style import FAMILY_COLORS, ROLE_COLORS

    def bgr(hex_rgb):
        return (hex_rgb[5:7] + hex_rgb[3:5] + hex_rgb[1:3]).lower()

    doc = kml_root.find(f"{KML}Document")
    line = {st.get("id"): st.find(f"{KML}LineStyle/{KML}color").text
            for st in doc.findall(f"{KML}Style") if st.find(f"{KML}LineStyle") is not None}
    assert line["union"][2:] == bgr(ROLE_COLORS["union"])
    assert line["gap"][2:] == bgr(ROLE_COLORS["gap"])
    assert line["dead-zone"][2:] == bgr(ROLE_COLORS["dead_zone"])
    assert line["fam-S-400"][2:] == bgr(FAMILY_COLORS["S-400"])
    # Dead zones (a gap inside a site's minimum range) are named and styled as such.
    names = [_name(pm) for pm in kml_root.iter(f"{KML}Placemark")
             if pm.find(f"{KML}styleUrl").text == "#dead-zone"]
    assert names and all(n.startswith("Dead zone ") for n in names)


# --------------------------------------------------------------------------- --layers
RING_ARGS = ["--layers", "sites,envelopes"]


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "kmz"])
def test_layers_choose_what_every_format_carries(tmp_path, fmt, blr2023, expected_envelopes):
    out = tmp_path / f"rings.{fmt}"
    res = CliRunner().invoke(cli, ["export", "belarus-2023", "-o", str(out), *RING_ARGS])
    assert res.exit_code == 0, res.stderr
    n_sites, n_env = len(blr2023.sites), len(expected_envelopes)
    if fmt == "geojson":
        feats = json.loads(out.read_text(encoding="utf-8"))["features"]
        kinds = [f["properties"]["layer"] for f in feats]
        assert kinds.count("sites") == n_sites and kinds.count("envelopes") == n_env
        assert set(kinds) == {"sites", "envelopes"}
    elif fmt == "gpkg":
        assert list(pyogrio.list_layers(out)[:, 0]) == ["sites", "envelopes"]
        assert pyogrio.read_info(out, layer="envelopes")["features"] == n_env
    else:
        if fmt == "kmz":
            import zipfile

            with zipfile.ZipFile(out) as zf:
                raw = zf.read("doc.kml")
        else:
            raw = out.read_bytes()
        root = ET.fromstring(raw)
        top = [_name(f) for f in root.find(f"{KML}Document").findall(f"{KML}Folder")]
        assert top == ["Sites", "Coverage by target altitude (one at a time)"]
        names = [_name(pm) for pm in root.iter(f"{KML}Placemark")]
        assert len(names) == n_sites + n_env
        assert not any(n == "Union" or n.startswith(("Gap", "Depth", "Dead")) for n in names)


def test_layers_alone_give_the_same_features_as_the_full_export(tmp_path):
    """The rings written without the analysis are the analysis's, value for value."""
    full, rings = tmp_path / "full.geojson", tmp_path / "rings.geojson"
    assert run("export", "belarus-2023", "-o", full).exit_code == 0
    assert run("export", "belarus-2023", "-o", rings, "--layers",
               "borders,zones,envelopes,sites").exit_code == 0
    a = [f for f in json.loads(full.read_text())["features"]
         if f["properties"]["layer"] in ("sites", "envelopes", "zones", "borders")]
    b = json.loads(rings.read_text())["features"]
    assert len(a) == len(b) > 0
    for fa, fb in zip(a, b):
        assert fa["properties"].keys() == fb["properties"].keys()
        for k, va in fa["properties"].items():
            assert fb["properties"][k] == (pytest.approx(va, rel=1e-9) if isinstance(va, float)
                                           else va), k
        assert shapely.geometry.shape(fa["geometry"]).equals_exact(
            shapely.geometry.shape(fb["geometry"]), 2e-6)


def test_rings_alone_import_no_table_or_map_library(tmp_path):
    """`--layers sites,envelopes` computes no overlay: no pandas, geopandas, folium or
    matplotlib in the process, and not the overlay engine either."""
    import subprocess
    import sys

    out = tmp_path / "rings.kml"
    code = ("import sys\nfrom adcov.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pandas', 'geopandas', 'folium', 'matplotlib', 'branca') or "
            "m in ('adcov.overlay', 'adcov.analysis', 'adcov.stats', 'adcov.borders')))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "coverage")}
    proc = subprocess.run([sys.executable, "-c", code, "export", "belarus-2023", "-o", str(out),
                           *RING_ARGS], capture_output=True, text=True, env=env, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr
    assert out.stat().st_size > 0


@pytest.mark.parametrize("value", ["sites,rings", "Sites,,envelopes", "all"])
def test_unknown_layer_exits_2_naming_the_option_and_writes_nothing(tmp_path, value):
    res = CliRunner().invoke(cli, ["export", "belarus-2023", "-o", str(tmp_path / "r.kml"),
                                   "--layers", value])
    assert res.exit_code == 2
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("adcov: error: --layers: "), res.stderr
    bad = [t for t in value.split(",") if t.strip().lower() not in LAYERS][0]
    assert repr(bad) in lines[0] or repr(value) in lines[0]
    assert "sites, envelopes, unions, gaps, zones, borders" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_the_cli_knows_the_export_layers():
    from adcov.cli.export import LAYER_NAMES
    from adcov.render.export import LAYERS as RENDER_LAYERS

    assert LAYER_NAMES == RENDER_LAYERS == tuple(LAYERS)


def test_layers_in_python_and_rings_without_the_analysis():
    from adcov.errors import InputError
    from adcov.render.export import Rings, check_layers, layers, to_kml

    sc = Scenario.builtin("belarus-2023")
    assert check_layers(" Envelopes,sites") == ("sites", "envelopes")
    rings = Rings(sc)
    frames = layers(rings, "sites,envelopes")
    assert list(frames) == ["sites", "envelopes"]
    assert len(frames["envelopes"]) == sum(not e.empty for envs in rings.envelopes for e in envs)
    with pytest.raises(InputError, match="needs the analysis"):
        to_kml(rings)  # unions and gaps need the overlay
    with pytest.raises(InputError, match="unknown layer"):
        to_kml(rings, layers=["rings"])


def test_kml_says_what_terrain_hides(tmp_path):
    """With a DEM, each envelope's KML description gives the share terrain hides and the share
    outside the DEM, and each altitude folder says which DEM was applied (issue 11, item 9).
    A flat DEM at 0 m over the west half of a Tor-M2 envelope: it hides nothing, and half of
    the envelope lies outside it."""
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    from adcov.analysis import analyze
    from adcov.render.export import to_kml

    dem = tmp_path / "west-half.tif"
    step = 1 / 600
    n = int(2 / step)
    with rasterio.open(dem, "w", driver="GTiff", width=n, height=n, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(step, 0, 25.56, 0, -step, 54.9)) as ds:
        ds.write(np.zeros((n, n), dtype="float32"), 1)
    scen = tmp_path / "t.toml"
    scen.write_text(f'terrain = "{dem.name}"\nname = "terrain kml"\nregion = "BLR"\n'
                    "altitudes_m = [1000]\n\n[[sites]]\nname = \"A\"\nsystem = \"Tor-M2\"\n"
                    "lon = 27.56\nlat = 53.90\n", encoding="utf-8")
    res = analyze(Scenario.from_file(scen))
    root = ET.fromstring(to_kml(res))
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    folders = [f for f in root.iter(f"{{{ns['k']}}}Folder")
               if (f.findtext("k:name", namespaces=ns) or "").startswith("Target altitude")]
    assert len(folders) == 1
    about = folders[0].findtext("k:description", namespaces=ns)
    assert about.startswith(f"Terrain applied ({res.dem}): it hides ")
    assert re.search(r"hides (<0\.1|0\.\d) %", about), about
    [pm] = [p for p in folders[0].iter(f"{{{ns['k']}}}Placemark")
            if (p.findtext("k:name", namespaces=ns) or "").startswith("A (")]
    _, text = kml_description_html(pm.findtext("k:description", namespaces=ns))
    assert re.search(r"Hidden by terrain: (<0\.1|0\.\d) % of the smooth-Earth", text), text
    outside = re.search(r"Outside the DEM: (\d+) % of the envelope", text)
    assert outside and 48 <= int(outside.group(1)) <= 52, text
    # Without a DEM, no terrain lines.
    from dataclasses import replace

    plain = to_kml(analyze(replace(Scenario.from_file(scen), terrain=())))
    assert "Hidden by terrain" not in plain and "Terrain applied" not in plain
