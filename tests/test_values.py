"""Value objects keep their invariants however they are built; shared data cannot be changed
behind an analysis's back; envelopes come from one model per system kind."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose

from adcov import Scenario, analyze
from adcov import models
from adcov.catalog import SYSTEM_KINDS, System
from adcov.envelope import LIMITS, Envelope, Limit, check_limit
from adcov.errors import CatalogError, RegionError, ScenarioError
from adcov.regions import SectorTable
from adcov.scenario import Site

from conftest import cap_area_km2, gaussian_radius


def _system(**kw):
    values = dict(id="T", name="T", max_range_km=40.0, min_range_km=2.0, max_altitude_m=20000.0,
                  min_altitude_m=10.0, antenna_height_m=5.0)
    values.update(kw)
    return System(**values)


# ------------------------------------------------------------------------------ System
@pytest.mark.parametrize("change, entry", [
    ({"min_range_km": 40.0}, "T.min_range_km"),
    ({"min_range_km": 50.0}, "T.min_range_km"),
    ({"min_altitude_m": 30000.0}, "T.min_altitude_m"),
    ({"max_range_km": 0.0}, "T.max_range_km"),
    ({"max_range_km": -5.0}, "T.max_range_km"),
    ({"antenna_height_m": -1.0}, "T.antenna_height_m"),
    ({"antenna_height_m": float("nan")}, "T.antenna_height_m"),
    ({"max_altitude_m": float("inf")}, "T.max_altitude_m"),
    ({"sector_width_deg": 361.0}, "T.sector_width_deg"),
    ({"sector_width_deg": 0.0}, "T.sector_width_deg"),
    ({"detection_range_km": -1.0}, "T.detection_range_km"),
    ({"max_range_km": True}, "T.max_range_km"),
    ({"max_range_km": "40"}, "T.max_range_km"),
    ({"kind": "sonar"}, "T.kind"),
    ({"id": ""}, "id"),
])
def test_a_system_built_in_python_checks_its_invariants(change, entry):
    with pytest.raises(CatalogError) as info:
        _system(**change)
    assert info.value.entry == entry


def test_a_valid_system_is_normalised():
    s = _system(max_range_km=40, name="", family="")
    assert isinstance(s.max_range_km, float) and s.name == "T" and s.family == "T"
    assert _system(id="S-400/40N6").family == "S-400"
    assert s.kind == "engagement" and s.kind in SYSTEM_KINDS


def test_catalog_file_errors_still_name_file_and_entry(tmp_path):
    """The System checks the relation; the reader adds where the value came from."""
    path = tmp_path / "sc.toml"
    path.write_text('name = "x"\n[systems."Bad"]\nmax_range_km = 10\nmin_range_km = 20\n'
                    'max_altitude_m = 100\nmin_altitude_m = 0\nantenna_height_m = 1\n'
                    '[[sites]]\nname = "a"\nsystem = "Bad"\nlon = 27\nlat = 53\n',
                    encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        Scenario.from_file(path)
    text = str(info.value)
    assert str(path) in text and 'systems."Bad".min_range_km' in text and "(got 20.0)" in text


# ------------------------------------------------------------------------------ Site
@pytest.mark.parametrize("change, entry", [
    ({"lat": 95.0}, "lat"), ({"lon": -181.0}, "lon"), ({"lon": float("nan")}, "lon"),
    ({"name": "  "}, "name"), ({"name": "a\x07b"}, "name"),
    ({"antenna_height_m": -3.0}, "antenna_height_m"),
    ({"sector_width_deg": 90.0}, "azimuth_deg"),  # a sector needs an azimuth
    ({"sector_width_deg": 400.0, "azimuth_deg": 0.0}, "sector_width_deg"),
    ({"system": "S-300PS"}, "system"),
])
def test_a_site_built_in_python_checks_its_invariants(change, entry):
    values = dict(name="a", system=_system(), lon=27.0, lat=53.0)
    values.update(change)
    with pytest.raises(ScenarioError) as info:
        Site(**values)
    assert info.value.entry == entry


def test_site_azimuth_is_normalised():
    s = Site("a", _system(), 27.0, 53.0, azimuth_deg=-90.0, sector_width_deg=120.0)
    assert s.azimuth_deg == 270.0
    assert Site("b", _system(), 27.0, 53.0, azimuth_deg=360.0,
                sector_width_deg=90).azimuth_deg == 0.0


# ------------------------------------------------------------------------------ Scenario
def _scenario(sectors=None, **kw):
    return Scenario(name="t", sites=(Site("a", _system(), 27.0, 53.0),), sectors=sectors, **kw)


def test_scenarios_with_different_sectors_differ():
    default = _scenario()
    other = _scenario({"north": ["LTU", "LVA", "RUS"], "south": ["UKR", "POL"]})
    same = _scenario({"west": ("POL", "LTU", "LVA"), "south": ("UKR",), "east": ("RUS",)})
    assert default == same and hash(default) == hash(same)
    assert default != other and hash(default) != hash(other)
    assert len({default, same, other}) == 2
    assert isinstance(other.sectors, SectorTable)
    with pytest.raises(TypeError):
        other.sectors["north"] = ("POL",)


@pytest.mark.parametrize("change, error, entry", [
    ({"altitudes_m": ()}, ScenarioError, "altitudes_m"),
    ({"altitudes_m": (100.0, 100.0)}, ScenarioError, "altitudes_m"),
    ({"altitudes_m": (-5.0,)}, ScenarioError, "altitudes_m[0]"),
    ({"k_factor": 0.0}, ScenarioError, "k_factor"),
    ({"belt_km": -1.0}, ScenarioError, "belt_km"),
    ({"region": "XXX"}, RegionError, "region"),
    ({"sectors": {"west": ["POL"]}}, RegionError, "sectors"),
])
def test_a_scenario_built_in_python_checks_its_settings(change, error, entry):
    with pytest.raises(error) as info:
        _scenario(**change)
    assert info.value.entry == entry


def test_a_scenario_refuses_duplicate_and_missing_sites():
    a = Site("a", _system(), 27.0, 53.0)
    with pytest.raises(ScenarioError, match="duplicate site name"):
        Scenario(name="t", sites=(a, a))
    with pytest.raises(ScenarioError, match="has no sites"):
        Scenario(name="t", sites=())


def test_altitudes_are_sorted():
    assert _scenario(altitudes_m=(5000, 50, 300)).altitudes_m == (50.0, 300.0, 5000.0)


# ------------------------------------------------------------------------------ shared data
def test_editing_one_result_cannot_change_the_next_analysis():
    """Zones are cached and shared between analyses of a region: they are read-only."""
    first = analyze(Scenario.builtin("belarus-2021"))
    west_area = first.zones.query("zone == 'west'").area_km2.iloc[0]
    zones = first.region_zones
    with pytest.raises(TypeError):
        zones.sector_zones["west"] = shapely.Polygon()
    with pytest.raises(TypeError):
        zones.border_km["west"] = 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        zones.region_geom = shapely.Polygon()
    with pytest.raises(ValueError):
        first.frame.zones[1].pieces[0] = shapely.Polygon()
    second = analyze(Scenario.builtin("belarus-2021"))
    assert second.region_zones is zones  # shared, which is why it must not change
    assert second.zones.query("zone == 'west'").area_km2.iloc[0] == west_area > 70_000


# ------------------------------------------------------------------------------ limits
def test_limited_by_is_a_closed_set():
    assert LIMITS == ("range", "horizon", "ceiling", "floor", "dead_zone", "elevation", "mode")
    assert check_limit("range") is Limit.RANGE and Limit.RANGE == "range"
    with pytest.raises(ValueError, match="limited_by must be one of"):
        check_limit("terrain")
    env = models.envelope(Site("a", _system(), 27.0, 53.0), 1000.0)
    assert isinstance(env.limited_by, Limit) and env.limited_by in LIMITS
    with pytest.raises(ValueError, match="limited_by must be one of"):
        dataclasses.replace(env, limited_by="weather")


# ------------------------------------------------------------------------------ the model seam
def test_every_system_kind_has_a_model_in_every_mode():
    assert set(models.MODELS) == {(m, k) for m in models.MODES for k in SYSTEM_KINDS}
    with pytest.raises(ValueError, match="no envelope model for system kind 'sonar'"):
        models.model_for("sonar")
    with pytest.raises(ValueError, match="in mode 'sonar'"):
        models.model_for("engagement", "sonar")


def test_envelopes_come_from_the_model_of_the_kind(monkeypatch):
    calls = []
    real = models.MODELS[("engagement", "engagement")]

    def recording(sites, altitude_m, *, k_factor):
        calls.append(([s.name for s in sites], altitude_m))
        return real(sites, altitude_m, k_factor=k_factor)

    monkeypatch.setitem(models.MODELS, ("engagement", "engagement"), recording)
    sites = [Site(n, _system(), 27.0 + i, 53.0) for i, n in enumerate("abc")]
    envs = models.envelopes(sites, 500.0)
    assert calls == [(["a", "b", "c"], 500.0)]
    assert [e.site for e in envs] == ["a", "b", "c"] and all(e.kind == "engagement" for e in envs)


# ------------------------------------------------------------------------------ per-azimuth radii
def _envelope(**kw):
    values = dict(site="s", system="T", lon=27.0, lat=53.0, altitude_m=1000.0, outer_km=50.0,
                  inner_km=0.0, horizon_km=200.0, range_ground_km=50.0, limited_by="range",
                  azimuth_deg=None, sector_width_deg=360.0, antenna_height_m=5.0, k_factor=4 / 3,
                  earth_radius_m=gaussian_radius(53.0))
    values.update(kw)
    return Envelope(**values)


def test_per_azimuth_radii_of_one_value_draw_the_circle():
    n = 3600
    env = _envelope(outer_by_azimuth_km=[80.0] * n, outer_km=0.0)
    assert env.outer_km == 80.0  # the largest radius
    inscribed = n / (2 * math.pi) * math.sin(2 * math.pi / n)
    assert_allclose(env.area_km2(), cap_area_km2(80.0, gaussian_radius(53.0)) * inscribed,
                    rtol=2e-5)


def test_per_azimuth_radii_of_two_halves():
    """Radius a to the east (azimuth 0-180) and b to the west: two half caps, up to the two
    thin wedges where the boundary jumps between the radii (each under a 1/n share of the
    difference)."""
    n = 7200
    a, b = 60.0, 30.0
    az = np.arange(n) * 360.0 / n
    radii = np.where(az < 180.0, a, b)
    env = _envelope(outer_by_azimuth_km=radii)
    r = gaussian_radius(53.0)
    expected = 0.5 * (cap_area_km2(a, r) + cap_area_km2(b, r))
    assert_allclose(env.area_km2(), expected, rtol=2e-3)


def test_per_azimuth_radii_keep_the_dead_zone_and_the_sector():
    n = 721
    env = _envelope(outer_by_azimuth_km=[40.0] * n, inner_km=10.0, azimuth_deg=90.0,
                    sector_width_deg=120.0)
    r = gaussian_radius(53.0)
    expected = (cap_area_km2(40.0, r) - cap_area_km2(10.0, r)) / 3
    assert_allclose(env.area_km2(), expected, rtol=1e-3)


def test_per_azimuth_radii_are_checked():
    with pytest.raises(ValueError, match="at least 3 radii"):
        _envelope(outer_by_azimuth_km=[10.0, 20.0])
    with pytest.raises(ValueError, match="at least 3 radii, all >= 0"):
        _envelope(outer_by_azimuth_km=[10.0, -1.0, 5.0])
