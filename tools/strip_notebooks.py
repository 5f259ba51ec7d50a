"""Strip notebooks in place for git: no outputs, no execution counts, minimal metadata.

The notebooks in ``notebooks/`` are the source: edit them in Jupyter, then run::

    python tools/strip_notebooks.py                # strip every notebooks/*.ipynb
    python tools/strip_notebooks.py PATH.ipynb     # strip the notebooks named
    python tools/strip_notebooks.py --check        # change nothing; exit 1 if one is not stripped

Stripping empties every code cell's outputs, sets its execution count to null, drops cell
metadata other than ``tags``, and sets the notebook metadata to the ``python3`` kernelspec and
``language_info.name``. Cell sources and ids are kept. It is idempotent: a stripped notebook is
left byte for byte as it is (``tests/test_notebooks.py`` checks that for every notebook).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

with warnings.catch_warnings():  # some jupyter_core 5.x warn about platformdirs on import
    warnings.simplefilter("ignore", DeprecationWarning)
    import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"

METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
KEEP_CELL_METADATA = ("tags",)


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip ``nb`` in place and return it."""
    nb.metadata = nbformat.from_dict(METADATA)
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict(
            {k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA and v})
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def stripped_text(text: str) -> str:
    """The stripped form of a notebook's JSON text, as it is stored in git."""
    nb = strip(nbformat.reads(text, as_version=4))
    nbformat.validate(nb)
    out = nbformat.writes(nb)
    return out if out.endswith("\n") else out + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path,
                        help="notebooks to strip (default: notebooks/*.ipynb)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a notebook is not stored stripped")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    unstripped = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new = stripped_text(text)
        if new == text:
            continue
        unstripped.append(path)
        if not args.check:
            path.write_text(new, encoding="utf-8")
            print("stripped", path)
    if args.check and unstripped:
        print("not stripped (run python tools/strip_notebooks.py):",
              ", ".join(str(p) for p in unstripped), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
