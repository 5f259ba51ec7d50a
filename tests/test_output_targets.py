"""Where output goes: devices, FIFOs, standard output and symlinks; the format from the
extension; outputs checked before the work; write failures as one line; optional packages
asked for before computing; a closed pipe."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from adcov.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = """name = "small"
region = "BLR"
altitudes_m = [1000]

[[sites]]
name = "Minsk"
system = "Tor-M2"
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


def listing(folder: Path) -> set:
    return {p.name for p in folder.iterdir()}


def subprocess_adcov(*args, stdout=subprocess.PIPE):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "coverage")}
    return subprocess.run([sys.executable, "-m", "adcov", *map(str, args)], env=env,
                          stdout=stdout, stderr=subprocess.PIPE)


# ------------------------------------------------------------------------------ streams
def test_a_fifo_is_written_through_without_force(scen, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = {}

    def reader():
        with open(fifo, "rb") as fh:
            got["data"] = fh.read()

    t = threading.Thread(target=reader)
    t.start()
    res = run("stats", scen, "-f", "csv", "-o", fifo)
    t.join(timeout=60)
    assert res.exit_code == 0, res.stderr
    assert got["data"].startswith(b"scenario,altitude_m,zone,")
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a FIFO, not replaced by a file
    assert listing(tmp_path) == {"small.toml", "pipe"}


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_dev_null_with_or_without_force(scen, force):
    res = run("stats", scen, "-o", "/dev/null", *force)
    assert res.exit_code == 0, res.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root (CI runs as root)")
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_character_device_made_with_mknod_stays_a_device(scen, tmp_path, force):
    dev = tmp_path / "null"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the null device's numbers
    res = run("map", scen, "--tiles", "none", "-o", dev, *force)
    assert res.exit_code == 0, res.stderr
    assert stat.S_ISCHR(dev.stat().st_mode)
    assert listing(tmp_path) == {"small.toml", "null"}


def test_dev_full_is_a_write_failure_with_one_line(scen):
    res = subprocess_adcov("map", scen, "--tiles", "none", "-o", "/dev/full", "--force")
    assert res.returncode == 1
    assert res.stderr.decode() == "adcov: error: /dev/full: cannot write: No space left on " \
                                  "device\n"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.parametrize("command, start", [
    (["stats", "{s}", "-f", "csv"], b"scenario,altitude_m"),
    (["map", "{s}", "--tiles", "none"], b"<!DOCTYPE html>"),
    (["export", "{s}", "-f", "geojson"], b'{"type":"FeatureCollection"'),
    (["export", "{s}", "-f", "kml"], b'<?xml version="1.0"'),
    (["profile", "{s}", "-f", "csv"], b"altitude_m,zone"),
    (["profile", "{s}", "-f", "svg"], b"<?xml"),
    (["systems", "-f", "csv"], b"id,name,kind"),
    (["regions", "bel", "-f", "json"], b"["),
])
def test_dash_is_standard_output(scen, command, start):
    res = subprocess_adcov(*[c.format(s=scen) for c in command], "-o", "-")
    assert res.returncode == 0, res.stderr
    assert res.stdout.lstrip().startswith(start), res.stdout[:80]


def test_dev_stdout_redirected_to_a_file_is_written_through(scen, tmp_path):
    """``-o /dev/stdout`` with the shell sending stdout to a file: the file gets the output (a
    rename over it would leave the shell's file empty)."""
    out = tmp_path / "shell.csv"
    with open(out, "wb") as fh:
        res = subprocess_adcov("stats", scen, "-f", "csv", "-o", "/dev/stdout", stdout=fh)
    assert res.returncode == 0, res.stderr
    assert out.read_bytes().startswith(b"scenario,altitude_m,zone,")


# ------------------------------------------------------------------------------ symlinks
def test_a_symlink_is_followed_and_its_target_replaced(scen, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert run("stats", scen, "-o", link).exit_code == 2  # exists: needs --force
    res = run("stats", scen, "-o", link, "--force")
    assert res.exit_code == 0, res.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("scenario,altitude_m,zone,")


def test_a_dangling_symlink_creates_its_target(scen, tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "new.csv")
    res = run("stats", scen, "-o", link)
    assert res.exit_code == 0, res.stderr
    assert link.is_symlink() and (tmp_path / "new.csv").read_text().startswith("scenario,")


def test_a_symlink_to_an_input_is_refused(scen, tmp_path):
    link = tmp_path / "sneaky.md"
    link.symlink_to(scen)
    before = scen.read_bytes()
    res = run("stats", scen, "-o", link, "--force")
    assert res.exit_code == 2 and "output would overwrite an input file" in res.stderr
    assert scen.read_bytes() == before


# ------------------------------------------------------------------------------ formats
@pytest.mark.parametrize("name, start", [("z.csv", "scenario,"), ("z.json", "{"),
                                         ("z.md", "# small"), ("z.MARKDOWN", "# small")])
def test_the_extension_chooses_the_format(scen, tmp_path, name, start):
    res = run("stats", scen, "-o", tmp_path / name)
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / name).read_text().startswith(start)


@pytest.mark.parametrize("command, name, message", [
    (["stats", "{s}", "-f", "json"], "zones.csv",
     "-f json contradicts the extension, which means csv (got '.csv')"),
    (["stats", "{s}"], "zones.xlsx", "unknown extension; use one of .md, .markdown, .csv, "
                                     ".json (got '.xlsx')"),
    (["map", "{s}"], "map.png", "unknown extension; use one of .html, .htm (got '.png')"),
    (["profile", "{s}", "-f", "png"], "p.svg",
     "-f png contradicts the extension, which means svg (got '.svg')"),
    (["export", "{s}", "-f", "kml"], "c.gpkg",
     "-f kml contradicts the extension, which means gpkg (got '.gpkg')"),
])
def test_bad_formats_exit_2_before_any_work(scen, tmp_path, command, name, message):
    out = tmp_path / name
    res = run(*[c.format(s=scen) for c in command], "-o", out)
    assert res.exit_code == 2
    assert res.stderr == f"adcov: error: {out}: output: {message}\n"
    assert listing(tmp_path) == {"small.toml"}


def test_two_outputs_to_one_place_are_refused(scen, tmp_path):
    out = tmp_path / "same.html"
    res = run("whatif", scen, "--add", "name=X,system=Tor-M2,lon=28,lat=53", "-o", out,
              "--map", out, "-f", "md")
    assert res.exit_code == 2
    # The -f md output to a .html path is itself refused first: the extension disagrees.
    res = run("whatif", scen, "--add", "name=X,system=Tor-M2,lon=28,lat=53", "-o", "-",
              "--map", "-")
    assert res.exit_code == 2 and "goes to the same place" in res.stderr
    link = tmp_path / "alias.html"
    link.symlink_to(tmp_path / "m.html")
    res = run("whatif", scen, "--add", "name=X,system=Tor-M2,lon=28,lat=53",
              "--map", tmp_path / "m.html", "-o", "-", "-f", "csv")
    assert res.exit_code == 0, res.stderr
    res = run("whatif", scen, "--add", "name=X,system=Tor-M2,lon=28,lat=53", "--force",
              "--map", tmp_path / "m.html", "-o", link)
    assert res.exit_code == 2


# ------------------------------------------------------------------------------ failures
@pytest.fixture
def small_fs(tmp_path):
    """A 64 KiB tmpfs (root can mount one here and in CI); the test is about a full disk."""
    mnt = tmp_path / "fs"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


@pytest.fixture
def readonly_fs(tmp_path):
    mnt = tmp_path / "ro"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=16k", "tmpfs", str(mnt)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


def test_a_full_disk_is_one_line_exit_1_and_leaves_nothing(scen, small_fs):
    out = small_fs / "map.html"
    res = subprocess_adcov("map", scen, "--tiles", "none", "-o", out)
    assert res.returncode == 1
    assert res.stderr.decode() == f"adcov: error: {out}: cannot write: No space left on device\n"
    assert listing(small_fs) == set()


def test_a_read_only_folder_is_refused_before_computing(scen, readonly_fs):
    out = readonly_fs / "zones.csv"
    res = subprocess_adcov("-v", "stats", scen, "-o", out)
    assert res.returncode == 2
    err = res.stderr.decode()
    assert err.endswith(f"adcov: error: {out}: output: folder is not writable (got "
                        f"'{readonly_fs}')\n")
    assert "analysing" not in err  # refused before the analysis started
    assert listing(readonly_fs) == set()


def test_a_missing_folder_is_refused_before_computing(scen, tmp_path):
    res = run("-v", "stats", scen, "-o", tmp_path / "nope" / "z.csv")
    assert res.exit_code == 2 and "folder does not exist" in res.stderr
    assert "analysing" not in res.stderr


def test_a_missing_optional_package_is_named_before_computing(scen, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    res = run("-v", "profile", scen, "-o", tmp_path / "p.png")
    assert res.exit_code == 2
    assert "needs the Python package 'matplotlib', which is not installed; install it with: " \
           "pip install 'airdefense-coverage[plot]'" in res.stderr
    assert "altitudes" not in res.stderr.replace("needs", "")
    assert listing(tmp_path) == {"small.toml"}


def test_internal_errors_name_the_flag_for_tracebacks(scen, monkeypatch):
    import adcov.analysis

    def broken(*a, **k):
        raise RuntimeError("something unexpected")

    monkeypatch.setattr(adcov.analysis, "analyze", broken)
    res = run("stats", scen)
    assert res.exit_code == 1
    assert res.stderr == ("adcov: internal error: RuntimeError: something unexpected (run with "
                          "-vv for the traceback)\n")
    res = run("-vv", "stats", scen)
    assert isinstance(res.exception, RuntimeError)  # -vv lets the traceback through


# ------------------------------------------------------------------------------ pipes
@pytest.mark.parametrize("command", ["adcov systems", "adcov regions", "adcov --help",
                                     "adcov stats belarus-2021 -f csv"])
def test_a_closed_pipe_ends_quietly(command):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "coverage")}
    script = f"set -o pipefail; {sys.executable} -m {command} | head -c 10 >/dev/null"
    for _ in range(3):  # the race between writer and reader differs run to run
        res = subprocess.run(["bash", "-c", script.replace(" -m adcov", " -m adcov", 1)],
                             env=env, capture_output=True)
        assert res.returncode == 0, res.stderr
        assert res.stderr == b"", res.stderr
