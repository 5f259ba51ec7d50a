"""Bad input on the command line, table-driven: the companion of test_bad_input.py (which
covers files). Every case ends the same way: exit status 2, exactly the one line given here on
standard error, no traceback, and nothing written to the output folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from adcov.cli import cli

SCENARIO = """name = "small"
region = "BLR"
altitudes_m = [1000]

[[sites]]
name = "Minsk"
system = "Tor-M2"
lon = 27.56
lat = 53.90
"""

ADD = "name=X,system=Tor-M2,lon=28,lat=53"

#: id -> (arguments; {s} is the scenario, {d} the output folder), the exact error line.
CASES = {
    "altitudes-word": (["stats", "{s}", "--altitudes", "50,high"],
                       "--altitudes: an altitude is a number with an optional unit m, km or ft, "
                       "e.g. 50,300,1000 or 500ft,10000ft (got 'high')"),
    "altitudes-unit": (["map", "{s}", "-o", "{d}/m.html", "--altitudes", "3 miles"],
                       "--altitudes: an altitude is a number with an optional unit m, km or ft, "
                       "e.g. 50,300,1000 or 500ft,10000ft (got '3 miles')"),
    "altitudes-twice": (["stats", "{s}", "--altitudes", "1000,1km"],
                        "--altitudes: lists an altitude twice (got '1000,1km')"),
    "region-unknown": (["export", "{s}", "-o", "{d}/c.kml", "--region", "Qwertyuiop"],
                       "--region: unknown country (an ISO 3166-1 alpha-3 code or a country name "
                       "expected); see `adcov regions` (got 'Qwertyuiop')"),
    "region-misspelt": (["profile", "{s}", "-o", "{d}/p.csv", "--region", "Polnd"],
                        "--region: unknown country (an ISO 3166-1 alpha-3 code or a country name "
                        "expected); did you mean POL (Poland)? (got 'Polnd')"),
    "format-contradicts": (["stats", "{s}", "-f", "json", "-o", "{d}/z.csv"],
                           "{d}/z.csv: output: -f json contradicts the extension, which means csv "
                           "(got '.csv')"),
    "extension-unknown": (["stats", "{s}", "-o", "{d}/z.xlsx"],
                          "{d}/z.xlsx: output: unknown extension; use one of .md, .markdown, "
                          ".csv, .json (got '.xlsx')"),
    "map-as-png": (["map", "{s}", "-o", "{d}/m.png"],
                   "{d}/m.png: output: unknown extension; use one of .html, .htm (got '.png')"),
    "export-format-unknown": (["export", "{s}", "-o", "{d}/c.shp"],
                              "{d}/c.shp: output: unknown export format; use one of .geojson, "
                              ".json, .gpkg, .kml, .kmz (got '.shp')"),
    "export-to-stdout-without-f": (["export", "{s}", "-o", "-"],
                                   "output: give a file name ending in .geojson, .json, .gpkg, "
                                   ".kml, .kmz (got '-')"),
    "profile-feet-csv": (["profile", "{s}", "-o", "{d}/p.csv", "--feet"],
                         "--feet: adds a feet axis to a plot (png, svg, pdf); the CSV is in metres"),
    "missing-folder": (["stats", "{s}", "-o", "{d}/nope/z.csv"],
                       "{d}/nope/z.csv: output: folder does not exist (got '{d}/nope')"),
    "output-is-a-folder": (["stats", "{s}", "-o", "{d}"],
                           "{d}: output: is a directory; give a file name"),
    "output-named-toml": (["stats", "{s}", "-o", "{s}", "-f", "md"],
                            "{s}: output: unknown extension; use one of .md, .markdown, .csv, "
                            ".json (got '.toml')"),
    "two-outputs-one-place": (["whatif", "{s}", "--add", ADD, "-o", "-", "--map", "-"],
                              "standard output: output: goes to the same place as standard "
                              "output; give two different outputs"),
    "add-not-pairs": (["whatif", "{s}", "--add", "Mozyr"],
                      "--add[1]: expected key=value pairs separated by commas, e.g. "
                      "name=Mozyr,system=S-400/40N6,lon=29.25,lat=52.05 (got 'Mozyr')"),
    "system-show-unknown": (["systems", "show", "S-300p"],
                            "system id: unknown system id; did you mean S-300PS, S-300PMU-1, "
                            "S-300PMU-2? (got 'S-300p')"),
    "systems-no-match": (["systems", "zzzz"],
                         "systems: no system matches; see `adcov systems` (got 'zzzz')"),
    "systems-two-terms": (["systems", "s", "400"],
                          "systems: give at most one search term (quote it if it has spaces) "
                          "(got 's 400')"),
}


@pytest.fixture
def where(tmp_path, monkeypatch):
    # Relative paths, so that messages (which shorten long values) read the same everywhere.
    monkeypatch.chdir(tmp_path)
    scen = Path("small.toml")
    scen.write_text(SCENARIO, encoding="utf-8")
    out = Path("out")
    out.mkdir()
    return scen, out


def test_the_corpus_covers_every_command():
    assert {args[0] for args, _ in CASES.values()} >= {"stats", "map", "export", "profile",
                                                        "whatif", "systems"}


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_bad_arguments_exit_2_with_one_exact_line(case_id, where):
    scen, out = where
    args, message = CASES[case_id]
    fill = {"s": str(scen), "d": str(out)}
    res = CliRunner().invoke(cli, [a.format(**fill) for a in args])
    assert res.exit_code == 2, (res.stderr, res.exception)
    assert res.stderr == f"adcov: error: {message.format(**fill)}\n"
    assert "Traceback" not in res.stderr
    assert list(out.iterdir()) == []
    assert scen.read_text(encoding="utf-8") == SCENARIO
