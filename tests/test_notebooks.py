"""The notebooks in ``notebooks/``: stored stripped, and executed top to bottom.

The ``.ipynb`` files are the source: edit them in Jupyter, then strip them with
``python tools/strip_notebooks.py`` (outputs, execution counts and metadata); a test checks
that stripping would change nothing. Each notebook runs in a real Jupyter kernel (nbclient,
kernel ``python3``) whose working directory is a temporary directory, so nothing it writes
lands in the repository. The kernel imports this repository's ``adcov`` package
(``PYTHONPATH`` puts the source root ``coverage/`` first, which is also right under an editable
install), and a probe cell checks that it did.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

# Some jupyter_core 5.x releases warn on import (DeprecationWarning, raised as an error under the
# suite's filterwarnings = error) that its user paths will move to platformdirs in v6 unless
# JUPYTER_PLATFORM_DIRS is set. It concerns the user's Jupyter config, not this project, and is
# emitted once while jupyter_client is imported, so it is ignored for these imports only.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning,
                            message="Jupyter is migrating its paths to use standard platformdirs")
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = ("01-western-direction.ipynb", "02-southern-s400.ipynb",
            "03-bring-your-own-scenario.ipynb")
KERNEL = "python3"
CELL_TIMEOUT_S = 300
STRIPPER = ROOT / "tools" / "strip_notebooks.py"
PROBE = "import adcov as _adcov_probe\nprint('ADCOV-PACKAGE', _adcov_probe.__file__)"


def _ids(paths):
    return [p.stem for p in paths]


# ------------------------------------------------------------------------------ stored form
def test_the_three_notebooks_are_there():
    assert set(EXPECTED) <= {p.name for p in NOTEBOOKS}


def _stripper():
    spec = importlib.util.spec_from_file_location("strip_notebooks", STRIPPER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _strip_hint(path) -> str:
    return (f"notebooks/{path.name} is not stored stripped: after editing a notebook, run "
            f"`python tools/strip_notebooks.py notebooks/{path.name}` "
            "(or `python tools/strip_notebooks.py` for all of them) and commit the result")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_stored_stripped(path):
    text = path.read_text(encoding="utf-8")
    raw = json.loads(text)
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert raw["nbformat"] == 4
    hint = _strip_hint(path)
    assert set(nb.metadata) <= {"kernelspec", "language_info"}, (hint, dict(nb.metadata))
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL, hint
    assert set(nb.metadata.get("language_info", {})) <= {"name"}, hint
    for i, cell in enumerate(nb.cells):
        where = f"{path.name} cell {i}"
        assert "execution" not in cell.metadata, f"{where}: {hint}"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{where} has outputs: {hint}"
            assert cell.execution_count is None, f"{where} has an execution count: {hint}"
        assert "attachments" not in cell or not cell.attachments, (
            f"{where} has an attachment (an image pasted into a markdown cell): keep images out "
            "of the notebooks")
    # The stripper is the definition of "stored stripped": running it changes nothing.
    assert _stripper().stripped_text(text) == text, hint


def test_stripper_strips_what_jupyter_adds_and_is_idempotent():
    """An executed, saved notebook (outputs, counts, Jupyter's metadata) strips back to the
    stored file, and stripping twice changes nothing more."""
    stripper = _stripper()
    path = NOTEBOOKS[0]
    stored = path.read_text(encoding="utf-8")
    nb = nbformat.reads(stored, as_version=4)
    nb.metadata.kernelspec = {"display_name": "Python 3 (ipykernel)", "language": "python",
                              "name": "python3"}
    nb.metadata.language_info = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python",
                                 "codemirror_mode": {"name": "ipython", "version": 3}}
    nb.metadata.widgets = {"application/vnd.jupyter.widget-state+json": {}}
    for n, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = n + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="out\n")]
        cell.metadata.update({"scrolled": True, "execution": {"iopub.status.idle": "now"}})
    dirty = nbformat.writes(nb)
    assert dirty != stored
    once = stripper.stripped_text(dirty)
    assert once == stored
    assert stripper.stripped_text(once) == once


# ------------------------------------------------------------------------------ execution
def _spec_uses_this_interpreter(spec) -> bool:
    exe = spec.argv[0] if spec.argv else ""
    # jupyter_client runs "python", "python3" and "python3.X" as sys.executable.
    bare = {"python", f"python{sys.version_info[0]}", "python%d.%d" % sys.version_info[:2]}
    return exe in bare or os.path.abspath(exe) == os.path.abspath(sys.executable)


@pytest.fixture(scope="session")
def kernel_env(tmp_path_factory):
    """Environment for the kernel; installs a ``python3`` kernelspec for this interpreter into a
    temporary prefix when none is found or the one found runs another Python."""
    with pytest.MonkeyPatch.context() as mp:
        try:
            spec = KernelSpecManager().get_kernel_spec(KERNEL)
            usable = _spec_uses_this_interpreter(spec)
        except NoSuchKernel:
            usable = False
        if not usable:
            prefix = tmp_path_factory.mktemp("jupyter-prefix")
            subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix",
                            str(prefix), "--name", KERNEL], check=True, capture_output=True)
            data_dir = prefix / "share" / "jupyter"
            mp.setenv("JUPYTER_PATH", os.pathsep.join(
                [str(data_dir)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]))
            spec = KernelSpecManager().get_kernel_spec(KERNEL)
            assert _spec_uses_this_interpreter(spec), spec.argv

        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT / "coverage")] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        # Figures must reach the notebook as image/png even where MPLBACKEND=Agg is set (CI).
        env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        yield env


def _outputs(cell):
    return cell.get("outputs", [])


def _text(cell) -> str:
    parts = []
    for out in _outputs(cell):
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out:
            parts.append(out.data.get("text/plain", ""))
    return "".join(parts)


def _cells_with(nb, needle):
    return [c for c in nb.cells if c.cell_type == "code" and needle in c.source]


def _run(path, kernel_env, workdir) -> tuple[nbformat.NotebookNode, float]:
    nb = nbformat.read(path, as_version=4)
    nb = copy.deepcopy(nb)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    try:
        client.execute(env=kernel_env)
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}", pytrace=False)
    return nb, time.perf_counter() - start


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_executes(path, kernel_env, tmp_path, record_property):
    before = sorted(p.name for p in NOTEBOOK_DIR.iterdir())
    nb, seconds = _run(path, kernel_env, tmp_path)
    record_property("seconds", round(seconds, 1))
    print(f"{path.name}: {seconds:.1f} s")

    # The kernel ran this repository's package.
    probe = _text(nb.cells[0])
    assert "ADCOV-PACKAGE" in probe, probe
    package = Path(probe.split("ADCOV-PACKAGE", 1)[1].strip()).resolve()
    assert package == (ROOT / "coverage" / "adcov" / "__init__.py").resolve(), package

    errors = [(i, out.ename, out.evalue) for i, c in enumerate(nb.cells) for out in _outputs(c)
              if out.output_type == "error"]
    assert errors == []
    # Nothing was written next to the notebooks.
    assert sorted(p.name for p in NOTEBOOK_DIR.iterdir()) == before

    # Every notebook shows a map (self-contained: the data block is inline) ...
    map_cells = [c for c in nb.cells if c.cell_type == "code"
                 and c.source.strip().splitlines()[-1].endswith("tiles=\"none\")")
                 and ".map(" in c.source]
    assert map_cells, "no map cell"
    for c in map_cells:
        html = [o.data["text/html"] for o in _outputs(c) if "text/html" in o.get("data", {})]
        assert html and "adcov-data" in html[0], "the map cell did not display the map"
    # ... and a profile plot as an image.
    plot_cells = _cells_with(nb, "plt.show()")
    assert plot_cells, "no plot cell"
    for c in plot_cells:
        assert any("image/png" in o.get("data", {}) for o in _outputs(c)), \
            "the profile cell produced no image/png"

    text = "\n".join(_text(c) for c in nb.cells)
    if path.name.startswith("01-"):
        assert "Western direction fully covered at some altitude:" in text
        assert any("altitude_profile(" in c.source for c in plot_cells)
    elif path.name.startswith("02-"):
        assert "belarus-2023 - belarus-2021" in text
        assert "_2023.map(compare=" in map_cells[0].source
    elif path.name.startswith("03-"):
        assert "problems: []" in text
        assert "problems found:" in text
        layers = _cells_with(nb, "pyogrio.list_layers")
        assert layers and "envelopes" in _text(layers[0])
        assert "all checks passed" in text
