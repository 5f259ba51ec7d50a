"""Tests for adcov.scenario: built-in scenarios, the three ways to give sites, and bad input."""

from __future__ import annotations

import csv
import json
import math

import pytest

from adcov.catalog import default_catalog
from adcov.errors import InputError, ScenarioError
from adcov.regions import default_sectors
from adcov.scenario import Scenario, Site, builtin_scenarios, validate_file

BLR_SECTORS = {"west": ("POL", "LTU", "LVA"), "south": ("UKR",), "east": ("RUS",)}

# Sites used for the inline / CSV / GeoJSON comparison: optional fields, a sector system, a
# comma in a name (CSV quoting), non-ASCII text.
SITES = [
    {"name": "Brest", "system": "S-300PS", "lon": 23.69, "lat": 52.09},
    {"name": "Grodno", "system": "S-300PS", "lon": 23.83, "lat": 53.68, "antenna_height_m": 39.0},
    {"name": "Patriot, east", "system": "Patriot/PAC-2-GEM-T", "lon": 24.5, "lat": 53.0,
     "azimuth_deg": 90.0},
    {"name": "Tor sector", "system": "Tor-M2", "lon": 26.0, "lat": 53.1, "azimuth_deg": 330.0,
     "sector_width_deg": 120.0},
    {"name": "Мінск", "system": "S-400/40N6", "lon": 27.56, "lat": 53.9,
     "source": "press report", "notes": "town centroid"},
]


def expected_sites():
    cat = default_catalog()
    return [Site(**{**s, "system": cat[s["system"]]}) for s in SITES]


def toml_value(v):
    return json.dumps(v, ensure_ascii=False) if isinstance(v, str) else repr(v)


def sites_toml(sites=SITES):
    out = []
    for s in sites:
        out.append("[[sites]]")
        out += [f"{k} = {toml_value(v)}" for k, v in s.items()]
        out.append("")
    return "\n".join(out)


HEADER = """\
name = "Test scenario"
region = "BLR"
altitudes_m = [50, 1000]
"""


def write(path, text, *, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


def write_csv(path, sites=SITES):
    cols = ["name", "system", "lon", "lat", "antenna_height_m", "azimuth_deg",
            "sector_width_deg", "source", "notes"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for s in sites:
            w.writerow(s)
    return path


def write_geojson(path, sites=SITES):
    feats = [{"type": "Feature",
              "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
              "properties": {k: v for k, v in s.items() if k not in ("lon", "lat")}}
             for s in sites]
    return write(path, json.dumps({"type": "FeatureCollection", "features": feats},
                                  ensure_ascii=False))


# --------------------------------------------------------------------------------------------
# Built-in scenarios
# --------------------------------------------------------------------------------------------

def test_builtin_scenarios_listed():
    assert {"belarus-2021", "belarus-2023"} <= set(builtin_scenarios())


@pytest.mark.parametrize("name", ["belarus-2021", "belarus-2023"])
def test_builtin_scenario_loads_and_is_notional(name):
    sc = Scenario.builtin(name)
    assert "notional" in sc.name.lower()
    assert "NOTIONAL" in sc.description
    assert sc.region == "BLR" and sc.sectors == BLR_SECTORS
    assert sc.altitudes_m == (50.0, 300.0, 1000.0, 5000.0, 10000.0, 20000.0)
    assert sc.label == name
    assert len(sc.sites) >= 7
    for site in sc.sites:  # every site is inside Belarus's bounding box
        assert 23.1 <= site.lon <= 32.8 and 51.2 <= site.lat <= 56.2, site.name
    assert Scenario.resolve(name) == sc


def test_2023_has_every_2021_site_plus_s400():
    def key(s):
        return (s.name, s.system.id, s.lon, s.lat, s.antenna_height_m, s.azimuth_deg)

    old = {key(s) for s in Scenario.builtin("belarus-2021").sites}
    new = {key(s) for s in Scenario.builtin("belarus-2023").sites}
    assert old <= new
    added = new - old
    assert added and all(sid.startswith("S-400/") for _, sid, *_ in added)
    assert {sid for _, sid, *_ in added} >= {"S-400/40N6", "S-400/48N6DM"}
    assert not any(sid.startswith("S-400/") for _, sid, *_ in old)


def test_unknown_builtin():
    with pytest.raises(ScenarioError) as info:
        Scenario.builtin("belarus-1999")
    assert "'belarus-1999'" in str(info.value) and "belarus-2021" in str(info.value)


# --------------------------------------------------------------------------------------------
# Inline, CSV and GeoJSON sites
# --------------------------------------------------------------------------------------------

def test_inline_csv_and_geojson_sites_are_identical(tmp_path):
    inline = Scenario.from_file(write(tmp_path / "inline.toml", HEADER + "\n" + sites_toml()))
    write_csv(tmp_path / "sites.csv")
    write_geojson(tmp_path / "sites.geojson")
    from_csv = Scenario.from_file(write(tmp_path / "csv.toml",
                                        HEADER + 'sites_file = "sites.csv"\n'))
    from_geojson = Scenario.from_file(write(tmp_path / "geojson.toml",
                                            HEADER + 'sites_file = "sites.geojson"\n'))
    expected = expected_sites()
    assert list(inline.sites) == expected
    assert list(from_csv.sites) == expected
    assert list(from_geojson.sites) == expected
    assert inline == from_csv == from_geojson
    assert inline.altitudes_m == (50.0, 1000.0)


def test_geojson_null_properties_mean_not_given(tmp_path):
    """GIS tools write null for an empty optional attribute (geopandas ``to_json`` turns NaN
    into null, and adds a feature ``id``), just as a CSV has an empty cell; an empty CSV cell
    means 'not given', so a null property must too. The columns are those of SITES."""
    optional = ["antenna_height_m", "azimuth_deg", "sector_width_deg", "source", "notes"]
    feats = [{"id": str(i), "type": "Feature",
              "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
              "properties": {"name": s["name"], "system": s["system"],
                             **{k: s.get(k) for k in optional}}}
             for i, s in enumerate(SITES)]
    write(tmp_path / "gis.geojson", json.dumps({"type": "FeatureCollection", "features": feats}))
    path = write(tmp_path / "s.toml", HEADER + 'sites_file = "gis.geojson"\n')
    assert validate_file(path) == []
    assert list(Scenario.from_file(path).sites) == expected_sites()


def test_relative_sites_file_resolves_against_the_scenario(tmp_path, monkeypatch):
    write_csv(tmp_path / "project" / "data" / "sites.csv")
    write_geojson(tmp_path / "shared.geojson")
    a = write(tmp_path / "project" / "scen" / "a.toml",
              HEADER + 'sites_file = "../data/sites.csv"\n')
    b = write(tmp_path / "project" / "b.toml", HEADER + 'sites_file = "../shared.geojson"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert list(Scenario.from_file(a).sites) == expected_sites()
    assert list(Scenario.from_file(b).sites) == expected_sites()
    # An absolute path works too.
    c = write(tmp_path / "c.toml",
              HEADER + f"sites_file = {json.dumps(str(tmp_path / 'shared.geojson'))}\n")
    assert list(Scenario.from_file(c).sites) == expected_sites()


def test_missing_sites_file_is_named(tmp_path):
    path = write(tmp_path / "s.toml", HEADER + 'sites_file = "nope.csv"\n')
    with pytest.raises(ScenarioError) as info:
        Scenario.from_file(path)
    assert str(tmp_path / "nope.csv") in str(info.value)


def test_utf8_bom_accepted(tmp_path):
    text = HEADER + "\n" + sites_toml()
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert list(Scenario.from_file(path).sites) == expected_sites()
    assert validate_file(path) == []
    # ... in a CSV sites file too (Excel writes one).
    csv_path = write_csv(tmp_path / "plain.csv")
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + csv_path.read_bytes())
    scen = write(tmp_path / "csvbom.toml", HEADER + 'sites_file = "bom.csv"\n')
    assert list(Scenario.from_file(scen).sites) == expected_sites()


def test_sector_site_from_the_catalog_and_by_override(tmp_path):
    sc = Scenario.from_file(write(tmp_path / "s.toml", HEADER + "\n" + sites_toml()))
    patriot, tor = sc.sites[2], sc.sites[3]
    assert patriot.effective_sector_width_deg == 120.0 and patriot.azimuth_deg == 90.0
    assert tor.effective_sector_width_deg == 120.0 and tor.azimuth_deg == 330.0
    assert sc.sites[1].effective_antenna_height_m == 39.0
    assert sc.sites[0].effective_antenna_height_m == 24.0


def test_system_override_and_custom_system(tmp_path):
    text = HEADER + """
[systems."S-300PS"]
max_range_km = 90

[systems."Custom-X"]
max_range_km = 100
min_range_km = 3
max_altitude_m = 25000
min_altitude_m = 10
antenna_height_m = 20

[[sites]]
name = "A"
system = "S-300PS"
lon = 27.0
lat = 53.0

[[sites]]
name = "B"
system = "Custom-X"
lon = 28.0
lat = 53.0
"""
    sc = Scenario.from_file(write(tmp_path / "s.toml", text))
    assert sc.sites[0].system.max_range_km == 90.0
    assert sc.sites[0].system.min_range_km == 5.0
    assert sc.sites[1].system.max_range_km == 100.0
    assert default_catalog()["S-300PS"].max_range_km == 75.0


def test_optional_settings(tmp_path):
    text = ('name = "x"\nk_factor = 1.0\nbelt_km = 30\nmin_gap_km2 = 5\n'
            '[sectors]\nwest = ["POL", "LTU", "LVA", "RUS"]\nsouth = ["UKR"]\n\n' + sites_toml())
    sc = Scenario.from_file(write(tmp_path / "s.toml", text))
    assert (sc.k_factor, sc.belt_km, sc.min_gap_km2) == (1.0, 30.0, 5.0)
    assert sc.sectors == {"west": ("POL", "LTU", "LVA", "RUS"), "south": ("UKR",)}
    assert sc.region == "BLR"
    assert sc.altitudes_m == (50.0, 300.0, 1000.0, 5000.0, 10000.0, 20000.0)


# --------------------------------------------------------------------------------------------
# Bad input: every error names the file, the entry and the value
# --------------------------------------------------------------------------------------------

BASE = HEADER + """
[[sites]]
name = "Brest"
system = "S-300PS"
lon = 23.69
lat = 52.09

[[sites]]
name = "Minsk"
system = "Tor-M2"
lon = 27.56
lat = 53.90
"""

NO_VALUE = object()
SECTORS = '\n[sectors]\nwest = ["POL", "LTU", "LVA"{extra}]\nsouth = ["UKR"]\neast = ["RUS"]\n'

BAD_SCENARIOS = {
    # id: (old, new, entry, value); old = None appends new at the end.
    "unknown-system": ('system = "S-300PS"', 'system = "S-300XX"', "sites[0].system", "S-300XX"),
    "lat-91": ("lat = 52.09", "lat = 91", "sites[0].lat", 91),
    "lat-minus-91": ("lat = 52.09", "lat = -91.5", "sites[0].lat", -91.5),
    "lon-181": ("lon = 27.56", "lon = 181", "sites[1].lon", 181),
    "lat-string": ("lat = 52.09", 'lat = "52.09"', "sites[0].lat", "52.09"),
    "lat-nan": ("lat = 52.09", "lat = nan", "sites[0].lat", math.nan),
    "negative-range-override": (None, '\n[systems."S-300PS"]\nmax_range_km = -5\n',
                                'systems."S-300PS".max_range_km', -5),
    "nan-range-override": (None, '\n[systems."S-300PS"]\nmax_range_km = nan\n',
                           'systems."S-300PS".max_range_km', math.nan),
    "inf-range-override": (None, '\n[systems."S-300PS"]\nmax_range_km = inf\n',
                           'systems."S-300PS".max_range_km', math.inf),
    "negative-inf-min-range": (None, '\n[systems."Tor-M2"]\nmin_range_km = -inf\n',
                               'systems."Tor-M2".min_range_km', -math.inf),
    "min-range-not-below-max": (None, '\n[systems."S-300PS"]\nmin_range_km = 80\n',
                                'systems."S-300PS".min_range_km', 80.0),
    "min-range-equal-max": (None, '\n[systems."S-300PS"]\nmin_range_km = 75\n',
                            'systems."S-300PS".min_range_km', 75.0),
    "min-altitude-not-below-max": (None, '\n[systems."Tor-M2"]\nmin_altitude_m = 10000\n',
                                   'systems."Tor-M2".min_altitude_m', 10000.0),
    "override-unknown-key": (None, '\n[systems."Tor-M2"]\nrange_km = 10\n',
                             'systems."Tor-M2".range_km', 10),
    "unknown-region": ('region = "BLR"', 'region = "XXX"', "region", "XXX"),
    "misspelt-country-name": ('region = "BLR"', 'region = "Belarsu"', "region", "Belarsu"),
    "country-name-with-extra-words": ('region = "BLR"', 'region = "Republic of Belarus"',
                                      "region", "Republic of Belarus"),
    "unknown-neighbour-code": (None, SECTORS.format(extra=', "XYZ"'), "sectors.west", "XYZ"),
    "non-neighbour-code": (None, SECTORS.format(extra=', "DEU"'), "sectors.west", "DEU"),
    "neighbour-twice": (None, SECTORS.format(extra=', "UKR"'), "sectors.south", "UKR"),
    "duplicate-site-name": ('name = "Minsk"', 'name = "Brest"', "sites[1].name", "Brest"),
    "sector-system-without-azimuth": ('system = "Tor-M2"', 'system = "Patriot/PAC-2-GEM-T"',
                                      "sites[1].azimuth_deg", NO_VALUE),
    "sector-override-without-azimuth": ("lat = 53.90", "lat = 53.90\nsector_width_deg = 120",
                                        "sites[1].azimuth_deg", NO_VALUE),
    "unknown-site-key": ("lat = 53.90", "lat = 53.90\naltitude_m = 100",
                         "sites[1].altitude_m", 100),
    "properties-misspelt": ("lat = 53.90", 'lat = 53.90\nproperty = { unit = "x" }',
                            "sites[1].property", {"unit": "x"}),
    "properties-not-a-table": ("lat = 53.90", 'lat = 53.90\nproperties = "1st bn"',
                               "sites[1].properties", "1st bn"),
    "property-a-table": ("lat = 53.90", "lat = 53.90\nproperties = { unit = { id = 1 } }",
                         "sites[1].properties.unit", {"id": 1}),
    "property-a-list": ("lat = 53.90", "lat = 53.90\nproperties = { ids = [1, 2] }",
                        "sites[1].properties.ids", [1, 2]),
    "property-nan": ("lat = 53.90", "lat = 53.90\nproperties = { strength = nan }",
                     "sites[1].properties.strength", math.nan),
    "property-named-like-a-site-key": ("lat = 53.90", "lat = 53.90\nproperties = { Lat = 5 }",
                                       "sites[1].properties.Lat", "Lat"),
    "property-named-like-a-column-alias": ("lat = 53.90",
                                           'lat = 53.90\nproperties = { type = "SAM" }',
                                           "sites[1].properties.type", "type"),
    "property-twice-in-another-case": ("lat = 53.90",
                                       'lat = 53.90\nproperties = { unit = "a", Unit = "b" }',
                                       "sites[1].properties.Unit", "Unit"),
    "missing-site-key": ("lat = 53.90\n", "", "sites[1].lat", NO_VALUE),
    "unknown-top-level-key": ('region = "BLR"', 'region = "BLR"\nregoin = "BLR"', "regoin", "BLR"),
    "negative-altitude": ("altitudes_m = [50, 1000]", "altitudes_m = [50, -10]",
                          "altitudes_m[1]", -10),
    "duplicate-altitude": ("altitudes_m = [50, 1000]", "altitudes_m = [50, 50.0]",
                           "altitudes_m", 50.0),
    "zero-k-factor": ('region = "BLR"', 'region = "BLR"\nk_factor = 0', "k_factor", 0),
    "sites-and-sites-file": ('region = "BLR"', 'region = "BLR"\nsites_file = "x.csv"',
                             "sites_file", "x.csv"),
}


def _check(exc, path, entry, value):
    text = str(exc)
    assert isinstance(exc, InputError)
    assert str(path) in text, text
    assert exc.entry == entry and entry in text, text
    if value is not NO_VALUE:
        assert repr(value) in text, text
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(exc.value)
        else:
            assert exc.value == value
    assert "\n" not in text


@pytest.mark.parametrize("case", sorted(BAD_SCENARIOS))
def test_bad_scenario_names_file_entry_and_value(tmp_path, case):
    old, new, entry, value = BAD_SCENARIOS[case]
    if old is None:
        text = BASE + new
    else:
        assert old in BASE
        text = BASE.replace(old, new, 1)
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(InputError) as info:
        Scenario.from_file(path)
    _check(info.value, path, entry, value)
    problems = validate_file(path)
    assert len(problems) == 1
    _check(problems[0], path, entry, value)


@pytest.mark.parametrize("text", [
    HEADER,                                   # no sites at all
    HEADER + "sites = []\n",                  # an empty array
], ids=["absent", "empty"])
def test_no_sites(tmp_path, text):
    path = write(tmp_path / "empty.toml", text)
    with pytest.raises(ScenarioError) as info:
        Scenario.from_file(path)
    _check(info.value, path, "sites", NO_VALUE)
    assert "no sites" in str(info.value)


@pytest.mark.parametrize(("text", "what"), [
    ('name = "x"\n[[sites]\n', "malformed TOML"),
    ('name = "x\n', "malformed TOML"),
    ("name = 'x'\nname = 'y'\n", "malformed TOML"),
    ("", "empty"),
    ("\x00\x01", "NUL"),
], ids=["bad-header", "unterminated-string", "duplicate-key", "empty", "binary"])
def test_malformed_toml(tmp_path, text, what):
    path = write(tmp_path / "broken.toml", text)
    with pytest.raises(ScenarioError) as info:
        Scenario.from_file(path)
    assert str(path) in str(info.value) and what in str(info.value)
    assert len(validate_file(path)) == 1


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Brze\u015b\u0107"\n'.encode("utf-16"))
    with pytest.raises(ScenarioError, match="UTF-8") as info:
        Scenario.from_file(path)
    assert str(path) in str(info.value)


def test_missing_scenario_file(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        Scenario.from_file(tmp_path / "nope.toml")


@pytest.mark.parametrize(("csv_text", "entry", "value"), [
    ("name,system,lon,lat\nA,S-300PS,abc,53\n", "row 1 (line 2).lon", "abc"),
    ("name,system,lon,lat\nA,S-300PS,27,53\nB,S-300PS,28,95\n", "row 2 (line 3).lat", 95.0),
    ("name,system,lon,x,lat\nA,S-300PS,27,27,53\n", "header", "x"),
    ("name,system,lon\nA,S-300PS,27\n", "header", "lat"),
    ("name,system,lon,lat\nA,S-300PS,27,53,extra\n", "row 1 (line 2)", ["extra"]),
])
def test_bad_csv_sites_file(tmp_path, csv_text, entry, value):
    csv_path = write(tmp_path / "sites.csv", csv_text)
    scen = write(tmp_path / "s.toml", HEADER + 'sites_file = "sites.csv"\n')
    with pytest.raises(ScenarioError) as info:
        Scenario.from_file(scen)
    _check(info.value, csv_path, entry, value)


@pytest.mark.parametrize(("doc", "entry", "value"), [
    ({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [27, 91]},
         "properties": {"name": "A", "system": "S-300PS"}}]},
     "features[0].lat", 91),
    ({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[27, 53]]},
         "properties": {"name": "A", "system": "S-300PS"}}]},
     "features[0].geometry", "LineString"),
    ({"type": "Feature"}, "type", "Feature"),
])
def test_bad_geojson_sites_file(tmp_path, doc, entry, value):
    gj = write(tmp_path / "sites.geojson", json.dumps(doc))
    scen = write(tmp_path / "s.toml", HEADER + 'sites_file = "sites.geojson"\n')
    with pytest.raises(ScenarioError) as info:
        Scenario.from_file(scen)
    _check(info.value, gj, entry, value)


# --------------------------------------------------------------------------------------------
# validate_file collects every problem
# --------------------------------------------------------------------------------------------

def test_validate_file_returns_every_bad_site(tmp_path):
    text = HEADER + """
[[sites]]
name = "A"
system = "S-300PS"
lon = 27.0
lat = 91.0

[[sites]]
name = "B"
system = "S-300XX"
lon = 27.0
lat = 53.0

[[sites]]
name = "C"
system = "Tor-M2"
lon = 181.0
lat = 53.0

[[sites]]
name = "D"
system = "Tor-M2"
lon = 28.0
lat = 53.0
"""
    path = write(tmp_path / "three.toml", text)
    problems = validate_file(path)
    assert [p.entry for p in problems] == ["sites[0].lat", "sites[1].system", "sites[2].lon"]
    assert [p.value for p in problems] == [91.0, "S-300XX", 181.0]
    assert all(str(path) in str(p) for p in problems)
    with pytest.raises(ScenarioError) as info:
        Scenario.from_file(path)
    assert info.value.entry == "sites[0].lat"


def test_validate_file_returns_problems_of_every_kind(tmp_path):
    text = """\
name = "x"
region = "XXX"
altitudes_m = [50, -1]
k_factor = -2
""" + sites_toml([{"name": "A", "system": "Nope", "lon": 27.0, "lat": 53.0},
                  {"name": "A", "system": "Tor-M2", "lon": 27.0, "lat": 53.0},
                  {"name": "A", "system": "Tor-M2", "lon": 27.0, "lat": 53.0}])
    path = write(tmp_path / "many.toml", text)
    entries = [p.entry for p in validate_file(path)]
    assert entries == ["region", "altitudes_m[1]", "k_factor", "sites[0].system",
                       "sites[2].name"]


def test_validate_file_ok(tmp_path):
    assert validate_file(write(tmp_path / "ok.toml", BASE)) == []


def test_validate_file_on_bad_csv_rows_reports_each(tmp_path):
    write(tmp_path / "sites.csv",
          "name,system,lon,lat\nA,S-300PS,27,95\nB,Nope,27,53\nC,Tor-M2,200,53\nD,Tor-M2,27,53\n")
    path = write(tmp_path / "s.toml", HEADER + 'sites_file = "sites.csv"\n')
    problems = validate_file(path)
    assert [p.entry for p in problems] == ["row 1 (line 2).lat", "row 2 (line 3).system",
                                           "row 3 (line 4).lon"]
    assert all(str(tmp_path / "sites.csv") in str(p) for p in problems)


# --------------------------------------------------------------------------------------------
# Regions in any case, or by a country's name
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("region", ["blr", "Blr", "Belarus", "belarus", " BELARUS "])
def test_region_in_any_case_or_as_a_country_name(tmp_path, region):
    path = write(tmp_path / "s.toml", BASE.replace('region = "BLR"', f"region = {region!r}"))
    sc = Scenario.from_file(path)
    assert sc.region == "BLR" and sc.sectors == BLR_SECTORS
    assert validate_file(path) == []
    assert sc == Scenario.from_file(write(tmp_path / "upper.toml", BASE))


# --------------------------------------------------------------------------------------------
# Site properties
# --------------------------------------------------------------------------------------------

def tor(**kw):
    return Site(name="A", system=default_catalog()["Tor-M2"], lon=27.56, lat=53.9, **kw)


def test_site_properties_default_empty_read_only_and_hashable():
    plain = tor()
    assert dict(plain.properties) == {} and len(plain.properties) == 0
    site = tor(properties={"unit": " 1st bn ", "fid": 7, "strength": 0.75})
    assert dict(site.properties) == {"unit": "1st bn", "fid": 7, "strength": 0.75}
    assert list(site.properties) == ["unit", "fid", "strength"]  # the order given
    with pytest.raises(TypeError):
        site.properties["unit"] = "2nd bn"
    with pytest.raises(AttributeError):
        site.properties.update({"x": 1})
    # Equality and hash: the items, whatever their order.
    same = tor(properties={"strength": 0.75, "fid": 7, "unit": "1st bn"})
    assert site == same and hash(site) == hash(same)
    assert len({site, same, plain}) == 2
    assert site != tor(properties={"unit": "1st bn", "fid": 8, "strength": 0.75})
    assert site != plain
    # A dataclasses.replace keeps them (and checks them again).
    import dataclasses

    assert dataclasses.replace(site, lon=27.0).properties == site.properties


@pytest.mark.parametrize(("props", "entry", "value"), [
    ({"unit": {"id": 1}}, "properties.unit", {"id": 1}),
    ({"unit": None}, "properties.unit", None),
    ({"": "x"}, "properties.", ""),
    ({"a\tb": "x"}, "properties.a\tb", "a\tb"),
    ({"x" * 201: 1}, "properties." + "x" * 201, "x" * 201),
    ({"unit": "x" * 2001}, "properties.unit", "x" * 2001),
    ({"unit": math.inf}, "properties.unit", math.inf),
    ({"system": "S-300"}, "properties.system", "system"),
    ({"Longitude": 1}, "properties.Longitude", "Longitude"),
    ({5: "x"}, "properties", 5),
    (["unit"], "properties", ["unit"]),
])
def test_bad_site_properties(props, entry, value):
    with pytest.raises(ScenarioError) as info:
        tor(properties=props)
    assert info.value.entry == entry and info.value.value == value


def test_toml_site_properties_table(tmp_path):
    text = BASE.replace('lat = 52.09\n', 'lat = 52.09\nproperties = { unit = "1st bn", '
                        'fid = 3, strength = 0.5, "crew shift" = "night" }\n', 1)
    sc = Scenario.from_file(write(tmp_path / "p.toml", text))
    assert dict(sc.sites[0].properties) == {"unit": "1st bn", "fid": 3, "strength": 0.5,
                                            "crew shift": "night"}
    assert dict(sc.sites[1].properties) == {}
    assert sc != Scenario.from_file(write(tmp_path / "base.toml", BASE))


# --------------------------------------------------------------------------------------------
# A sites file as a scenario
# --------------------------------------------------------------------------------------------

DEFAULT_ALTITUDES_NOTE = ("altitudes: the default 50, 300, 1000, 5000, 10000, 20000 m "
                          "(choose with --altitudes)")


def test_from_sites_file_defaults(tmp_path):
    path = write_csv(tmp_path / "deployment.csv")
    sc = Scenario.from_sites_file(path)
    assert sc.name == "Sites from deployment.csv"
    assert list(sc.sites) == expected_sites()
    assert sc.region == "BLR" and sc.sectors == BLR_SECTORS
    assert sc.altitudes_m == (50.0, 300.0, 1000.0, 5000.0, 10000.0, 20000.0)
    assert sc.notes == ("region BLR: the country holding 5 of 5 sites (choose with --region)",
                        DEFAULT_ALTITUDES_NOTE)
    assert sc.input_paths == [path]
    assert sc.sites_path == path
    assert validate_file(path) == []
    # Notes tell how the scenario was made; they are not part of what it is.
    import dataclasses

    assert dataclasses.replace(sc, notes=()) == sc


# Vilnius (LTU), Grodno (BLR), Kaunas (LTU), Minsk (BLR), Warsaw (POL)
MIXED = [("Vilnius", 25.28, 54.69), ("Grodno", 23.83, 53.68), ("Kaunas", 23.90, 54.90),
         ("Minsk", 27.56, 53.90), ("Warsaw", 21.01, 52.23)]


def mixed_csv(path, rows):
    return write(path, "name,system,lon,lat\n"
                 + "".join(f"{n},Tor-M2,{lon},{lat}\n" for n, lon, lat in rows))


def test_from_sites_file_region_is_the_country_holding_most_sites(tmp_path):
    sc = Scenario.from_sites_file(mixed_csv(tmp_path / "m.csv", MIXED))
    assert sc.region == "LTU"  # 2 LTU, 2 BLR, 1 POL: a tie, and Vilnius comes first
    assert sc.notes[0] == "region LTU: the country holding 2 of 5 sites (choose with --region)"
    sc = Scenario.from_sites_file(mixed_csv(tmp_path / "m2.csv", MIXED[:2] + MIXED[3:]))
    assert sc.region == "BLR"  # 1 LTU, 2 BLR, 1 POL
    assert sc.notes[0] == "region BLR: the country holding 2 of 4 sites (choose with --region)"
    # A tie goes to the first site's country.
    sc = Scenario.from_sites_file(mixed_csv(tmp_path / "m3.csv", [MIXED[4], MIXED[0]]))
    assert sc.region == "POL"


def test_from_sites_file_with_region_and_altitudes(tmp_path):
    path = mixed_csv(tmp_path / "m.csv", MIXED)
    sc = Scenario.from_sites_file(path, region="pol", altitudes_m=[1000, 50])
    assert sc.region == "POL" and sc.altitudes_m == (50.0, 1000.0)
    assert sc.notes == ()
    sc = Scenario.from_sites_file(path, region="Belarus")
    assert sc.region == "BLR" and sc.sectors == BLR_SECTORS
    assert sc.notes == (DEFAULT_ALTITUDES_NOTE,)


def test_from_sites_file_no_site_in_a_country(tmp_path):
    path = mixed_csv(tmp_path / "sea.csv", [("Atlantic", -30.0, 40.0), ("Gulf", 0.0, 0.0)])
    with pytest.raises(ScenarioError) as info:
        Scenario.from_sites_file(path)
    assert info.value.entry == "region" and str(path) in str(info.value)
    assert "--region" in str(info.value)
    assert Scenario.from_sites_file(path, region="PRT").region == "PRT"


@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".json"])
def test_resolve_a_sites_file_by_its_extension(tmp_path, suffix):
    path = tmp_path / f"sites{suffix}"
    (write_csv if suffix == ".csv" else write_geojson)(path)
    sc = Scenario.resolve(path)
    assert list(sc.sites) == expected_sites() and sc.region == "BLR"
    assert sc.name == f"Sites from sites{suffix}" and len(sc.notes) == 2
    assert Scenario.resolve(str(path), region="ukr").region == "UKR"
    assert Scenario.from_file(path) == sc  # a sites file given where a scenario is expected


def test_resolve_a_scenario_file_with_region_and_altitudes(tmp_path):
    path = write(tmp_path / "s.toml", BASE)
    sc = Scenario.resolve(path, region="Poland", altitudes_m=[300])
    assert sc.region == "POL" and sc.altitudes_m == (300.0,)
    assert sc.sectors == default_sectors("POL")
    assert sc.notes == ()
    assert Scenario.resolve(path, region="blr") == Scenario.from_file(path)
    assert Scenario.resolve("belarus-2021").notes == ()
