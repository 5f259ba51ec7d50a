"""Inputs on the command line: --altitudes (with units) and --region on every analysing
command, regions and systems as typed, the catalog and region listings."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from adcov.cli import cli
from adcov.cli.options import parse_altitudes

SCENARIO = """name = "small"
region = "BLR"
altitudes_m = [1000]

[[sites]]
name = "Minsk"
system = "tor-m2"
lon = 27.56
lat = 53.90
"""


@pytest.fixture
def scen(tmp_path):
    p = tmp_path / "small.toml"
    p.write_text(SCENARIO, encoding="utf-8")
    return p


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_feet_and_kilometres_become_metres():
    # 1 ft = 0.3048 m exactly (international foot, 1959).
    assert parse_altitudes("500ft, 10000ft") == (152.4, 3048.0)
    assert parse_altitudes("50,300 m,1.5km") == (50.0, 300.0, 1500.0)


@pytest.mark.parametrize("bad", ["50,abc", "10 miles", "", "50,50", "-5"])
def test_bad_altitudes_exit_2(scen, bad):
    res = run("stats", scen, "--altitudes", bad)
    assert res.exit_code == 2
    assert res.stderr.startswith("adcov: error: --altitudes: ") and res.stderr.count("\n") == 1


@pytest.mark.parametrize("command", [["stats"], ["export", "-f", "geojson", "-o", "-"],
                                     ["profile", "-f", "csv", "-o", "-"],
                                     ["map", "--tiles", "none", "-o", "-"]])
def test_altitudes_override_on_every_command(scen, command):
    res = run(command[0], scen, *command[1:], "--altitudes", "500ft,3km", *(
        ["-f", "csv"] if command[0] == "stats" else []))
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    if command[0] == "stats":
        alts = {row["altitude_m"] for row in csv.DictReader(io.StringIO(out))}
        assert alts == {"152.4", "3000.0"}
    elif command[0] == "export":
        doc = json.loads(out)
        alts = {f["properties"].get("altitude_m") for f in doc["features"]} - {None}
        assert alts == {152.4, 3000.0}
    elif command[0] == "profile":
        alts = {float(r["altitude_m"]) for r in csv.DictReader(io.StringIO(out))}
        assert {152.4, 3000.0} <= alts
    else:
        assert '"altitude_m":152.4' in out and '"altitude_m":3000.0' in out


def test_compare_and_whatif_take_the_overrides(scen):
    res = run("compare", scen, scen, "--altitudes", "2000", "-f", "csv")
    assert res.exit_code == 0, res.stderr
    assert {r["altitude_m"] for r in csv.DictReader(io.StringIO(res.stdout))} == {"2000.0"}
    res = run("whatif", scen, "--add", "name=X,system=TOR-M2,lon=28,lat=53",
              "--altitudes", "2000", "-f", "csv")
    assert res.exit_code == 0, res.stderr
    assert {r["altitude_m"] for r in csv.DictReader(io.StringIO(res.stdout))} == {"2000.0"}


def test_region_override_by_name_in_any_case(scen):
    res = run("stats", scen, "--region", "lithuania", "-f", "csv")
    assert res.exit_code == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows[0]["zone"] == "LTU"
    # Lithuania's own sectors: one per neighbour.
    assert {r["zone"] for r in rows if r["zone_kind"] == "sector"} == {"BLR", "LVA", "POL",
                                                                       "RUS"}
    # Minsk lies outside Lithuania: a warning on stderr, not an error.
    assert "warning: site 'Minsk'" in res.stderr and "outside LTU" in res.stderr


def test_bad_region_override_exits_2_with_suggestions(scen):
    res = run("stats", scen, "--region", "Lithuana")
    assert res.exit_code == 2
    assert res.stderr == ("adcov: error: --region: unknown country (an ISO 3166-1 alpha-3 code "
                          "or a country name expected); did you mean LTU (Lithuania)? (got "
                          "'Lithuana')\n")


def test_regions_listing():
    res = run("regions", "belarus", "-f", "json")
    assert res.exit_code == 0, res.stderr
    (blr,) = json.loads(res.stdout)
    assert blr["iso3"] == "BLR" and blr["name"] == "Belarus"
    assert blr["sectors"] == "west=POL,LTU,LVA; south=UKR; east=RUS"
    assert blr["neighbours"].startswith("LTU 482 km, LVA 136 km, POL 340 km")
    text = run("regions").stdout
    assert len(text.splitlines()) > 200 and "regions; borders: Natural Earth" in text


def test_systems_search_formats_and_show():
    res = run("systems", "s-400", "-f", "csv")
    assert res.exit_code == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows and all(r["id"].startswith("S-400/") for r in rows)
    res = run("systems", "-f", "json")
    data = json.loads(res.stdout)
    assert {d["id"] for d in data} >= {"S-300PS", "Tor-M2"} and "max_range_km" in data[0]
    res = run("systems", "show", "s-400/40n6")
    assert res.exit_code == 0 and res.stdout.startswith("S-400/40N6: ")
    res = run("systems", "show", "S-400/40N6", "-f", "json")
    fields = {r["field"]: r for r in json.loads(res.stdout)}
    assert fields["max_range_km"]["value"] == 400 and fields["max_range_km"]["confidence"]
    res = run("systems", "-q", "nothing-like-this")
    assert res.exit_code == 2 and res.stderr.startswith("adcov: error: systems: no system matches")
    res = run("systems", "show", "S-300p")
    assert res.exit_code == 2 and "did you mean S-300PS" in res.stderr


def test_system_ids_in_a_scenario_are_case_insensitive(scen):
    # The scenario above names "tor-m2".
    res = run("stats", scen, "-f", "json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["sites"][0]["system"] == "Tor-M2"
