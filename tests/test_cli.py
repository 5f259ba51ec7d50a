"""The ``adcov`` command line (DESIGN.md 4.2).

Most cases run in-process through click's CliRunner against ``adcov.cli.cli``; a few run
``python -m adcov`` as a subprocess to check real exit codes and stderr. Built-in scenario
runs (about 1 s each) are shared through module-scoped fixtures; everything else uses small
custom scenarios (1-2 Tor-M2 sites, 1-2 altitudes).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from adcov.catalog import default_catalog
from adcov.cli import cli

REPO_ROOT = Path(__file__).resolve().parents[1]

ZONE_HEADER = (
    "scenario,altitude_m,zone,zone_kind,area_km2,covered_km2,covered_fraction,mean_depth,"
    "depth2_km2,depth3_km2,gap_count,largest_gap_km2,border_km,border_covered_km,"
    "border_covered_fraction,forward_km2,forward_reach_km"
)
BUILTIN_ALTITUDES = (50.0, 300.0, 1000.0, 5000.0, 10000.0, 20000.0)
BLR_ZONES = ("BLR", "west", "south", "east", "west_belt", "south_belt", "east_belt")
BLR_SECTORS = {"west": ["POL", "LTU", "LVA"], "south": ["UKR"], "east": ["RUS"]}
ERROR_PREFIX = "adcov: error: "


# --------------------------------------------------------------------------- helpers
def run(*args, **kw):
    """Invoke the CLI in-process; stdout and stderr are kept apart (click >= 8.2)."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True, **kw)


def run_subprocess(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, "-m", "adcov", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def site_toml(name="A", system="Tor-M2", lon=27.56, lat=53.90, extra=""):
    return (f'[[sites]]\nname = {json.dumps(name, ensure_ascii=False)}\nsystem = "{system}"\n'
            f"lon = {lon}\nlat = {lat}\n{extra}\n")


def scenario_toml(*, head="", sites=None, tail=""):
    """A small valid BLR scenario (one Tor-M2 site at Minsk, one altitude) with pieces swapped in."""
    if sites is None:
        sites = site_toml()
    top = 'name = "small test scenario"\n' + (head if "region" in head else 'region = "BLR"\n' + head)
    if "altitudes_m" not in head:
        top += "altitudes_m = [1000]\n"
    return top + "\n" + tail + "\n" + sites


def custom_system(**over):
    values = dict(max_range_km=100, min_range_km=3, max_altitude_m=25000, min_altitude_m=10,
                  antenna_height_m=20)
    values.update(over)
    body = "\n".join(f"{k} = {v}" for k, v in values.items())
    return f'[systems."Custom-X"]\n{body}\n'


def files_under(root: Path) -> set[str]:
    """Every file and folder under root, hidden ones (temp files) included."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def one_error_line(stderr: str) -> str:
    assert stderr.endswith("\n"), repr(stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{stderr}"
    assert lines[0].startswith(ERROR_PREFIX), lines[0]
    return lines[0]


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# --------------------------------------------------------------------------- 1. bad input
# Each builder writes its files into tmp_path and returns
# (scenario argument, file the message must name, entry, offending value as printed or None).
def _write(tmp_path, text, name="scenario.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _case_toml(text, entry, value):
    def build(tmp_path):
        p = _write(tmp_path, text)
        return p, p, entry, value
    return build


def _case_missing(tmp_path):
    p = tmp_path / "no-such-scenario.toml"
    return p, p, "not found", None


def _case_csv_bad_lat(tmp_path):
    sites = tmp_path / "sites.csv"
    sites.write_text("name,system,lon,lat\nA,Tor-M2,27.5,53.9\nB,Tor-M2,27.6,95\n",
                     encoding="utf-8")
    p = _write(tmp_path, 'name = "csv sites"\nregion = "BLR"\naltitudes_m = [1000]\n'
                         'sites_file = "sites.csv"\n')
    return p, sites, "row 2 (line 3).lat", "95"


def _case_geojson_linestring(tmp_path):
    fc = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "A", "system": "Tor-M2"},
        "geometry": {"type": "LineString", "coordinates": [[27.5, 53.9], [27.6, 54.0]]}}]}
    sites = tmp_path / "sites.geojson"
    sites.write_text(json.dumps(fc), encoding="utf-8")
    p = _write(tmp_path, 'name = "geojson sites"\nregion = "BLR"\naltitudes_m = [1000]\n'
                         'sites_file = "sites.geojson"\n')
    return p, sites, "features[0].geometry", "'LineString'"


_CX_SITE = site_toml(system="Custom-X")
BAD_INPUT = {
    "unknown-system": _case_toml(scenario_toml(sites=site_toml(system="NOPE-9")),
                                 "sites[0].system", "'NOPE-9'"),
    "lat-91": _case_toml(scenario_toml(sites=site_toml(lat=91)), "sites[0].lat", "91"),
    "lat-minus-91": _case_toml(scenario_toml(sites=site_toml(lat=-91)), "sites[0].lat", "-91"),
    "lon-181": _case_toml(scenario_toml(sites=site_toml(lon=181)), "sites[0].lon", "181"),
    "lon-minus-181": _case_toml(scenario_toml(sites=site_toml(lon=-181)), "sites[0].lon", "-181"),
    "negative-max-range": _case_toml(
        scenario_toml(tail=custom_system(max_range_km=-5), sites=_CX_SITE),
        'systems."Custom-X".max_range_km', "-5"),
    "nan-max-range": _case_toml(
        scenario_toml(tail=custom_system(max_range_km="nan"), sites=_CX_SITE),
        'systems."Custom-X".max_range_km', "nan"),
    "inf-max-range": _case_toml(
        scenario_toml(tail=custom_system(max_range_km="inf"), sites=_CX_SITE),
        'systems."Custom-X".max_range_km', "inf"),
    "min-range-not-below-max": _case_toml(
        scenario_toml(tail=custom_system(max_range_km=100, min_range_km=120), sites=_CX_SITE),
        'systems."Custom-X".min_range_km', "120"),
    "min-altitude-not-below-max": _case_toml(
        scenario_toml(tail=custom_system(max_altitude_m=25000, min_altitude_m=30000),
                      sites=_CX_SITE),
        'systems."Custom-X".min_altitude_m', "30000"),
    "no-sites-table": _case_toml(scenario_toml(sites=""), "sites", None),
    "sites-empty-array": _case_toml(scenario_toml(head="sites = []\n", sites=""), "sites", None),
    "unknown-region": _case_toml(scenario_toml(head='region = "XYZ"\n'), "region", "'XYZ'"),
    "unknown-neighbour-code": _case_toml(
        scenario_toml(tail='[sectors]\nwest = ["POL", "LTU", "LVA", "QQQ"]\nsouth = ["UKR"]\n'
                           'east = ["RUS"]\n'),
        "sectors.west", "'QQQ'"),
    "non-neighbour-in-sectors": _case_toml(
        scenario_toml(tail='[sectors]\nwest = ["POL", "LTU", "LVA", "DEU"]\nsouth = ["UKR"]\n'
                           'east = ["RUS"]\n'),
        "sectors.west", "'DEU'"),
    "duplicate-site-names": _case_toml(
        scenario_toml(sites=site_toml(name="Twin") + site_toml(name="Twin", lon=27.0)),
        "sites[1].name", "'Twin'"),
    "malformed-toml": _case_toml('name = "broken"\nregion = \n', "line 2", None),
    "missing-path": _case_missing,
    "csv-sites-bad-lat": _case_csv_bad_lat,
    "geojson-linestring": _case_geojson_linestring,
}


def _check_bad_input_line(line, file, entry, value):
    assert "Traceback" not in line
    assert str(file) in line, f"message does not name the file {file}: {line}"
    rest = line[len(ERROR_PREFIX):].replace(str(file), "", 1)
    assert entry in rest, f"message does not name the entry {entry!r}: {line}"
    if value is not None:
        after_entry = rest.split(entry, 1)[1]
        assert value in after_entry, f"message does not show the value {value!r}: {line}"


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_is_one_line_exit_2_and_no_output_file(case, tmp_path, monkeypatch):
    arg, file, entry, value = BAD_INPUT[case](tmp_path)
    monkeypatch.chdir(tmp_path)
    before = files_under(tmp_path)
    result = run("stats", arg, "-f", "csv", "-o", "out.csv")
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    line = one_error_line(result.stderr)
    _check_bad_input_line(line, file, entry, value)
    assert files_under(tmp_path) == before, "an output or temporary file was left behind"


@pytest.mark.parametrize("case", ["lat-91", "malformed-toml", "missing-path", "nan-max-range"])
def test_bad_input_subprocess(case, tmp_path):
    arg, file, entry, value = BAD_INPUT[case](tmp_path)
    before = files_under(tmp_path)
    proc = run_subprocess("stats", arg, "-f", "csv", "-o", "out.csv", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    _check_bad_input_line(one_error_line(proc.stderr), file, entry, value)
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_validate_reports_the_same_problem(case, tmp_path):
    arg, file, entry, value = BAD_INPUT[case](tmp_path)
    result = run("validate", arg)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) >= 2
    assert all(ln.startswith(ERROR_PREFIX) for ln in lines[:-1])
    assert re.search(r"\b\d+ problem", lines[-1]), lines[-1]
    _check_bad_input_line(lines[0], file, entry, value)


@pytest.mark.parametrize("case", ["negative-max-range", "min-range-not-below-max",
                                  "min-altitude-not-below-max"])
def test_validate_bad_system_override_is_one_problem_not_two(case, tmp_path):
    """A rejected [systems."X"] table must not also make every site using X an 'unknown system'."""
    arg, file, entry, value = BAD_INPUT[case](tmp_path)
    result = run("validate", arg)
    assert result.exit_code == 2
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith(ERROR_PREFIX)]
    assert len(errors) == 1, "\n".join(errors)


def test_output_into_missing_folder_is_bad_input(tmp_path, monkeypatch):
    p = _write(tmp_path, scenario_toml())
    monkeypatch.chdir(tmp_path)
    before = files_under(tmp_path)
    result = run("stats", p, "-f", "csv", "-o", "no-such-dir/out.csv")
    assert result.exit_code == 2, result.output
    line = one_error_line(result.stderr)
    assert "no-such-dir" in line
    assert files_under(tmp_path) == before


def test_output_onto_the_input_file_is_refused(tmp_path):
    p = _write(tmp_path, scenario_toml())
    original = p.read_bytes()
    result = run("stats", p, "-f", "csv", "-o", p)
    assert result.exit_code == 2, result.output
    one_error_line(result.stderr)
    assert p.read_bytes() == original


# --------------------------------------------------------------------------- 2. validate
def test_validate_reports_all_independent_problems(tmp_path):
    text = scenario_toml(head="belt_km = -5\n",
                         sites=site_toml(name="A", lat=91) + site_toml(name="B", system="NOPE-9"))
    p = _write(tmp_path, text)
    result = run("validate", p)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 4, result.stderr
    errors, summary = lines[:3], lines[3]
    assert all(ln.startswith(ERROR_PREFIX) and str(p) in ln for ln in errors)
    joined = "\n".join(errors)
    for entry in ("belt_km", "sites[0].lat", "sites[1].system"):
        assert entry in joined
    assert "3 problem" in summary


def test_validate_valid_file(tmp_path):
    p = _write(tmp_path, scenario_toml())
    result = run("validate", p)
    assert result.exit_code == 0, result.output
    assert "OK" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("name", ["belarus-2021", "belarus-2023"])
def test_validate_builtin_name(name):
    result = run("validate", name)
    assert result.exit_code == 0, result.output
    assert "OK" in result.stdout


# --------------------------------------------------------------------------- 3. stats
@pytest.fixture(scope="module")
def stats_md_default():
    return run("stats")


@pytest.fixture(scope="module")
def stats_csv():
    return run("stats", "-f", "csv")


@pytest.fixture(scope="module")
def stats_json():
    return run("stats", "-f", "json")


def test_stats_default_scenario_is_belarus_2021(stats_md_default):
    assert stats_md_default.exit_code == 0, stats_md_default.output
    assert "Belarus" in stats_md_default.stdout.splitlines()[0]
    assert "2021" in stats_md_default.stdout.splitlines()[0]


def test_stats_csv_header_and_rows(stats_csv):
    assert stats_csv.exit_code == 0, stats_csv.output
    lines = stats_csv.stdout.splitlines()
    assert lines[0] == ZONE_HEADER
    rows = csv_rows(stats_csv.stdout)
    assert len(rows) == 42 == len(lines) - 1
    assert {r["scenario"] for r in rows} == {"belarus-2021"}
    assert sorted({float(r["altitude_m"]) for r in rows}) == list(BUILTIN_ALTITUDES)
    for alt in BUILTIN_ALTITUDES:
        zones = [r["zone"] for r in rows if float(r["altitude_m"]) == alt]
        assert sorted(zones) == sorted(BLR_ZONES)
    for r in rows:
        assert 0.0 <= float(r["covered_fraction"]) <= 1.0
        assert float(r["covered_km2"]) <= float(r["area_km2"]) + 0.1


def test_stats_json_structure(stats_json):
    assert stats_json.exit_code == 0, stats_json.output
    doc = json.loads(stats_json.stdout)
    assert {"scenario", "assumptions", "zones", "sites", "overlaps"} <= set(doc)
    assert doc["assumptions"]["k_factor"] == pytest.approx(4 / 3, rel=1e-6)
    assert doc["assumptions"]["sectors"] == BLR_SECTORS
    assert len(doc["zones"]) == 42
    assert set(doc["zones"][0]) == set(ZONE_HEADER.split(","))
    assert doc["scenario"]["label"] == "belarus-2021"


def test_stats_csv_and_json_agree(stats_csv, stats_json):
    rows = csv_rows(stats_csv.stdout)
    zones = json.loads(stats_json.stdout)["zones"]
    assert len(rows) == len(zones)
    for r, z in zip(rows, zones):
        assert (float(r["altitude_m"]), r["zone"]) == (z["altitude_m"], z["zone"])
        assert float(r["covered_km2"]) == z["covered_km2"]


def test_stats_markdown_table_per_altitude(stats_md_default):
    out = stats_md_default.stdout
    headings = re.findall(r"^## altitude_m = (\S+)$", out, flags=re.M)
    assert [float(h) for h in headings] == list(BUILTIN_ALTITUDES)
    header_rows = [ln for ln in out.splitlines() if ln.startswith("| zone |")]
    assert len(header_rows) == 6
    separators = [ln for ln in out.splitlines() if re.fullmatch(r"\|(-+:?\|)+", ln)]
    assert len(separators) == 6
    for zone in BLR_ZONES:
        assert len(re.findall(rf"^\| {zone} \|", out, flags=re.M)) == 6


def test_stats_output_file_in_process(tmp_path):
    p = _write(tmp_path, scenario_toml())
    out = tmp_path / "zones.csv"
    to_file = run("stats", p, "-f", "csv", "-o", out)
    assert to_file.exit_code == 0, to_file.output
    assert to_file.stdout == ""
    to_stdout = run("stats", p, "-f", "csv")
    assert out.read_bytes() == to_stdout.stdout_bytes
    assert files_under(tmp_path) == {"scenario.toml", "zones.csv"}


def test_stats_output_file_subprocess_is_byte_identical(tmp_path, stats_csv):
    """A second run (a separate process, through -o) gives the very same bytes."""
    out = tmp_path / "zones.csv"
    proc = run_subprocess("stats", "-f", "csv", "-o", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert out.read_bytes() == stats_csv.stdout_bytes
    assert files_under(tmp_path) == {"zones.csv"}


# --------------------------------------------------------------------------- 4. compare
@pytest.fixture(scope="module")
def compare_csv():
    return run("compare", "belarus-2021", "belarus-2023", "-f", "csv")


def test_compare_rows_and_difference(compare_csv):
    assert compare_csv.exit_code == 0, compare_csv.output
    assert compare_csv.stdout.splitlines()[0] == ZONE_HEADER
    rows = csv_rows(compare_csv.stdout)
    by_label: dict[str, dict] = {}
    for r in rows:
        by_label.setdefault(r["scenario"], {})[(float(r["altitude_m"]), r["zone"])] = r
    assert {"belarus-2021", "belarus-2023"} <= set(by_label)
    diff_labels = set(by_label) - {"belarus-2021", "belarus-2023"}
    assert len(diff_labels) == 1
    diff = by_label[diff_labels.pop()]
    a, b = by_label["belarus-2021"], by_label["belarus-2023"]
    assert len(a) == len(b) == len(diff) == 42
    assert len(rows) == 3 * 42
    changed = 0
    for key, d in diff.items():
        expected = float(b[key]["covered_km2"]) - float(a[key]["covered_km2"])
        assert float(d["covered_km2"]) == pytest.approx(expected, abs=0.2), key
        changed += abs(expected) > 1
    assert changed > 0, "the 2023 scenario should change some coverage"


def test_compare_a_rows_match_stats(compare_csv, stats_csv):
    a_rows = [r for r in csv_rows(compare_csv.stdout) if r["scenario"] == "belarus-2021"]
    assert a_rows == csv_rows(stats_csv.stdout)


def test_compare_different_regions_is_bad_input(tmp_path):
    a = _write(tmp_path, scenario_toml(), "blr.toml")
    b = _write(tmp_path, scenario_toml(head='region = "LTU"\n',
                                       sites=site_toml(lon=25.28, lat=54.69)), "ltu.toml")
    result = run("compare", a, b, "-f", "csv")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    line = one_error_line(result.stderr)
    assert "region" in line and "LTU" in line


# --------------------------------------------------------------------------- 5. systems
def test_systems_lists_every_catalog_id():
    result = run("systems")
    assert result.exit_code == 0, result.output
    first_tokens = {ln.split()[0] for ln in result.stdout.splitlines() if ln.strip()}
    for sid in default_catalog():
        assert sid in first_tokens, sid


def test_systems_show_s400_40n6():
    result = run("systems", "show", "S-400/40N6")
    assert result.exit_code == 0, result.output
    out = result.stdout
    line = next(ln for ln in out.splitlines() if "max_range_km" in ln)
    assert re.search(r"\b400\b", line)
    assert re.search(r"\[[VSRE]\]\s+\S", line), line
    cite = default_catalog()["S-400/40N6"].citation("max_range_km")
    assert cite is not None and cite.reference.title in out


def test_systems_show_unknown():
    result = run("systems", "show", "NOPE")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    line = one_error_line(result.stderr)
    assert "'NOPE'" in line


def test_systems_show_unknown_subprocess():
    proc = run_subprocess("systems", "show", "NOPE")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "'NOPE'" in one_error_line(proc.stderr)


# --------------------------------------------------------------------------- 6. help
def test_python_m_coverage_help():
    proc = run_subprocess("--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout and "adcov" in proc.stdout
    for name in cli.commands:
        assert name in proc.stdout


def _command_paths(group, prefix=()):
    paths = [prefix]
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            paths += _command_paths(cmd, prefix + (name,))
        else:
            paths.append(prefix + (name,))
    return paths


@pytest.mark.parametrize("path", _command_paths(cli), ids=lambda p: " ".join(p) or "adcov")
def test_every_command_help_has_an_example(path):
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout
    assert "Example" in result.stdout, f"`adcov {' '.join(path)} --help` has no example"


# --------------------------------------------------------------------------- 7. hostile strings
HOSTILE_NAME = 'Evil <script>alert("x")</script>, "quoted", a,b\nsecond line: Брэст'
HOSTILE_SITES = ('Брэст, "A" <script>', "line1\nline2, 'single' \"double\"")
HOSTILE_STEM = 'Брэст, "<script>alert(1)",\nnext'  # no "/": it is a file name


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    text = (f"name = {json.dumps(HOSTILE_NAME, ensure_ascii=False)}\nregion = \"BLR\"\n"
            "altitudes_m = [1000, 5000]\n\n"
            + site_toml(name=HOSTILE_SITES[0], lon=23.69, lat=52.09)
            + site_toml(name=HOSTILE_SITES[1], lon=23.80, lat=52.12))
    p = d / f"{HOSTILE_STEM}.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_hostile_strings_csv(hostile):
    result = run("stats", hostile, "-f", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert rows[0] == ZONE_HEADER.split(",")
    assert len(rows) == 1 + 2 * 7
    assert all(len(r) == 17 for r in rows)
    assert {r[0] for r in rows[1:]} == {HOSTILE_STEM}


def test_hostile_strings_json(hostile):
    result = run("stats", hostile, "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["scenario"]["name"] == HOSTILE_NAME
    assert doc["scenario"]["label"] == HOSTILE_STEM
    assert len(doc["zones"]) == 14
    assert {r["site"] for r in doc["sites"]} == set(HOSTILE_SITES)
    assert doc["overlaps"], "the two sites are 8 km apart and should overlap"
    for r in doc["overlaps"]:
        assert {r["site_a"], r["site_b"]} == set(HOSTILE_SITES)


def test_hostile_name_keeps_markdown_title_on_one_line(hostile):
    result = run("stats", hostile, "-f", "md")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# ")
    assert lines[1] == "", f"the scenario name's newline broke the Markdown title: {lines[:3]!r}"
