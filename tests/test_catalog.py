"""Tests for adcov.catalog: the shipped catalog and its sources, and bad catalog files."""

from __future__ import annotations

import math
import tomllib

import pytest
from numpy.testing import assert_allclose

from adcov._paths import data_path
from adcov.catalog import NUMERIC_FIELDS, Catalog, System, default_catalog, load_catalog
from adcov.errors import CatalogError, InputError

REQUIRED_IDS = [
    "S-400/40N6", "S-400/48N6DM", "S-400/9M96E2", "S-300PS", "S-300PMU-2", "S-300V4", "Buk-M2",
    "Buk-M3", "Tor-M2", "Pantsir-S1", "S-125", "Osa-AKM", "Patriot/PAC-2-GEM-T",
    "Patriot/PAC-3-MSE", "NASAMS", "IRIS-T-SLM", "SAMP/T",
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


@pytest.fixture(scope="module")
def raw_catalog() -> dict:
    """The shipped file read with tomllib, independently of the loader."""
    with open(data_path("systems", "catalog.toml"), "rb") as fh:
        return tomllib.load(fh)


# --------------------------------------------------------------------------------------------
# The shipped catalog
# --------------------------------------------------------------------------------------------

def test_shipped_catalog_loads(catalog):
    assert isinstance(catalog, Catalog)
    assert len(catalog) >= len(REQUIRED_IDS)
    assert all(isinstance(s, System) for s in catalog.values())
    fresh = load_catalog()
    assert list(fresh) == list(catalog)


@pytest.mark.parametrize("system_id", REQUIRED_IDS)
def test_required_system_present(catalog, system_id):
    system = catalog[system_id]
    assert system.id == system_id and system.name
    assert 0 <= system.min_range_km < system.max_range_km
    assert 0 <= system.min_altitude_m < system.max_altitude_m


def _cited_fields(raw, system_id):
    return [k for k in NUMERIC_FIELDS if k in raw["systems"][system_id]]


def test_every_number_cites_a_source(catalog, raw_catalog):
    """Every numeric field given in the file has a citation: confidence V/S/R/E, a known
    reference with a title."""
    assert set(raw_catalog["systems"]) == set(catalog)
    for sid, system in catalog.items():
        fields = _cited_fields(raw_catalog, sid)
        required = {k for k, (_, kinds) in NUMERIC_FIELDS.items() if system.kind in kinds}
        assert required <= set(fields), sid
        assert sorted(c.field for c in system.sources) == sorted(fields), sid
        for name in fields:
            cite = system.citation(name)
            assert cite is not None, (sid, name)
            assert cite.confidence in {"V", "S", "R", "E"}, (sid, name)
            assert cite.reference.title.strip(), (sid, name)
            assert cite.reference.id in raw_catalog["references"], (sid, name)
            raw_cite = raw_catalog["systems"][sid]["sources"][name]
            assert raw_cite["ref"] == cite.reference.id
            assert raw_catalog["references"][cite.reference.id]["title"].strip()
            assert cite.describe().startswith(f"[{cite.confidence}]")
        assert len(system.source_lines()) == len(fields)


def test_estimates_explain_themselves(catalog):
    """An 'E' estimate carries its reasoning in the citation note."""
    for sid, system in catalog.items():
        for cite in system.sources:
            if cite.confidence == "E":
                assert cite.note.strip(), (sid, cite.field)


@pytest.mark.parametrize(("system_id", "field", "value"), [
    # shared/reference/public-sources.md
    ("S-400/40N6", "max_range_km", 400.0),
    ("S-400/40N6", "max_altitude_m", 30000.0),
    ("S-400/40N6", "min_altitude_m", 5.0),
    ("S-400/40N6", "detection_range_km", 600.0),
    ("S-400/48N6DM", "max_range_km", 250.0),
    ("S-400/9M96E2", "max_range_km", 120.0),
    ("S-300PS", "max_range_km", 75.0),
    ("S-300PS", "max_altitude_m", 27000.0),
    ("S-300PMU-2", "max_range_km", 200.0),
    ("Buk-M2", "max_range_km", 45.0),
    ("Buk-M2", "max_altitude_m", 25000.0),
    ("Buk-M3", "max_range_km", 70.0),
    ("Buk-M3", "max_altitude_m", 35000.0),
    ("Tor-M2", "max_range_km", 15.0),
    ("Tor-M2", "max_altitude_m", 10000.0),
    ("Pantsir-S1", "max_range_km", 20.0),
    ("Pantsir-S1", "max_altitude_m", 15000.0),
    ("Patriot/PAC-2-GEM-T", "max_range_km", 160.0),
    ("Patriot/PAC-2-GEM-T", "max_altitude_m", 24000.0),
    ("IRIS-T-SLM", "max_range_km", 40.0),
    ("IRIS-T-SLM", "max_altitude_m", 20000.0),
    ("SAMP/T", "max_range_km", 100.0),
])
def test_spot_values_from_public_sources(catalog, system_id, field, value):
    assert_allclose(getattr(catalog[system_id], field), value, rtol=0, atol=1e-9)


def test_sector_radar_systems(catalog):
    """The MPQ-65 is a sector radar (~90-120 degrees); every other system covers 360."""
    assert catalog["Patriot/PAC-2-GEM-T"].sector_width_deg == 120.0
    assert catalog["S-400/40N6"].sector_width_deg == 360.0


def test_get_system_unknown_id_suggests(catalog):
    with pytest.raises(CatalogError) as info:
        catalog.get_system("S-400/40N7", file="x.toml", entry="sites[0].system")
    text = str(info.value)
    assert "x.toml" in text and "sites[0].system" in text and "'S-400/40N7'" in text
    assert "S-400/40N6" in text


# --------------------------------------------------------------------------------------------
# Bad catalog files
# --------------------------------------------------------------------------------------------

GOOD = """\
[references.ref1]
title = "A public source"
publisher = "Someone"

[systems."X-1"]
name = "X-1"
max_range_km = 100.0
min_range_km = 3.0
max_altitude_m = 20000.0
min_altitude_m = 10.0
antenna_height_m = 5.0

[systems."X-1".sources]
max_range_km = { ref = "ref1", confidence = "V" }
min_range_km = { ref = "ref1", confidence = "R" }
max_altitude_m = { ref = "ref1", confidence = "S" }
min_altitude_m = { ref = "ref1", confidence = "E", note = "a guess" }
antenna_height_m = { ref = "ref1", confidence = "E", note = "a guess" }
"""

S = 'systems."X-1"'
NO_VALUE = object()

BAD = {
    # id: (old text, new text, entry, value)
    "missing-source": ('antenna_height_m = { ref = "ref1", confidence = "E", note = "a guess" }\n',
                       "", f"{S}.sources.antenna_height_m", NO_VALUE),
    "unknown-reference": ('max_range_km = { ref = "ref1"', 'max_range_km = { ref = "nope"',
                          f"{S}.sources.max_range_km.ref", "nope"),
    "min-range-equals-max": ("min_range_km = 3.0", "min_range_km = 100.0",
                             f"{S}.min_range_km", 100.0),
    "min-range-above-max": ("min_range_km = 3.0", "min_range_km = 150.0",
                            f"{S}.min_range_km", 150.0),
    "min-altitude-above-max": ("min_altitude_m = 10.0", "min_altitude_m = 25000.0",
                               f"{S}.min_altitude_m", 25000.0),
    "nan": ("max_range_km = 100.0", "max_range_km = nan", f"{S}.max_range_km", math.nan),
    "inf": ("max_altitude_m = 20000.0", "max_altitude_m = inf", f"{S}.max_altitude_m", math.inf),
    "negative-min-range": ("min_range_km = 3.0", "min_range_km = -1.0", f"{S}.min_range_km", -1.0),
    "negative-antenna": ("antenna_height_m = 5.0", "antenna_height_m = -5.0",
                         f"{S}.antenna_height_m", -5.0),
    "zero-max-range": ("max_range_km = 100.0", "max_range_km = 0.0", f"{S}.max_range_km", 0.0),
    "string-number": ("max_range_km = 100.0", 'max_range_km = "100"', f"{S}.max_range_km", "100"),
    "bool-number": ("max_range_km = 100.0", "max_range_km = true", f"{S}.max_range_km", True),
    "unknown-key": ('name = "X-1"', 'name = "X-1"\ncolour = "red"', f"{S}.colour", "red"),
    "unknown-cite-key": ('confidence = "V" }', 'confidence = "V", page = 3 }',
                         f"{S}.sources.max_range_km.page", 3),
    "unknown-reference-key": ('publisher = "Someone"', 'publisher = "Someone"\nisbn = "1"',
                              "references.ref1.isbn", "1"),
    "bad-confidence": ('confidence = "V"', 'confidence = "X"',
                       f"{S}.sources.max_range_km.confidence", "X"),
    "user-confidence": ('confidence = "V"', 'confidence = "U"',
                        f"{S}.sources.max_range_km.confidence", "U"),
    "cites-absent-field": ('max_range_km = { ref', 'detection_range_km = { ref = "ref1", '
                           'confidence = "V" }\nmax_range_km = { ref',
                           f"{S}.sources.detection_range_km", "detection_range_km"),
    "sector-too-wide": ("antenna_height_m = 5.0",
                        "antenna_height_m = 5.0\nsector_width_deg = 400.0",
                        f"{S}.sector_width_deg", 400.0),
    "empty-title": ('title = "A public source"', 'title = ""', "references.ref1.title", ""),
    # Wrong types where a string or a table is expected must still be a CatalogError.
    "ref-not-a-string": ('max_range_km = { ref = "ref1"', 'max_range_km = { ref = ["ref1"]',
                         f"{S}.sources.max_range_km.ref", ["ref1"]),
    "confidence-not-a-string": ('confidence = "V"', 'confidence = ["V"]',
                                f"{S}.sources.max_range_km.confidence", ["V"]),
}


def _write(tmp_path, text, name="catalog.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_minimal_catalog_loads(tmp_path):
    cat = load_catalog(_write(tmp_path, GOOD))
    system = cat["X-1"]
    assert system.max_range_km == 100.0 and system.sector_width_deg == 360.0
    assert system.citation("min_altitude_m").note == "a guess"
    assert system.citation("detection_range_km") is None
    assert cat.references["ref1"].cite() == "Someone: A public source"


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_catalog_names_file_entry_and_value(tmp_path, case):
    old, new, entry, value = BAD[case]
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    exc = info.value
    text = str(exc)
    assert isinstance(exc, InputError)
    assert str(path) in text and exc.file == str(path)
    assert exc.entry == entry and entry in text
    if value is not NO_VALUE:
        assert repr(value) in text
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(exc.value)
        else:
            assert exc.value == value
    assert "\n" not in text  # one line for the command line


@pytest.mark.parametrize(("text", "entry"), [
    ('references = 5\n[systems]\n', "references"),
    ('systems = "none"\n[references.r]\ntitle = "t"\n', "systems"),
    ('[references]\nr = "t"\n[systems]\n', "references.r"),
    ('[references.r]\ntitle = "t"\n\n[systems]\nX = 5\n', 'systems."X"'),
], ids=["references-not-a-table", "systems-not-a-table", "reference-not-a-table",
        "system-not-a-table"])
def test_catalog_sections_of_the_wrong_type(tmp_path, text, entry):
    path = _write(tmp_path, text)
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert str(path) in str(info.value) and entry in str(info.value)


@pytest.mark.parametrize(("text", "what"), [
    ("[references\n", "malformed TOML"),
    ('[references.r]\ntitle = "t"\n', "systems"),
    ('[systems]\n', "references"),
], ids=["malformed", "no-systems", "no-references"])
def test_malformed_or_incomplete_catalog(tmp_path, text, what):
    path = _write(tmp_path, text)
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert str(path) in str(info.value) and what in str(info.value)


def test_missing_catalog_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(CatalogError, match="not found") as info:
        load_catalog(path)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------------------------
# Scenario overrides
# --------------------------------------------------------------------------------------------

def test_overrides_keep_sources_of_untouched_fields(catalog):
    new = catalog.with_overrides({"S-300PS": {"max_range_km": 90.0}}, file="scen.toml")
    s = new["S-300PS"]
    assert s.max_range_km == 90.0 and s.min_range_km == catalog["S-300PS"].min_range_km
    assert s.citation("max_range_km").confidence == "U"
    assert "scen.toml" in s.citation("max_range_km").reference.title
    assert s.citation("min_range_km") == catalog["S-300PS"].citation("min_range_km")
    assert catalog["S-300PS"].max_range_km == 75.0  # the shipped catalog is untouched


def test_override_adds_a_new_system(catalog):
    table = {"max_range_km": 100, "min_range_km": 3, "max_altitude_m": 25000,
             "min_altitude_m": 10, "antenna_height_m": 20}
    new = catalog.with_overrides({"Custom-X": table}, file="scen.toml")
    assert new["Custom-X"].max_range_km == 100.0 and new["Custom-X"].name == "Custom-X"
    assert "Custom-X" not in catalog


@pytest.mark.parametrize(("table", "entry", "value"), [
    ({"max_range_km": 100}, 'systems."Custom-X".min_range_km', NO_VALUE),  # required missing
    ({"max_range_km": 100, "min_range_km": 3, "max_altitude_m": 25000, "min_altitude_m": 10,
      "antenna_height_m": 20, "sources": {}}, 'systems."Custom-X".sources', {}),
])
def test_override_new_system_errors(catalog, table, entry, value):
    with pytest.raises(CatalogError) as info:
        catalog.with_overrides({"Custom-X": table}, file="scen.toml")
    assert info.value.entry == entry
    assert "scen.toml" in str(info.value)
    if value is not NO_VALUE:
        assert repr(value) in str(info.value)


# ------------------------------------------------------------------------------ ids as typed
@pytest.mark.parametrize("typed, expected", [("s-300ps", "S-300PS"), ("TOR-M2", "Tor-M2"),
                                             (" s-400/40n6 ", "S-400/40N6")])
def test_system_ids_are_case_insensitive(typed, expected):
    assert default_catalog().get_system(typed).id == expected


def test_suggestions_rank_by_similarity():
    cat = default_catalog()
    with pytest.raises(CatalogError) as info:
        cat.get_system("s-300p")
    assert info.value.message.startswith("unknown system id; did you mean S-300PS")
    with pytest.raises(CatalogError) as info:
        cat.get_system("S-400")
    hint = info.value.message
    s400 = [k for k in cat if k.startswith("S-400/")]
    assert len(s400) >= 3 and all(k in hint for k in s400)
    assert hint.index(s400[0]) < hint.index("S-300") if "S-300" in hint else True


def test_catalog_search():
    cat = default_catalog()
    assert {s.id for s in cat.search("s-400")} == {k for k in cat if k.startswith("S-400")}
    assert cat.search("no such thing") == []


def test_surveillance_radars_are_catalogued():
    """Radars reported in Belarusian service, kind "radar": a detection range and an antenna,
    no missile."""
    cat = default_catalog()
    for sid in ("Protivnik-GE", "Vostok-E"):
        sy = cat[sid]
        assert sy.kind == "radar" and sy.detection_range_km > 0 and sy.antenna_height_m > 0
        assert sy.max_range_km is None and sy.max_altitude_m is None
        assert sy.citation("detection_range_km") is not None


@pytest.mark.parametrize("change, entry, message", [
    ({"kind": "radar"}, "R.max_range_km", "a radar has no missile"),
    ({"kind": "radar", "max_range_km": None, "min_range_km": None, "max_altitude_m": None,
      "min_altitude_m": None}, "R.detection_range_km", "is required for a system of kind radar"),
    ({"min_elevation_deg": 10.0, "max_elevation_deg": 5.0}, "R.min_elevation_deg",
     "must be below max_elevation_deg"),
    ({"max_elevation_deg": 95.0}, "R.max_elevation_deg", "must be"),
])
def test_radar_and_elevation_invariants(change, entry, message):
    values = dict(id="R", name="R", max_range_km=40.0, min_range_km=1.0, max_altitude_m=1e4,
                  min_altitude_m=0.0, antenna_height_m=5.0)
    values.update(change)
    with pytest.raises(CatalogError) as info:
        System(**values)
    assert info.value.entry == entry and message in info.value.message


# --------------------------------------------------------------------------------------------
# Uncertain values: ranges and the differing values of cited sources
# --------------------------------------------------------------------------------------------

def test_sources_that_disagree_are_recorded_with_citations(catalog, raw_catalog):
    """Where public sources disagree the catalog keeps the value it uses and records the
    others, each citing a known reference (shared/reference/public-sources.md)."""
    tor = catalog["Tor-M2"]
    assert tor.max_range_km == 15.0  # the value used stays the deterministic one
    [alt] = [a for a in tor.alternatives if a.field == "max_range_km"]
    assert alt.value == 12.0 and alt.reference.id == "polskieradio-2014-tor-m2"
    assert tor.source_range("max_range_km") == (12.0, 15.0)
    v4 = catalog["S-300V4"]
    assert v4.max_range_km == 400.0 and v4.source_range("max_range_km") == (380.0, 400.0)
    for sid, system in catalog.items():
        raw = raw_catalog["systems"][sid].get("alternatives", {})
        assert len(system.alternatives) == sum(len(v) for v in raw.values()), sid
        for a in system.alternatives:
            assert a.reference.id in raw_catalog["references"], (sid, a.field)
            assert a.confidence in {"V", "S", "R", "E"} and a.note.strip(), (sid, a.field)
            assert a.value != getattr(system, a.field), (sid, a.field)
            assert a.describe().startswith(f"{a.value:g} [{a.confidence}]")
        assert not system.ranges, sid  # the shipped catalog is deterministic


def test_with_source_ranges_spans_every_cited_value(catalog):
    nasams = catalog["NASAMS"].with_source_ranges()
    assert nasams.ranges["max_range_km"] == (25.0, 40.0)
    assert nasams.ranges["detection_range_km"] == (40.0, 120.0)
    assert nasams.max_range_km == catalog["NASAMS"].max_range_km
    assert nasams.nominal() == catalog["NASAMS"]
    plain = catalog["S-300PS"]
    assert plain.with_source_ranges() is plain  # no disagreement, nothing to draw


def test_a_range_in_a_scenario_override(catalog):
    new = catalog.with_overrides({"Tor-M2": {"max_range_km": [11, 16]}}, file="scen.toml")
    tor = new["Tor-M2"]
    assert tor.max_range_km == 13.5 and tor.ranges == {"max_range_km": (11.0, 16.0)}
    assert tor.citation("max_range_km").confidence == "U"
    # The user's range replaces the sources' spread of that field.
    assert not [a for a in tor.alternatives if a.field == "max_range_km"]
    assert tor.with_source_ranges().ranges["max_range_km"] == (11.0, 16.0)
    # A plain override drops a range the system had.
    again = new.with_overrides({"Tor-M2": {"max_range_km": 14.0}}, file="b.toml")["Tor-M2"]
    assert again.max_range_km == 14.0 and not again.ranges
    assert hash(tor) != hash(again)


@pytest.mark.parametrize("table, message", [
    ({"max_range_km": [16, 11]}, "low <= high"),
    ({"max_range_km": [11, 12, 13]}, r"\[low, high\]"),
    ({"max_range_km": [0, 12]}, "must be > 0"),
    ({"max_range_km": [11, "x"]}, "must be a number"),
    ({"min_range_km": [0.5, 15.5]}, "can reach max_range_km"),
    ({"alternatives": {"max_range_km": []}}, "alternatives belong in the catalog"),
])
def test_bad_ranges(catalog, table, message):
    with pytest.raises(CatalogError, match=message):
        catalog.with_overrides({"Tor-M2": table}, file="scen.toml")


def test_system_ranges_are_checked_however_built():
    base = dict(max_range_km=40.0, min_range_km=1.0, max_altitude_m=1e4, min_altitude_m=0.0,
                antenna_height_m=5.0)
    s = System("X", "X", **base, ranges={"max_range_km": (30, 50)})
    assert s.ranges["max_range_km"] == (30.0, 50.0)
    with pytest.raises(CatalogError, match="outside its range"):
        System("X", "X", **base, ranges={"max_range_km": (50, 60)})
    with pytest.raises(CatalogError, match="not a numeric field"):
        System("X", "X", **base, ranges={"name": (1, 2)})
    with pytest.raises(CatalogError, match="has a range but no value"):
        System("X", "X", **base, ranges={"detection_range_km": (1, 2)})


def test_bad_alternatives_in_a_catalog_file(tmp_path):
    text = (data_path("systems", "catalog.toml").read_text(encoding="utf-8")
            .replace('max_range_km = [{ value = 12.0, ref = "polskieradio-2014-tor-m2"',
                     'max_range_km = [{ value = 12.0, ref = "no-such-reference"'))
    path = tmp_path / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="unknown reference id") as info:
        load_catalog(path)
    assert info.value.entry == 'systems."Tor-M2".alternatives.max_range_km[0].ref'
