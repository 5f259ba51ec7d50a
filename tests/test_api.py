"""The Python API: optional dependencies stay optional, the public surface is documented in
numpydoc style with units, and ``analyze`` returns what the README promises."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import adcov
from adcov import Scenario, analyze

REPO_ROOT = Path(__file__).resolve().parents[1]

MODULES = ["adcov", "adcov.geodesy", "adcov.radar", "adcov.projection", "adcov.envelope",
           "adcov.models", "adcov.models.engagement", "adcov.scenario", "adcov.catalog",
           "adcov.regions", "adcov.borders", "adcov.overlay", "adcov.stats", "adcov.sampling",
           "adcov.pipeline", "adcov.uncertainty",
           "adcov.analysis", "adcov.profile", "adcov.formats", "adcov.render.export",
           "adcov.render.maps", "adcov.render.tables", "adcov.render.plots",
           "adcov.render.style", "adcov.render.records", "adcov.sanity", "adcov.errors",
           "adcov.optimize", "adcov.render.optimize_map"]

NUMPYDOC_SECTIONS = {"Parameters", "Returns", "Yields", "Receives", "Other Parameters", "Raises",
                     "Warns", "Warnings", "See Also", "Notes", "References", "Examples",
                     "Attributes", "Methods"}
#: A parameter named like this is a physical quantity whose unit must be given as [unit].
PHYSICAL = re.compile(r"(_m|_km|_km2|_m2|_deg)$|^k_factor$")
UNIT = re.compile(r"\[[^\[\]]+\]")


# --------------------------------------------------------------------------- helpers
def public_objects():
    """(qualified name, object) of every public function and class of the main modules, once."""
    seen, out = set(), []
    for modname in MODULES:
        mod = importlib.import_module(modname)
        assert hasattr(mod, "__all__"), modname
        for name in mod.__all__:
            obj = getattr(mod, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or id(obj) in seen:
                continue
            seen.add(id(obj))
            out.append((f"{modname}.{name}", obj))
    return out


def public_functions():
    return [(n, o) for n, o in public_objects() if inspect.isfunction(o)]


def public_members():
    """Public methods and properties defined by the public classes."""
    out = []
    for qual, cls in public_objects():
        if not inspect.isclass(cls) or not cls.__module__.startswith("adcov"):
            continue
        for name, attr in vars(cls).items():
            if name.startswith("_"):
                continue
            if isinstance(attr, (classmethod, staticmethod)):
                attr = attr.__func__
            elif isinstance(attr, property):
                attr = attr.fget
            elif hasattr(attr, "func") and not inspect.isfunction(attr):  # cached_property
                attr = attr.func
            if inspect.isfunction(attr):
                out.append((f"{qual}.{name}", attr))
    return out


def sections(doc: str) -> dict:
    """numpydoc sections: a title line underlined with dashes of the same length."""
    heads = list(re.finditer(r"^(\S[^\n]*)\n(-{3,})[ \t]*$", doc, re.M))
    out = {}
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(doc)
        out[h.group(1).strip()] = doc[h.end():end]
    return out


def parameter_entries(body: str) -> dict:
    """{name: description} from a Parameters section (``a, b : type`` share one description)."""
    entries, names = {}, []
    for line in body.splitlines():
        if line.strip() and not line[0].isspace():
            names = [n.strip().lstrip("*") for n in line.split(" : ")[0].split(",")]
            for n in names:
                entries[n] = line + "\n"
        elif names:
            for n in names:
                entries[n] += line + "\n"
    return entries


def signature_params(fn) -> list[str]:
    return [p for p in inspect.signature(fn).parameters if p not in ("self", "cls")]


# --------------------------------------------------------------------------- optional deps
BLOCKED_SCRIPT = textwrap.dedent("""
    import sys

    BLOCKED = ("folium", "matplotlib", "branca", "jinja2")

    class NotInstalled:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    for m in BLOCKED:
        sys.modules[m] = None

    import adcov
    from adcov import Scenario, analyze

    r = analyze(Scenario.builtin("belarus-2021"))
    print(len(r.zones))
    print(len(r.envelopes), r.envelopes.crs.to_epsg())
    print(len(r.to_dict()["zones"]))
    try:
        r.map()
    except ImportError as exc:
        print("map ImportError:", exc)
    else:
        print("map worked")
    from adcov.profile import altitude_profile
    from adcov.render.plots import plot_profile
    prof = altitude_profile(Scenario.builtin("belarus-2021"), [1000.0])
    print(len(prof))
    try:
        plot_profile(prof)
    except ImportError as exc:
        print("plot ImportError:", exc)
    else:
        print("plot worked")
    print(sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED and sys.modules[m]))
""")


def test_analyze_without_folium_or_matplotlib():
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONWARNINGS": "error"}
    proc = subprocess.run([sys.executable, "-c", BLOCKED_SCRIPT], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == str(6 * 7)  # 6 altitudes x (BLR, 3 sectors, 3 belts)
    n_env, epsg = lines[1].split()
    assert int(n_env) > 0 and epsg == "4326"
    assert lines[2] == "42"
    assert lines[3].startswith("map ImportError:") and "folium" in lines[3]
    assert "pip install" in lines[3]
    assert lines[4] == "4"  # one altitude x (BLR + 3 sectors)
    assert lines[5].startswith("plot ImportError:") and "matplotlib" in lines[5]
    assert "pip install" in lines[5]
    assert lines[6] == "[]"  # none of them got in


# --------------------------------------------------------------------------- docstrings
def test_public_api_lists_exist():
    assert set(adcov.__all__) >= {"Scenario", "analyze", "Result", "radar_horizon_km",
                                     "envelope_radii", "ground_range_for_slant_km"}
    for name in adcov.__all__:
        assert getattr(adcov, name) is not None


def _undocumented(objects):
    missing = []
    for qual, obj in objects:
        doc = obj.__doc__  # its own, not one inherited through inspect.getdoc
        if inspect.isclass(obj) and doc and doc.startswith(obj.__name__ + "("):
            doc = None  # the signature a dataclass puts there when it has no docstring
        if not doc or not doc.strip():
            missing.append(qual)
            continue
        summary = inspect.cleandoc(doc).splitlines()[0]
        if not summary.strip():
            missing.append(qual + " (no summary line)")
    return missing


def test_every_public_function_and_class_has_a_docstring():
    missing = _undocumented(public_objects())
    assert not missing, "no docstring: " + ", ".join(missing)


def test_every_public_method_and_property_has_a_docstring():
    missing = _undocumented(public_members())
    assert not missing, "no docstring: " + ", ".join(missing)


def test_numpydoc_section_headers_are_well_formed():
    bad = []
    for qual, obj in public_objects() + public_members():
        doc = inspect.getdoc(obj) or ""
        lines = doc.splitlines()
        for i in range(1, len(lines)):
            if re.fullmatch(r"-{3,}", lines[i].strip()):
                title = lines[i - 1].strip()
                if title not in NUMPYDOC_SECTIONS or len(lines[i].strip()) != len(title):
                    bad.append(f"{qual}: {title!r}")
    assert not bad, bad


def test_parameters_sections_match_the_signatures():
    """Where a function documents its parameters, it documents exactly the ones it has."""
    bad, n = [], 0
    for qual, fn in public_functions() + public_members():
        sec = sections(inspect.getdoc(fn) or "")
        if "Parameters" not in sec:
            continue
        n += 1
        documented = set(parameter_entries(sec["Parameters"]))
        actual = set(signature_params(fn))
        if documented != actual:
            bad.append(f"{qual}: undocumented {sorted(actual - documented)}, "
                       f"unknown {sorted(documented - actual)}")
    assert n >= 10
    assert not bad, bad


def test_physical_parameters_are_documented_with_units():
    """Every public function taking a physical quantity (a parameter named ``*_m``, ``*_km``,
    ``*_deg``, ``*_km2`` or ``k_factor``) documents it in a Parameters section with its unit in
    brackets, e.g. ``[m]``."""
    bad = []
    for qual, fn in public_functions() + public_members():
        physical = [p for p in signature_params(fn) if PHYSICAL.search(p)]
        if not physical:
            continue
        sec = sections(inspect.getdoc(fn) or "")
        if "Parameters" not in sec:
            bad.append(f"{qual}: no Parameters section for {physical}")
            continue
        entries = parameter_entries(sec["Parameters"])
        for p in physical:
            if p not in entries:
                bad.append(f"{qual}: {p} not documented")
            elif not UNIT.search(entries[p]):
                bad.append(f"{qual}: {p} has no [unit]")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("fn, units, returns", [
    (adcov.radar_horizon_km,
     {"antenna_height_m": "[m]", "altitude_m": "[m]", "k_factor": "[-]", "radius_m": "[m]"},
     "[km]"),
    (adcov.ground_range_for_slant_km,
     {"slant_km": "[km]", "antenna_height_m": "[m]", "altitude_m": "[m]", "radius_m": "[m]"},
     "[km]"),
    (adcov.envelope_radii,
     {"max_range_km": "[km]", "min_range_km": "[km]", "max_altitude_m": "[m]",
      "min_altitude_m": "[m]", "antenna_height_m": "[m]", "altitude_m": "[m]",
      "lat_deg": "[deg]", "k_factor": "[-]"},
     None),
])
def test_units_spot_check(fn, units, returns):
    sec = sections(inspect.getdoc(fn))
    entries = parameter_entries(sec["Parameters"])
    assert set(entries) == set(signature_params(fn))
    for name, unit in units.items():
        assert unit in entries[name], f"{fn.__name__}: {name} lacks {unit}"
    if returns:
        assert returns in sec["Returns"]


# --------------------------------------------------------------------------- Result
@pytest.fixture(scope="module")
def result():
    return analyze(Scenario.builtin("belarus-2021"))


ZONE_COLUMNS = ["scenario", "altitude_m", "zone", "zone_kind", "area_km2", "covered_km2",
                "covered_fraction", "mean_depth", "depth2_km2", "depth3_km2", "gap_count",
                "largest_gap_km2", "border_km", "border_covered_km", "border_covered_fraction",
                "forward_km2", "forward_reach_km"]


def test_result_tables(result):
    sc = result.scenario
    n_alt, n_sites = len(sc.altitudes_m), len(sc.sites)
    assert (n_alt, n_sites) == (6, 7)
    assert isinstance(result.zones, pd.DataFrame)
    assert list(result.zones.columns) == ZONE_COLUMNS  # the README's table, in order
    assert len(result.zones) == n_alt * 7
    blr = result.zones[result.zones.zone == "BLR"]
    assert (blr.area_km2 == blr.area_km2.iloc[0]).all()
    assert blr.area_km2.iloc[0] == pytest.approx(207_600, rel=5e-3)  # Belarus, 207,600 km2

    assert isinstance(result.sites, pd.DataFrame)
    assert len(result.sites) == n_alt * n_sites
    assert {"site", "system", "limited_by", "outer_km", "inner_km", "horizon_km",
            "covered_km2", "unique_km2", "loss_if_removed_fraction"} <= set(result.sites.columns)
    assert isinstance(result.overlaps, pd.DataFrame)
    assert {"altitude_m", "site_a", "site_b", "overlap_km2"} <= set(result.overlaps.columns)
    assert len(result.overlaps) > 0


def test_result_geodataframes_are_wgs84(result):
    import geopandas as gpd

    for name in ("envelopes", "unions", "gaps", "zone_geometries"):
        gdf = getattr(result, name)
        assert isinstance(gdf, gpd.GeoDataFrame), name
        assert gdf.crs is not None and gdf.crs.to_epsg() == 4326, name
        assert len(gdf) > 0, name
        lo_x, lo_y, hi_x, hi_y = gdf.total_bounds
        assert 15 < lo_x < hi_x < 40 and 45 < lo_y < hi_y < 60, (name, gdf.total_bounds)
    assert len(result.unions) == 3 * 6
    assert sorted(result.zone_geometries.zone_kind.unique()) == ["belt", "border", "region",
                                                                "sector"]
    assert len(result.zone_geometries) == 7 + 3
    assert {"altitude_m", "site", "system", "limited_by", "outer_km"} <= set(result.envelopes)


def test_result_to_dict_is_plain_json(result):
    d = result.to_dict()
    assert set(d) >= {"scenario", "assumptions", "zones", "sites", "overlaps"}
    assert d["scenario"]["sites"] == 7
    assert len(d["zones"]) == 42 and len(d["sites"]) == 42
    json.dumps(d, allow_nan=False)
    assert result.to_dict(overlaps=False)["overlaps"] is None


def test_result_map(result):
    import folium

    m = result.map(tiles="none")
    assert isinstance(m, folium.Map)


def test_result_profile_and_to_file(tmp_path):
    """Result.profile() and Result.to_file() are the orchestrator's shortcuts to the profile and
    the GIS export."""
    import pyogrio

    from adcov import Scenario, analyze

    res = analyze(Scenario.builtin("belarus-2021"))
    prof = res.profile(points=25)
    assert prof.altitude_m.nunique() >= 25
    assert set(prof.zone) == {"BLR", "west", "south", "east"}
    out = res.to_file(tmp_path / "r.gpkg")
    names = [n for n, _ in pyogrio.list_layers(out)]
    assert names == ["sites", "envelopes", "unions", "gaps", "zones", "borders"]
