"""Where the shipped data lives: inside the installed package, or in the source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_path(*parts: str) -> Path:
    """Path of a shipped data file, e.g. ``data_path("systems", "catalog.toml")``.

    A wheel carries ``data/`` as ``adcov/_data/``; a source checkout (or an editable install)
    has it at the repository's top level, two folders above the package
    (``coverage/adcov/`` is the package inside the ``coverage/`` source root).
    """
    installed = _PACKAGE / "_data"
    base = installed if installed.is_dir() else _PACKAGE.parents[1] / "data"
    return base.joinpath(*parts)
