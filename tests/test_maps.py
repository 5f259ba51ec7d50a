"""The interactive map (coverage/maps.py, coverage/_assets/adcov-map.js), without a browser.

The map must be one self-contained HTML file: Leaflet and the package's own code inlined, no
``<script src>`` or stylesheet link, the only URL it loads being the tile template (none with
``tiles="none"``). Everything the map script draws comes from one JSON data block, checked here
against the analysis it was built from: envelopes counted independently with
:func:`adcov.envelope.envelopes`, the zone table against ``Result.zones``, the comparison's
gained and lost areas against the union areas of both results. User text must come back from the
data block exactly, whatever it contains. The browser side is in ``test_browser.py``.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from adcov import Scenario, analyze, envelopes
from adcov.cli import cli
from adcov.render.maps import _leaflet_assets, map_data, map_html
from adcov.render.style import TILES

from conftest import WGS84

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_BLOCK = re.compile(
    r'<script type="application/json" id="adcov-data">(.*?)</script>', re.DOTALL)
OSM_TEMPLATE = TILES["osm"][0]
URL = re.compile(r"https?://[^\s\"'<>()\\]+")


# --------------------------------------------------------------------------- helpers
def data_block(text: str) -> str:
    blocks = DATA_BLOCK.findall(text)
    assert len(blocks) == 1, f"expected one adcov-data block, found {len(blocks)}"
    return blocks[0]


def toml_str(s: str) -> str:
    """A TOML basic string (JSON escapes with ensure_ascii are valid TOML)."""
    return json.dumps(s, ensure_ascii=True)


def write_scenario(path: Path, *, name="map test", sites=(("A", "Tor-M2", 27.56, 53.90),),
                   altitudes=(1000,), region="BLR", systems="") -> Path:
    lines = [f"name = {toml_str(name)}", f'region = "{region}"',
             f"altitudes_m = [{', '.join(str(a) for a in altitudes)}]", "", systems]
    for site_name, system, lon, lat in sites:
        lines += ["[[sites]]", f"name = {toml_str(site_name)}", f"system = {toml_str(system)}",
                  f"lon = {lon}", f"lat = {lat}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def r23():
    return analyze(Scenario.builtin("belarus-2023"))


@pytest.fixture(scope="module")
def r21():
    return analyze(Scenario.builtin("belarus-2021"))


@pytest.fixture(scope="module")
def data23(r23):
    return map_data(r23)


@pytest.fixture(scope="module")
def html_none(r23):
    return map_html(r23, tiles="none")


@pytest.fixture(scope="module")
def html_osm(r23):
    return map_html(r23, tiles="osm")


@pytest.fixture(scope="module")
def data_cmp(r23, r21):
    # B = belarus-2023 drawn, A = belarus-2021 the reference: gained = 2023 covers, 2021 not.
    return map_data(r23, compare=r21)


# --------------------------------------------------------------------------- self-contained
def test_no_external_scripts_or_stylesheets(html_none):
    assert 'src="http' not in html_none
    assert "src='http" not in html_none
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", html_none, re.I), "a <script src=...>"
    assert not re.search(r"<link\b", html_none, re.I), "a <link> (stylesheet) element"
    assert "@import" not in html_none
    assert "tile.openstreetmap.org" not in html_none
    # Leaflet's own JS text holds one link (its attribution); outside it, no href to the web.
    js, css = _leaflet_assets()
    rest = html_none.replace(js, "").replace(css, "")
    assert 'href="http' not in rest
    assert URL.findall(rest) == [], "a URL outside Leaflet's source with tiles='none'"


def test_leaflet_and_own_code_inlined_with_licence_notice(html_none):
    js, css = _leaflet_assets()
    assert js in html_none and css in html_none
    # The BSD-2-Clause notice is kept with the inlined Leaflet.
    assert "Leaflet 1.9.4" in html_none
    assert "Agafonkin" in html_none
    assert "window.adcovMap" in html_none
    # Leaflet's CSS images are inlined, not fetched.
    assert "url(images/" not in html_none


def test_osm_only_url_is_the_tile_template(html_osm):
    js, css = _leaflet_assets()
    rest = html_osm.replace(js, "").replace(css, "")
    assert set(URL.findall(rest)) == {OSM_TEMPLATE.split("{")[0] + "{z}/{x}/{y}.png"}
    assert OSM_TEMPLATE in html_osm
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", html_osm, re.I)
    assert not re.search(r"<link\b", html_osm, re.I)


def test_charset_and_title(html_none, r23):
    assert re.search(r"<meta[^>]+charset=utf-8", html_none, re.I)
    assert f"<title>{html.escape(r23.scenario.name)}</title>" in html_none


# --------------------------------------------------------------------------- the data block
def test_data_block_parses_and_equals_map_data(html_none, data23):
    block = data_block(html_none)
    assert "<" not in block and ">" not in block
    parsed = json.loads(block)
    assert parsed == json.loads(json.dumps(data23))


@pytest.fixture(scope="module")
def hostile_html(tmp_path_factory):
    names = ("</script><script>alert(1)</script>", "<!-- <script> & \u2028 'q' \"d\" </SCRIPT >")
    path = write_scenario(
        tmp_path_factory.mktemp("hostile") / "hostile.toml",
        name="</script><script>alert(2)</script> & <b>",
        sites=((names[0], "Tor-M2", 27.56, 53.90), (names[1], "Tor-M2", 23.69, 52.09)))
    return names, map_html(analyze(Scenario.from_file(path)), tiles="none")


def test_hostile_names_round_trip_through_the_data_block(hostile_html):
    names, text = hostile_html
    assert "</script><script>alert(1)" not in text
    assert "</script><script>alert(2)" not in text
    assert "<!-- <script>" not in text
    block = data_block(text)
    assert "<" not in block
    data = json.loads(block)
    assert data["meta"]["title"] == "</script><script>alert(2)</script> & <b>"
    for alt in data["altitudes"]:
        assert [s["name"] for s in alt["sites"]] == list(names)
        assert [f["properties"]["site"] for f in alt["envelopes"]["features"]] == list(names)
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt; &amp; &lt;b&gt;</title>" in text


# Every piece of user text (scenario name, site names, sources, file names) is written into the
# page through branca ``Element(text)``, which compiles its argument as a Jinja2 template. User
# text containing ``{{``, ``{%`` or ``{#`` is then evaluated as template code: it is changed,
# crashes the map (TemplateSyntaxError, exit 1), or runs Python (Jinja2's default environment is
# not sandboxed; ``cycler`` is one of its globals).
JINJA_CASES = {
    "expression": "Site {{ 7*7 }}",
    "statement": "Site {% if x %}",
    "comment": "Site {# note",
    "python": "Site {{ cycler.__init__.__globals__.os.getcwd() }}",
}


@pytest.mark.parametrize("case, where", [("expression", "site"), ("statement", "site"),
                                         ("comment", "scenario"), ("python", "scenario")])
def test_template_syntax_in_user_text_is_kept_literally(case, where, tmp_path):
    text = JINJA_CASES[case]
    if where == "site":
        path = write_scenario(tmp_path / "s.toml", sites=((text, "Tor-M2", 27.56, 53.90),))
    else:
        path = write_scenario(tmp_path / "s.toml", name=text)
    out = map_html(analyze(Scenario.from_file(path)), tiles="none")
    data = json.loads(data_block(out))
    if where == "site":
        assert data["altitudes"][0]["sites"][0]["name"] == text
    else:
        assert data["meta"]["title"] == text
        assert f"<title>{html.escape(text)}</title>" in out
    assert os.getcwd() not in out


def test_map_data_altitudes_envelopes_and_sites(r23, data23):
    sc = r23.scenario
    assert [a["altitude_m"] for a in data23["altitudes"]] == list(sc.altitudes_m)
    assert len(data23["altitudes"]) == len(sc.altitudes_m)
    for alt in data23["altitudes"]:
        envs = envelopes(sc.sites, alt["altitude_m"], k_factor=sc.k_factor)
        full = [e for e in envs if not e.empty]
        feats = alt["envelopes"]["features"]
        assert len(feats) == len(full), alt["altitude_m"]
        assert [f["properties"]["site"] for f in feats] == [e.site for e in full]
        assert [s["name"] for s in alt["sites"]] == [s.name for s in sc.sites]
        assert [s["empty"] for s in alt["sites"]] == [e.empty for e in envs]
        for f, e in zip(feats, full):
            # Lon/lat (not LAEA metres), and the right size: the northernmost vertex of a full
            # ring lies outer_km from the site (polygon vertices are on the circle).
            coords = f["geometry"]["coordinates"]
            rings = coords if f["geometry"]["type"] == "Polygon" else [r for p in coords for r in p]
            lats = [pt[1] for r in rings for pt in r]
            lons = [pt[0] for r in rings for pt in r]
            assert min(lons) < e.lon < max(lons) and min(lats) < e.lat < max(lats)
            if e.sector_width_deg >= 360:
                _, _, dist = WGS84.inv(e.lon, e.lat, e.lon, max(lats))
                assert dist / 1000 == pytest.approx(e.outer_km, rel=2e-3), e.site


def test_tor_envelopes_vanish_above_their_ceiling(r23, data23):
    sc = r23.scenario
    by_alt = {a["altitude_m"]: a for a in data23["altitudes"]}
    tor = sum(1 for s in sc.sites if s.system.id == "Tor-M2")
    assert tor > 0
    assert len(by_alt[50.0]["envelopes"]["features"]) - \
        len(by_alt[20000.0]["envelopes"]["features"]) == tor
    assert not any(f["properties"]["system"] == "Tor-M2"
                   for f in by_alt[20000.0]["envelopes"]["features"])


def test_map_table_rows_match_result_zones(r23, data23):
    z = r23.zones
    for alt in data23["altitudes"]:
        part = z[z.altitude_m == alt["altitude_m"]]
        assert [r["zone"] for r in alt["table"]] == list(part.zone)
        for row, ref in zip(alt["table"], part.itertuples()):
            assert row["kind"] == ref.zone_kind
            assert row["covered_fraction"] == ref.covered_fraction
            assert row["mean_depth"] == ref.mean_depth
            assert row["gap_count"] == ref.gap_count
            assert row["largest_gap_km2"] == ref.largest_gap_km2
            if ref.border_covered_fraction != ref.border_covered_fraction:  # NaN
                assert row["border_covered_fraction"] is None
            else:
                assert row["border_covered_fraction"] == ref.border_covered_fraction
        # The region's gaps drawn are the gaps counted in the table.
        region = alt["table"][0]
        assert region["kind"] == "region"
        assert len(alt["gaps"]["features"]) == region["gap_count"]


def test_initial_altitude_is_the_one_closest_to_1_km(data23):
    i = data23["meta"]["initial_index"]
    assert data23["altitudes"][i]["altitude_m"] == 1000.0


def test_compare_gained_minus_lost_is_the_union_area_change(r23, r21, data_cmp):
    ua, ub = r21.unions, r23.unions
    assert data_cmp["compare"] == {
        "label_a": "belarus-2021", "label_b": "belarus-2023",
        "name_a": "Belarus, notional public-source deployment, 2021",
        "name_b": "Belarus, notional public-source deployment, 2023"}
    for alt in data_cmp["altitudes"]:
        h = alt["altitude_m"]
        area_a = ua[(ua.altitude_m == h) & (ua.min_depth == 1)].area_km2.iloc[0]
        area_b = ub[(ub.altitude_m == h) & (ub.min_depth == 1)].area_km2.iloc[0]
        gained = [f["properties"]["area_km2"] for f in alt["gained"]["features"]]
        lost = [f["properties"]["area_km2"] for f in alt["lost"]["features"]]
        # Parts of 1 km2 or less are not drawn: allow each of them, and 0.05 km2 of rounding
        # per drawn part.
        sym = r23.at(h).layer(1).symmetric_difference(r21.at(h).layer(1))
        dropped = sum(p.area for p in getattr(sym, "geoms", [sym]) if p.area <= 1e6) / 1e6
        tol = dropped + 0.05 * (len(gained) + len(lost)) + 1e-6
        assert sum(gained) - sum(lost) == pytest.approx(area_b - area_a, abs=tol), h
        # belarus-2023 is belarus-2021 plus sites: nothing lost, something gained.
        assert lost == [] and gained
        for row in alt["table"]:
            za = r21.zones[(r21.zones.altitude_m == h) & (r21.zones.zone == row["zone"])]
            zb = r23.zones[(r23.zones.altitude_m == h) & (r23.zones.zone == row["zone"])]
            assert row["delta_covered_fraction"] == pytest.approx(
                zb.covered_fraction.iloc[0] - za.covered_fraction.iloc[0], abs=1e-12)


def test_no_envelope_at_any_altitude_still_makes_a_map(tmp_path):
    # A Tor-M2 (ceiling 10 km) looked at from 20 km only: `adcov stats` works, the map must too.
    path = write_scenario(tmp_path / "high.toml", altitudes=(20000,))
    result = analyze(Scenario.from_file(path))
    data = map_data(result)
    assert data["altitudes"][0]["envelopes"]["features"] == []
    assert data["altitudes"][0]["sites"][0]["empty"] is True


# --------------------------------------------------------------------------- Result.map
def test_result_map_is_a_folium_map_with_the_data_block(r23):
    import folium

    m = r23.map(tiles="none")
    assert isinstance(m, folium.Map)
    out = m._repr_html_()
    src = re.search(r'srcdoc="([^"]*)"', out)
    assert src, "no srcdoc iframe in _repr_html_"
    page = html.unescape(src.group(1))
    assert json.loads(data_block(page))["meta"]["title"] == r23.scenario.name
    assert "Agafonkin" in page


# --------------------------------------------------------------------------- the CLI
def test_cli_map_requires_output():
    result = run("map", "belarus-2023", "--tiles", "none")
    assert result.exit_code == 2
    assert "-o" in result.output


def test_cli_map_unknown_tiles_exit_2(tmp_path):
    result = run("map", "belarus-2023", "--tiles", "google", "-o", tmp_path / "m.html")
    assert result.exit_code == 2
    assert "google" in result.output
    assert not (tmp_path / "m.html").exists()


def test_cli_map_compare_different_region_is_one_line_exit_2(tmp_path):
    a = write_scenario(tmp_path / "blr.toml")
    b = write_scenario(tmp_path / "ltu.toml", region="LTU", sites=(("V", "Tor-M2", 25.28, 54.69),))
    out = tmp_path / "m.html"
    result = CliRunner().invoke(cli, ["map", str(a), "--compare", str(b), "--tiles", "none",
                                      "-o", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("adcov: error: "), result.stderr
    assert "LTU" in lines[0] or "BLR" in lines[0]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blr.toml", "ltu.toml"]


def test_cli_map_writes_a_normal_file_under_5_mb(tmp_path):
    out = tmp_path / "belarus-2023.html"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(
        ["sh", "-c", 'umask 022 && exec "$0" -m adcov map belarus-2023 -o "$1"',
         sys.executable, str(out)],
        env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert out.stat().st_mode & 0o777 == 0o644
    assert out.stat().st_size < 5_000_000
    assert [p.name for p in tmp_path.iterdir()] == [out.name], "temporary file left behind"
    text = out.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html>")
    data = json.loads(data_block(text))
    assert data["meta"]["title"] == Scenario.builtin("belarus-2023").name
    assert OSM_TEMPLATE in text


def test_map_across_the_antimeridian_is_drawn_in_one_piece(tmp_path):
    """Fiji straddles 180 degrees: on the web map its envelopes, sites and the country itself
    use continuous longitudes next to the region (e.g. 180.1 rather than -179.9), so nothing is
    drawn across the whole world."""
    import shapely

    from adcov.analysis import analyze
    from adcov.render.maps import map_data
    from adcov.scenario import Scenario

    scen = tmp_path / "fji.toml"
    scen.write_text(
        'name = "Fiji"\nregion = "FJI"\naltitudes_m = [1000]\n'
        '[[sites]]\nname = "Suva"\nsystem = "S-300PMU-2"\nlon = 178.44\nlat = -18.14\n'
        '[[sites]]\nname = "East"\nsystem = "S-300PMU-2"\nlon = -179.9\nlat = -16.5\n',
        encoding="utf-8")
    res = analyze(Scenario.from_file(scen))
    data = map_data(res)
    lon0 = res.region_zones.lon0
    alt = data["altitudes"][0]
    for feat in alt["envelopes"]["features"]:
        geom = shapely.geometry.shape(feat["geometry"])
        x0, _, x1, _ = geom.bounds
        assert x1 - x0 < 20, feat["properties"]["site"]      # a ~200 km ring, not a world band
        assert abs(0.5 * (x0 + x1) - lon0) < 10
    east = next(s for s in alt["sites"] if s["name"] == "East")
    assert east["lon"] == pytest.approx(180.1)
    region = next(f for f in data["countries"]["features"] if f["properties"]["role"] == "region")
    x0, _, x1, _ = shapely.geometry.shape(region["geometry"]).bounds
    assert x1 - x0 < 15 and x0 < 180 < x1


# --------------------------------------------------------------------------- issue 10
def test_one_marker_per_place_lists_every_site_there(r23, data23):
    sc = r23.scenario
    places = {}
    for i, s in enumerate(sc.sites):
        places.setdefault((s.lat, s.lon), []).append(i)
    assert len(data23["markers"]) == len(places) == 10
    for mk in data23["markers"]:
        assert mk["sites"] == places[(mk["lat"], mk["lon"])]
    # The S-400 places: one badge named for the place, not for one of its missiles.
    labels = {mk["label"] for mk in data23["markers"] if len(mk["sites"]) == 2}
    assert labels == {"Luninets", "Zyabrovka", "Novokolosovo"}


def test_titles_name_both_sides(r21, r23, data_cmp, tmp_path):
    assert data_cmp["meta"]["title"] == "belarus-2021 vs belarus-2023"
    more = analyze(r21.scenario.with_sites(
        {"name": "Mozyr", "system": "S-400/40N6", "lon": 29.25, "lat": 52.05}))
    meta = map_data(more, compare=r21)["meta"]
    assert meta["title"] == "belarus-2021 vs belarus-2021+Mozyr"
    assert meta["names"] == ("A: Belarus, notional public-source deployment, 2021; "
                             "B: the same + Mozyr")
    # Two files of one name in two folders: the scenarios' names tell them apart.
    a = write_scenario((tmp_path / "a").mkdir() or tmp_path / "a" / "s.toml", name="first")
    b = write_scenario((tmp_path / "b").mkdir() or tmp_path / "b" / "s.toml", name="second")
    meta = map_data(analyze(Scenario.from_file(b)), compare=analyze(Scenario.from_file(a)))["meta"]
    assert meta["title"] == "first vs second"


def test_places_for_a_map_without_tiles(data23):
    # Cities from data/places/ (GeoNames): the capitals around Belarus are among them.
    names = {c["name"] for c in data23["cities"]}
    assert {"Minsk", "Vilnius", "Riga", "Kyiv", "Warsaw", "Moscow"} <= names
    assert all(c["capital"] for c in data23["cities"][:5])
    # Every neighbour has a point for its name, inside the country.
    import shapely

    from adcov.borders import country_geometry

    feats = {f["properties"]["iso3"]: f["properties"] for f in data23["countries"]["features"]}
    for code in ("POL", "LTU", "LVA", "UKR", "RUS", "BLR"):
        spots = feats[code]["labels"]
        assert spots, code
        geom = country_geometry(code)
        for lat, lon in spots:
            assert geom.distance(shapely.Point(lon, lat)) < 0.01, code
    assert "GeoNames" in data23["meta"]["places_attribution"]


def test_shipped_places_files_have_their_documented_columns():
    import csv

    from adcov._paths import data_path

    with open(data_path("places", "cities.csv"), encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["name", "iso3", "lon", "lat", "population", "capital"]
    minsk = next(r for r in rows if r["name"] == "Minsk")
    assert minsk["iso3"] == "BLR" and minsk["capital"] == "1"
    assert abs(float(minsk["lon"]) - 27.56) < 0.05 and abs(float(minsk["lat"]) - 53.9) < 0.05
    assert all(int(r["population"]) >= 100_000 or r["capital"] == "1" for r in rows)


def test_detection_outlines_data(r23):
    from dataclasses import replace

    det = analyze(replace(r23.scenario, mode="detection"))
    data = map_data(r23, detection=det)
    assert data["detection"] is True
    for alt in data["altitudes"]:
        envs = envelopes(r23.scenario.sites, alt["altitude_m"], k_factor=r23.scenario.k_factor,
                         mode="detection")
        assert len(alt["detection"]["features"]) == sum(not e.empty for e in envs)
        # The zone table is still the engagement one.
        assert alt["table"] == map_data(r23)["altitudes"][data["altitudes"].index(alt)]["table"]
    with pytest.raises(Exception, match="detection"):
        map_html(r23, detection=r23)


def test_result_map_draws_detection_outlines(r23):
    """``Result.map(detection=True)`` analyses the scenario in detection mode itself."""
    html = r23.map(tiles="none", detection=True).get_root().render()
    data = json.loads(data_block(html))
    assert data["detection"] is True
    n = [len(a["detection"]["features"]) for a in data["altitudes"]]
    assert n == [sum(not e.empty for e in envelopes(r23.scenario.sites, a["altitude_m"],
                                                    k_factor=r23.scenario.k_factor,
                                                    mode="detection"))
                 for a in data["altitudes"]]
    assert "detection" not in json.loads(data_block(
        r23.map(tiles="none").get_root().render())) or not json.loads(data_block(
            r23.map(tiles="none").get_root().render()))["detection"]


def test_cli_map_detection_outlines(tmp_path):
    path = write_scenario(tmp_path / "s.toml")
    out = tmp_path / "m.html"
    result = run("map", path, "--detection-outlines", "--tiles", "none", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(data_block(out.read_text(encoding="utf-8")))
    # A Tor-M2 detects to 32 km (catalog); at 1 km the ring is range-limited.
    [feat] = data["altitudes"][0]["detection"]["features"]
    assert feat["properties"]["site"] == "A" and feat["properties"]["outer_km"] > 25
    result = run("map", path, "--detection-outlines", "--mode", "detection", "-o",
                 tmp_path / "n.html")
    assert result.exit_code == 2 and "--detection-outlines" in result.output
    assert "--detection-outlines" in run("map", "--help").output


def test_terrain_is_named_in_the_map(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    import numpy as np
    from affine import Affine

    # A flat DEM at 0 m covering only the west half of the envelope: terrain hides nothing,
    # and half of the envelope lies outside the DEM.
    dem = tmp_path / "west-half.tif"
    step = 1 / 600
    with rasterio.open(dem, "w", driver="GTiff", width=int(2 / step), height=int(2 / step),
                       count=1, dtype="float32", crs="EPSG:4326",
                       transform=Affine(step, 0, 25.56, 0, -step, 54.9)) as ds:
        ds.write(np.zeros((int(2 / step), int(2 / step)), dtype="float32"), 1)
    path = write_scenario(tmp_path / "t.toml", sites=(("A", "Tor-M2", 27.56, 53.90),))
    text = path.read_text(encoding="utf-8")
    path.write_text(f'terrain = "{dem.name}"\n' + text, encoding="utf-8")
    res = analyze(Scenario.from_file(path))
    data = map_data(res)
    assert data["meta"]["terrain"]["dem"] == res.dem and dem.name in res.dem
    assert f"terrain masked ({res.dem})" in data["meta"]["subtitle"]
    assert data["meta"]["altitude_reference"] == "above the ground under the target"
    site = data["altitudes"][0]["sites"][0]
    assert site["terrain_masked_fraction"] == pytest.approx(0.0, abs=0.005)
    assert site["outside_dem_fraction"] == pytest.approx(0.5, abs=0.02)
    assert data["altitudes"][0]["terrain_masked_fraction"] == pytest.approx(0.0, abs=0.005)


def test_no_negative_zero_in_rendered_differences(r21):
    """A change under half the last shown digit prints as zero, unsigned (issue 10, item 7)."""
    from adcov.analysis import compare
    from adcov.render import tables

    table = compare(r21, r21)  # every difference is zero, some by float noise
    for text in (tables.to_markdown(table), tables.to_csv(table), tables.to_json({"z": table})):
        assert not re.search(r"-0(\.0+)?(?![\d.])", text), text[:200]


# --------------------------------------------------------------------------- progress
def test_map_shows_progress_while_drawing(tmp_path, monkeypatch):
    """With ADCOV_PROGRESS=1 (and a clock that makes every job long), `adcov map` shows a bar
    for the analysis and one for drawing the map, in steps per altitude and layer."""
    import itertools
    import time

    from click.testing import CliRunner

    from adcov.cli import cli

    ticks = itertools.count(start=1000.0, step=10.0)
    monkeypatch.setattr(time, "perf_counter", lambda: float(next(ticks)))
    monkeypatch.setenv("ADCOV_PROGRESS", "1")
    scen = tmp_path / "s.toml"
    scen.write_text('name = "s"\nregion = "BLR"\naltitudes_m = [300, 1000]\n\n[[sites]]\n'
                    'name = "Minsk"\nsystem = "Tor-M2"\nlon = 27.56\nlat = 53.9\n',
                    encoding="utf-8")
    res = CliRunner().invoke(cli, ["map", str(scen), "--tiles", "none", "-o",
                                   str(tmp_path / "m.html")])
    assert res.exit_code == 0, res.stderr
    drawing = res.stderr[res.stderr.index("drawing the map of s"):]
    total = 2 + 3 * 2  # the context, 3 steps per altitude, the last touches
    assert all(f" {k}/{total}" in drawing for k in range(1, total + 1)), drawing
    assert drawing.endswith(f"{total}/{total}\n")
    res = CliRunner().invoke(cli, ["-q", "map", str(scen), "--tiles", "none", "--force", "-o",
                                   str(tmp_path / "m.html")])
    assert res.exit_code == 0 and res.stderr == ""


def test_map_data_progress_counts_every_step():
    from adcov.render.maps import map_data

    res = analyze(Scenario.builtin("belarus-2021"))
    seen = []
    map_data(res, compare=res, progress=lambda done, total: seen.append((done, total)))
    n = len(res.scenario.altitudes_m)
    assert seen == [(k, 2 + 4 * n) for k in range(1, 2 + 4 * n + 1)]


def test_packed_polylines_decode_to_the_envelopes():
    """The packed form (maps at scale) gives back every ring vertex to 1e-5 degrees."""
    import numpy as np

    from adcov.projection import laea_xy_to_lonlat
    from adcov.render.maps import _pack

    res = analyze(Scenario.builtin("belarus-2023"))
    st = res.altitude_stats[2]
    z = res.region_zones
    idx = [i for i, p in enumerate(st.polygons) if not p.is_empty]
    packed, box = _pack([st.polygons[i] for i in idx], idx, z.lon0, z.lat0)

    def decode(text):
        out, i = [], 0
        while i < len(text):
            shift = result = 0
            while True:
                b = ord(text[i]) - 63
                i += 1
                result |= (b & 31) << shift
                shift += 5
                if b < 32:
                    break
            out.append(~(result >> 1) if result & 1 else result >> 1)
        return np.cumsum(np.array(out).reshape(-1, 2), axis=0) / 1e5

    latlon = decode(packed["coords"])
    assert packed["sites"] == idx and len(latlon) == sum(packed["sizes"])
    v = r = 0
    for i, n_rings in zip(idx, packed["rings"]):
        poly = st.polygons[i]
        rings = [poly.exterior, *poly.interiors]
        assert n_rings == len(rings)
        for ring in rings:
            xy = np.column_stack(laea_xy_to_lonlat(*np.asarray(ring.coords)[:-1].T, z.lon0, z.lat0))
            got = latlon[v:v + packed["sizes"][r]][:, ::-1]
            assert got.shape == xy.shape and np.abs(got - xy).max() < 1e-5 + 1e-9
            v += packed["sizes"][r]
            r += 1
    assert box[0] <= latlon[:, 1].min() + 1e-5 and box[3] >= latlon[:, 0].max() - 1e-5
