"""The derived-data cache (adcov._cache) and the zones kept in it, and the command line's
pandas-free tables (adcov._rows.Rows rendered by adcov.render.tables).

The reference for cached zones is a fresh build_zones: the cache must give back the very same
coordinates (WKB-identical), whatever state the cache folder is in. The reference for the
record tables is pandas itself: a table rendered from records must equal the same records put
in a DataFrame by pandas and rendered from there.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest
import shapely

from adcov import _cache
from adcov._rows import Rows
from adcov.analysis import analyze
from adcov.borders import build_zones, cached_zones
from adcov.render import tables
from adcov.scenario import Scenario

GEOMETRY_FIELDS = ("sector_zones", "belts", "border_lines", "border_lines_lonlat", "forward",
                   "neighbour_geoms")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("ADCOV_CACHE", str(path))
    monkeypatch.delenv("ADCOV_NO_CACHE", raising=False)
    return path


def assert_same_zones(a, b):
    for name in ("region", "lon0", "lat0", "belt_km", "area_km2"):
        assert getattr(a, name) == getattr(b, name), name
    assert dict(a.sectors) == dict(b.sectors)
    assert dict(a.border_km) == dict(b.border_km)
    assert shapely.to_wkb(a.region_geom) == shapely.to_wkb(b.region_geom)
    for name in GEOMETRY_FIELDS:
        ga, gb = getattr(a, name), getattr(b, name)
        assert list(ga) == list(gb), name
        for k in ga:
            assert shapely.to_wkb(ga[k]) == shapely.to_wkb(gb[k]), (name, k)


def entries(cache_dir):
    return sorted((cache_dir / "zones").glob("*.bin")) if (cache_dir / "zones").is_dir() else []


@pytest.mark.parametrize("region, reach_km", [("BLR", 500.0), ("UKR", 0.0)])
def test_cached_zones_are_the_built_ones(cache_dir, region, reach_km):
    fresh = build_zones(region, reach_km=reach_km)
    first = cached_zones(region, reach_km=reach_km)  # builds and stores
    assert len(entries(cache_dir)) == 1
    second = cached_zones(region, reach_km=reach_km)  # reads back
    assert_same_zones(fresh, first)
    assert_same_zones(fresh, second)
    assert second.region_geom is not first.region_geom


def test_a_stored_entry_is_read_without_building(cache_dir, monkeypatch):
    cached_zones("BLR", belt_km=40.0)
    import adcov.borders as borders

    def boom(*a, **k):
        raise AssertionError("built again")

    monkeypatch.setattr(borders, "build_zones", boom)
    z = cached_zones("BLR", belt_km=40.0)
    assert z.belt_km == 40.0
    with pytest.raises(AssertionError, match="built again"):
        cached_zones("BLR", belt_km=41.0)  # another key


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage"])
def test_a_damaged_entry_is_rebuilt_and_replaced(cache_dir, damage):
    fresh = build_zones("BLR", belt_km=30.0)
    cached_zones("BLR", belt_km=30.0)
    (path,) = entries(cache_dir)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) // 3] ^= 0xFF
    elif damage == "empty":
        data = bytearray()
    else:
        data = bytearray(b"adcov-derived 1\n" + os.urandom(100))
    path.write_bytes(bytes(data))
    assert _cache.load("zones", path.stem) is None
    assert_same_zones(fresh, cached_zones("BLR", belt_km=30.0))
    assert _cache.load("zones", path.stem) is not None  # written again, whole


def test_not_a_regular_file_is_left_alone(cache_dir, tmp_path):
    cached_zones("BLR", belt_km=20.0)
    (path,) = entries(cache_dir)
    path.unlink()
    target = tmp_path / "elsewhere.bin"
    target.write_bytes(b"precious")
    path.symlink_to(target)
    assert_same_zones(build_zones("BLR", belt_km=20.0), cached_zones("BLR", belt_km=20.0))
    assert path.is_symlink() and target.read_bytes() == b"precious"
    path.unlink()
    path.mkdir()
    cached_zones("BLR", belt_km=20.0)
    assert path.is_dir()


def test_an_unwritable_cache_only_costs_the_saving(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ADCOV_CACHE", str(blocker))
    assert_same_zones(build_zones("BLR", belt_km=25.0), cached_zones("BLR", belt_km=25.0))
    assert blocker.read_text() == "not a folder"


def test_no_cache_switch(cache_dir, monkeypatch):
    monkeypatch.setenv("ADCOV_NO_CACHE", "1")
    cached_zones("BLR", belt_km=15.0)
    assert entries(cache_dir) == []
    monkeypatch.setenv("ADCOV_NO_CACHE", "0")
    cached_zones("BLR", belt_km=15.0)
    assert len(entries(cache_dir)) == 1


def test_the_key_follows_every_input():
    base = {"region": "BLR", "belt_km": 50.0, "files": [["a", 1, 2]]}
    keys = {_cache.make_key("zones", base),
            _cache.make_key("zones", {**base, "belt_km": 50.5}),
            _cache.make_key("zones", {**base, "files": [["a", 1, 3]]}),
            _cache.make_key("zones", {**base, "files": [["a", 2, 2]]}),
            _cache.make_key("other", base)}
    assert len(keys) == 5
    assert _cache.make_key("zones", dict(reversed(list(base.items())))) in keys


def test_default_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("ADCOV_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _cache.default_cache_dir() == tmp_path / "adcov"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert _cache.default_cache_dir() == _cache.Path.home() / ".cache" / "adcov"


def test_analysis_is_the_same_with_and_without_the_cache(cache_dir, monkeypatch):
    from adcov import pipeline

    sc = Scenario.resolve("belarus-2021")
    monkeypatch.setenv("ADCOV_NO_CACHE", "1")
    pipeline._zones.cache_clear()
    plain = analyze(sc).zones
    monkeypatch.setenv("ADCOV_NO_CACHE", "0")
    for _ in range(2):  # stores, then reads back
        pipeline._zones.cache_clear()
        pd.testing.assert_frame_equal(analyze(sc).zones, plain, check_exact=True)
    assert len(entries(cache_dir)) == 1
    pipeline._zones.cache_clear()


# ------------------------------------------------------------------------------ record tables
def _mixed_rows():
    nan = math.nan
    return [
        {"scenario": "a", "altitude_m": 50.0, "zone": "=cmd|' /C calc'!A0", "gap_count": 3,
         "area_km2": 12.345678, "covered_fraction": 0.123456, "count": 4, "share": 0.5,
         "flag": True, "note": None, "mixed": 1},
        {"scenario": "a", "altitude_m": 50.0, "zone": "b|<x>", "gap_count": None,
         "area_km2": nan, "covered_fraction": -0.00001, "count": 5, "share": None,
         "flag": False, "note": "-2", "mixed": nan},
        {"scenario": "b", "altitude_m": 300.0, "zone": "c", "gap_count": 0,
         "area_km2": 1e7 + 0.05, "covered_fraction": 1.0, "count": 6, "share": 2.25,
         "flag": True, "note": "+x", "mixed": 2.5},
    ]


COLUMNS = ("scenario", "altitude_m", "zone", "gap_count", "area_km2", "covered_fraction",
           "count", "share", "flag", "note", "mixed")


@pytest.mark.parametrize("render", [
    tables.to_csv, tables.records,
    lambda t: tables.to_markdown(t, title="T | <b>", group="altitude_m"),
    lambda t: tables.to_markdown(t)])
def test_records_render_as_pandas_would(render):
    rows = _mixed_rows()
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    assert render(Rows(rows, COLUMNS)) == render(frame)
    assert render(Rows([], COLUMNS)) == render(pd.DataFrame([], columns=list(COLUMNS)))


@pytest.mark.parametrize("name", ["zones", "sites", "overlaps"])
def test_result_tables_render_alike_from_records_and_frames(name):
    res = analyze(Scenario.resolve("belarus-2023"))
    rows = res.table(name)
    frame = getattr(res, name)
    pd.testing.assert_frame_equal(rows.frame(), frame)
    assert tables.to_csv(rows) == tables.to_csv(frame)
    assert tables.records(rows) == tables.records(frame)
    assert (tables.to_markdown(rows, group="altitude_m")
            == tables.to_markdown(frame, group="altitude_m"))
    with pytest.raises(ValueError, match="no table"):
        res.table("gaps")


def test_rounding_matches_numpy_half_even_on_binary_values():
    rows = [{"area_km2": v} for v in (0.05, 0.15, 0.25, 2.675, -0.04, 1e-9)]
    out = tables.records(Rows(rows, ["area_km2"]))
    assert [r["area_km2"] for r in out] == [float(np.round(v, 1)) + 0.0
                                            for v in (0.05, 0.15, 0.25, 2.675, -0.04, 1e-9)]
    assert math.copysign(1.0, out[4]["area_km2"]) == 1.0  # no -0.0
