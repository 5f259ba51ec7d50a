"""Every example in the README works: each `adcov` command line of its shell blocks runs (in a
folder holding the files the examples name), and its Python block runs as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from adcov.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.S | re.M)


def _commands() -> list[str]:
    out = []
    for block in _blocks("sh"):
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("adcov "):
                out.append(line)
    return out


COMMANDS = _commands()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The files the examples name: a scenario `my.toml` and a `sites.csv`."""
    d = tmp_path_factory.mktemp("readme")
    toml = _blocks("toml")[0]
    (d / "my.toml").write_text(toml, encoding="utf-8")
    (d / "sites.csv").write_text("Name;System;Latitude;Longitude;unit\n"
                                 "Brest;S-300PS;52°05'24\"N;23°41'24\"E;1st bn\n"
                                 "Minsk;tor-m2;53.90;27.56;2nd bn\n", encoding="utf-8")
    return d


def test_the_readme_has_examples():
    assert len(COMMANDS) >= 15
    assert {c.split()[1] for c in COMMANDS} >= {"map", "stats", "compare", "whatif",
                                                 "profile", "export", "systems", "regions",
                                                 "validate"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_readme_command_runs(command, folder, monkeypatch):
    monkeypatch.chdir(folder)
    args = shlex.split(command)[1:]
    if "-o" in args:
        args.append("--force")  # examples may share an output name
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, (command, res.stderr, res.exception)
    if "-o" in args:
        out = folder / args[args.index("-o") + 1]
        assert out.stat().st_size > 0


def test_the_readme_python_block_runs(folder, monkeypatch):
    """The notebook example, run as it is written (the map and the plot need no display)."""
    monkeypatch.chdir(folder)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    (code,) = _blocks("python")
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    result = namespace["result"]
    assert len(result.zones) == 6 * 7 and result.scenario.label == "belarus-2023"
