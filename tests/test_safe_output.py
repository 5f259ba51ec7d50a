"""Safe output: inputs are never overwritten, outputs only with --force and whole or not at all,
nothing goes to the network, the same input gives the same bytes, and user text cannot become
markup (KML) or a spreadsheet formula (CSV).

Small scenarios (one or two Tor-M2 sites, one altitude) keep the in-process runs short; the
determinism check runs the built-in belarus-2023 in separate processes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import adcov._io
from conftest import KML_DESCRIPTION_TAGS, kml_description_html
from adcov.render import tables
from adcov._io import write_atomic
from adcov.analysis import analyze
from adcov.cli import cli
from adcov.scenario import Scenario

REPO_ROOT = Path(__file__).resolve().parents[1]
ERROR_PREFIX = "adcov: error: "
KML = "{http://www.opengis.net/kml/2.2}"
SENTINEL = b"keep me\n"


def run(*args, **kw):
    return CliRunner().invoke(cli, [str(a) for a in args], **kw)


def scenario_text(name="safe output test", sites=(("A", 27.56, 53.90),), extra="", head=""):
    out = f"name = {json.dumps(name)}\nregion = \"BLR\"\naltitudes_m = [1000]\n{head}\n{extra}\n"
    for n, lon, lat in sites:
        out += f'[[sites]]\nname = {json.dumps(n)}\nsystem = "Tor-M2"\nlon = {lon}\nlat = {lat}\n'
    return out


def write_scenario(path: Path, **kw) -> Path:
    path.write_text(scenario_text(**kw), encoding="utf-8")
    return path


def listing(d: Path) -> set:
    """Every name in the folder, hidden temporary files included."""
    return set(os.listdir(d))


def one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(ERROR_PREFIX), lines[0]
    return lines[0]


# --------------------------------------------------------------------------- 1. inputs
@pytest.mark.parametrize("command", ["stats", "map", "compare", "profile-csv-named-toml"])
def test_output_onto_the_scenario_is_refused_even_with_force(command, tmp_path):
    scen = write_scenario(tmp_path / "scen.toml")
    other = write_scenario(tmp_path / "other.toml")
    original = scen.read_bytes()
    args = {
        "stats": ["stats", scen, "-f", "csv", "-o", scen, "--force"],
        "map": ["map", scen, "--tiles", "none", "-o", scen, "--force"],
        "compare": ["compare", other, scen, "-f", "csv", "-o", scen, "--force"],
        "profile-csv-named-toml": ["profile", scen, "-o", scen, "--force"],
    }[command]
    before = listing(tmp_path)
    res = run(*args)
    assert res.exit_code == 2, (res.stderr, res.exception)
    assert str(scen) in one_error_line(res.stderr)
    assert scen.read_bytes() == original
    assert listing(tmp_path) == before


@pytest.mark.parametrize("spelling", ["dot-dot", "symlink"])
def test_the_scenario_under_another_name_is_still_refused(spelling, tmp_path, monkeypatch):
    scen = write_scenario(tmp_path / "scen.toml")
    original = scen.read_bytes()
    (tmp_path / "sub").mkdir()
    if spelling == "symlink":
        (tmp_path / "link.toml").symlink_to(scen)
        out = "link.toml"
    else:
        out = "sub/../scen.toml"
    monkeypatch.chdir(tmp_path)
    res = run("stats", "scen.toml", "-f", "csv", "-o", out, "--force")
    assert res.exit_code == 2, (res.stderr, res.exception)
    one_error_line(res.stderr)
    assert scen.read_bytes() == original
    if spelling == "symlink":
        assert (tmp_path / "link.toml").is_symlink()


def test_output_onto_the_sites_file_is_refused_even_with_force(tmp_path):
    """The CSV a scenario reads its sites from is an input as much as the scenario file."""
    sites = tmp_path / "sites.csv"
    sites.write_text("name,system,lon,lat\nA,Tor-M2,27.56,53.9\n", encoding="utf-8")
    scen = tmp_path / "scen.toml"
    scen.write_text('name = "from csv"\nregion = "BLR"\naltitudes_m = [1000]\n'
                    'sites_file = "sites.csv"\n', encoding="utf-8")
    original = sites.read_bytes()
    res = run("stats", scen, "-f", "csv", "-o", sites, "--force")
    assert sites.read_bytes() == original, "adcov overwrote its own sites file"
    assert res.exit_code == 2, (res.stderr, res.exception)
    assert str(sites) in one_error_line(res.stderr)


# --------------------------------------------------------------------------- 2. --force
OUTPUTS = {
    "stats-csv": (["stats", "{scen}", "-f", "csv", "-o", "{out}"], "out.csv"),
    "stats-json": (["stats", "{scen}", "-f", "json", "-o", "{out}"], "out.json"),
    "export-geojson": (["export", "{scen}", "-o", "{out}"], "out.geojson"),
    "export-gpkg": (["export", "{scen}", "-o", "{out}"], "out.gpkg"),
    "profile-csv": (["profile", "{scen}", "--points", "25", "-o", "{out}"], "out.csv"),
    "map": (["map", "{scen}", "--tiles", "none", "-o", "{out}"], "out.html"),
}


@pytest.mark.parametrize("kind", list(OUTPUTS))
def test_existing_output_needs_force(kind, tmp_path):
    scen = write_scenario(tmp_path / "scen.toml")
    template, name = OUTPUTS[kind]
    out = tmp_path / name
    args = [a.format(scen=scen, out=out) for a in template]
    out.write_bytes(SENTINEL)
    ino = out.stat().st_ino
    before = listing(tmp_path)

    refused = run(*args)
    assert refused.exit_code == 2, (refused.stderr, refused.exception)
    line = one_error_line(refused.stderr)
    assert str(out) in line and "--force" in line
    assert out.read_bytes() == SENTINEL and out.stat().st_ino == ino
    assert listing(tmp_path) == before

    forced = run(*args, "--force")
    assert forced.exit_code == 0, (forced.stderr, forced.exception)
    assert out.read_bytes() != SENTINEL and out.stat().st_size > 0
    assert listing(tmp_path) == before, "a temporary file was left behind"
    if kind == "stats-csv":
        assert out.read_bytes() == run("stats", scen, "-f", "csv").stdout_bytes


# --------------------------------------------------------------------------- 3. failures
class Boom(OSError):
    pass


def _boom(*a, **k):
    raise Boom(28, "No space left on device")


def test_write_atomic_leaves_nothing_when_the_rename_fails(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_bytes(SENTINEL)
    monkeypatch.setattr(adcov._io.os, "replace", _boom)
    for data in ("a,b\n1,2\n", b"\x89PNG\r\n"):
        with pytest.raises(Boom):
            write_atomic(target, data)
        assert listing(tmp_path) == {"out.csv"}
        assert target.read_bytes() == SENTINEL
    with pytest.raises(Boom):
        write_atomic(tmp_path / "new.csv", "x\n")
    assert listing(tmp_path) == {"out.csv"}


def test_write_atomic_leaves_nothing_when_writing_fails(tmp_path):
    """Text that cannot be encoded fails half-way through the temporary file."""
    target = tmp_path / "out.csv"
    target.write_bytes(SENTINEL)
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "a" * 100_000 + "\ud800")
    assert listing(tmp_path) == {"out.csv"}
    assert target.read_bytes() == SENTINEL


def test_write_atomic_leaves_nothing_when_interrupted(tmp_path, monkeypatch):
    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(adcov._io.os, "chmod", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "out.csv", "x\n")
    assert listing(tmp_path) == set()


def test_write_atomic_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(SENTINEL)
    target.chmod(0o640)
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("kind", ["stats-csv", "export-gpkg", "export-geojson"])
def test_command_failing_at_the_rename_leaves_no_temporary_file(kind, tmp_path, monkeypatch):
    scen = write_scenario(tmp_path / "scen.toml")
    template, name = OUTPUTS[kind]
    out = tmp_path / name
    out.write_bytes(SENTINEL)
    before = listing(tmp_path)
    monkeypatch.setattr(adcov._io.os, "replace", _boom)  # the os module: export's too
    res = run(*[a.format(scen=scen, out=out) for a in template], "--force")
    assert res.exit_code == 1, (res.stderr, res.exception)
    line = res.stderr.strip()
    assert line == f"adcov: error: {out}: cannot write: No space left on device"
    assert "Traceback" not in res.stderr
    assert out.read_bytes() == SENTINEL
    assert listing(tmp_path) == before


# --------------------------------------------------------------------------- 4. no network
def test_no_network_access_at_run_time(tmp_path, monkeypatch):
    """stats, map with OSM tiles (the browser loads them, not adcov), export to GeoPackage and
    profile to CSV, all in-process with every way out to the network replaced by a trap."""
    calls = []

    def trap(name):
        def fn(*a, **k):
            calls.append((name, a[1:] if name.startswith("socket.") else a))
            raise OSError(f"network access attempted: {name}")
        return fn

    monkeypatch.setattr(socket.socket, "connect", trap("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", trap("socket.connect_ex"))
    monkeypatch.setattr(socket, "getaddrinfo", trap("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", trap("create_connection"))
    monkeypatch.setattr(socket, "gethostbyname", trap("gethostbyname"))
    # The traps work: what urllib / requests would do is caught and recorded.
    with pytest.raises(OSError, match="network access attempted"):
        socket.create_connection(("tile.openstreetmap.org", 443), timeout=1)
    with pytest.raises(OSError, match="network access attempted"):
        with socket.socket() as s:
            s.connect(("192.0.2.1", 80))
    assert [c[0] for c in calls] == ["create_connection", "socket.connect"]
    calls.clear()

    scen = write_scenario(tmp_path / "scen.toml", sites=(("A", 27.56, 53.9), ("B", 23.7, 52.1)))
    jobs = {
        "stats": ["stats", scen, "-f", "csv", "-o", tmp_path / "zones.csv"],
        "map": ["map", scen, "--tiles", "osm", "-o", tmp_path / "map.html"],
        "export": ["export", scen, "-o", tmp_path / "layers.gpkg"],
        "profile": ["profile", scen, "--points", "25", "-o", tmp_path / "profile.csv"],
    }
    for job, args in jobs.items():
        res = run(*args)
        assert res.exit_code == 0, (job, res.stderr, res.exception)
        assert Path(args[-1]).stat().st_size > 0, job
    assert calls == [], f"network access attempted: {calls}"
    # The map refers to the tile server; it is the browser that would load the tiles.
    assert "tile.openstreetmap.org" in (tmp_path / "map.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- 5. determinism
DETERMINISM_JOBS = {
    "stats.csv": ["stats", "belarus-2023", "-f", "csv", "-o", "stats.csv"],
    "stats.json": ["stats", "belarus-2023", "-f", "json", "-o", "stats.json"],
    "export.geojson": ["export", "belarus-2023", "-o", "export.geojson"],
}


def test_same_input_gives_the_same_bytes_whatever_the_hash_seed(tmp_path):
    procs = []
    for seed in ("0", "12345"):
        d = tmp_path / f"seed-{seed}"
        d.mkdir()
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONHASHSEED": seed}
        for job, args in DETERMINISM_JOBS.items():
            procs.append((seed, job, subprocess.Popen(
                [sys.executable, "-m", "adcov", *args], cwd=d, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    for seed, job, p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, (seed, job, err.decode())
    for job in DETERMINISM_JOBS:
        a = (tmp_path / "seed-0" / job).read_bytes()
        b = (tmp_path / "seed-12345" / job).read_bytes()
        assert len(a) > 1000
        assert a == b, f"{job} differs between PYTHONHASHSEED=0 and 12345"
    doc = json.loads((tmp_path / "seed-0" / "stats.json").read_text(encoding="utf-8"))
    assert doc["scenario"]["label"] == "belarus-2023"


# --------------------------------------------------------------------------- 6. escaping
HOSTILE = {
    "scenario": 'Ops <b>bold</b> & "quoted" ]]> <!-- c --> <![CDATA[x]]>',
    "description": "</description><script>alert(1)</script> &amp; &#x41;",
    "site": "<b>Brest</b> & <i>'x'</i>",
    "system": 'Evil<b>SAM</b>&"x"',
    "family": "<Family> & co",
    "source": "<a href='javascript:alert(1)'>report</a>",
}


def test_kml_escapes_every_user_text(tmp_path):
    scen = tmp_path / "hostile.toml"
    scen.write_text(
        f'name = {json.dumps(HOSTILE["scenario"])}\n'
        f'description = {json.dumps(HOSTILE["description"])}\n'
        'region = "BLR"\naltitudes_m = [1000]\n\n'
        f'[systems.{json.dumps(HOSTILE["system"])}]\n'
        'max_range_km = 30\nmin_range_km = 1\nmax_altitude_m = 10000\nmin_altitude_m = 10\n'
        f'antenna_height_m = 10\nfamily = {json.dumps(HOSTILE["family"])}\n\n'
        f'[[sites]]\nname = {json.dumps(HOSTILE["site"])}\nsystem = {json.dumps(HOSTILE["system"])}\n'
        f'lon = 27.56\nlat = 53.9\nsource = {json.dumps(HOSTILE["source"])}\n',
        encoding="utf-8")
    out = tmp_path / "hostile.kml"
    res = run("export", scen, "-o", out)
    assert res.exit_code == 0, (res.stderr, res.exception)
    raw = out.read_text(encoding="utf-8")
    for tag in ("<b>", "<i>", "<script>", "<a ", "<Family>", "<!--", "<![CDATA["):
        assert tag not in raw, f"unescaped {tag!r} in the KML"
    root = ET.fromstring(out.read_bytes())  # well-formed XML
    doc = root.find(f"{KML}Document")
    assert doc.find(f"{KML}name").text == HOSTILE["scenario"]
    tags, text = kml_description_html(doc.find(f"{KML}description").text)
    assert tags == set() and text.endswith(HOSTILE["description"])
    names = [el.text for el in root.iter(f"{KML}name")]
    assert HOSTILE["site"] in names
    assert f'{HOSTILE["site"]} (1000 m)' in names
    assert HOSTILE["system"] in names  # the per-system folder
    # Google Earth renders descriptions as HTML: read them so, and find no element that came
    # from user text (only the exporter's own <b> and <br>), and the user text intact.
    read = [kml_description_html(el.text) for el in root.iter(f"{KML}description")]
    for tags, _ in read:
        assert tags <= KML_DESCRIPTION_TAGS, tags
    descs = "\n".join(text for _, text in read)
    assert f'System: {HOSTILE["system"]}' in descs
    assert f'Source: {HOSTILE["source"]}' in descs
    assert f'Site: {HOSTILE["site"]}' in descs
    # Style ids come from the family: only safe characters, and every styleUrl resolves.
    ids = {st.get("id") for st in root.iter(f"{KML}Style")}
    assert all(i and all(c.isalnum() or c == "-" for c in i) for i in ids), ids
    for url in root.iter(f"{KML}styleUrl"):
        assert url.text.startswith("#") and url.text[1:] in ids


FORMULA_STEMS = ["=cmd", "+cmd", "-cmd", "@cmd", "=HYPERLINK(\"x\")"]


@pytest.mark.parametrize("stem", FORMULA_STEMS)
def test_csv_scenario_label_cannot_run_as_a_formula(stem, tmp_path):
    scen = write_scenario(tmp_path / f"{stem}.toml")
    res = run("stats", scen, "-f", "csv")
    assert res.exit_code == 0, (res.stderr, res.exception)
    rows = list(csv.reader(io.StringIO(res.stdout, newline="")))
    assert rows[0][0] == "scenario"
    labels = {r[0] for r in rows[1:]}
    assert labels == {"'" + stem}
    for r in rows[1:]:
        for cell in r[1:]:
            assert not cell.startswith("'"), r  # numbers and zone names untouched


def test_csv_profile_neutralises_text_and_keeps_negative_numbers(tmp_path):
    """A sector named "-west" (sector names may start with '-') in ``adcov profile -o x.csv``,
    and negative differences in ``adcov compare -f csv``."""
    sectors = '[sectors]\n"-west" = ["POL", "LTU", "LVA"]\nsouth = ["UKR"]\neast = ["RUS"]\n'
    scen = write_scenario(tmp_path / "a.toml", extra=sectors,
                          sites=(("A", 27.56, 53.9), ("B", 23.7, 52.1)))
    out = tmp_path / "x.csv"
    res = run("profile", scen, "--points", "25", "-o", out)
    assert res.exit_code == 0, (res.stderr, res.exception)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    zones = {r["zone"] for r in rows}
    assert "'-west" in zones and "-west" not in zones
    assert {"BLR", "south", "east"} <= zones

    # B lacks site B (23.7 E, in the west): its difference rows go negative.
    fewer = write_scenario(tmp_path / "=fewer.toml", extra=sectors, sites=(("A", 27.56, 53.9),))
    res = run("compare", scen, fewer, "-f", "csv")
    assert res.exit_code == 0, (res.stderr, res.exception)
    rows = list(csv.DictReader(io.StringIO(res.stdout, newline="")))
    diff = [r for r in rows if r["scenario"] not in ("a", "'=fewer")]
    assert {r["scenario"] for r in diff} == {"'=fewer - a"}
    negative = [r["covered_km2"] for r in diff if r["covered_km2"].startswith("-")]
    assert negative, "site B's removal should lower some zone's coverage"
    for cell in negative:
        assert float(cell) < 0  # a plain negative number, no apostrophe
    assert "'-west_belt" in {r["zone"] for r in rows}


def test_csv_site_names_are_neutralised_in_python_tables(tmp_path):
    scen = write_scenario(tmp_path / "s.toml", sites=(("=2+3", 27.56, 53.9), ("@SUM(A1)", 23.7, 52.1),
                                                      ("-1", 30.0, 53.8), ("+x", 28.0, 52.5)))
    res = analyze(Scenario.from_file(scen))
    text = tables.to_csv(res.sites)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {r["site"] for r in rows} == {"'=2+3", "'@SUM(A1)", "'-1", "'+x"}
    for r in rows:
        float(r["lon"]), float(r["covered_km2"])  # numbers stay numbers
