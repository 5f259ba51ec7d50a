"""Invariants of the zone table on random valid scenarios (hypothesis).

Scenarios are built directly in Python (as ``tests/test_stats.py`` does) with sites in and
around Belarus, inside the region or up to a few hundred kilometres outside it, with random
slant ranges, dead zones, floors, antenna heights, azimuth sectors and target altitudes.
``tests/test_stats.py`` already checks fractions, depth ordering and the union against the sum
for sites inside the region; here:

* nothing crashes for sites outside the region too, every share is a share, no zone is covered
  beyond its area, the union never exceeds the sum of the envelopes, border coverage too;
* monotonicity, comparing two analyses: a longer ``max_range_km``, or one more site, never
  reduces the covered area of any zone at any altitude; a higher ``min_altitude_m`` never
  increases it (1e-6 relative tolerance, since the polygons are recomputed);
* the sector zones tile the region (areas and covered areas) for random sector tables of
  Belarus, and for other regions with their default sectors.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from adcov.analysis import analyze
from adcov.borders import build_zones
from adcov.regions import neighbours
from adcov.catalog import System
from adcov.scenario import Scenario, Site

RTOL = 1e-6
ATOL_KM2 = 1e-6
SETTINGS = settings(max_examples=10, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ALTITUDES = (10.0, 50.0, 300.0, 1000.0, 5000.0, 15000.0)


# --------------------------------------------------------------------------- strategies
@st.composite
def systems(draw, sid: str) -> System:
    max_range = draw(st.floats(5.0, 250.0))
    floor = draw(st.sampled_from([0.0, 10.0, 100.0, 2000.0]))
    return System(id=sid, name=sid, max_range_km=max_range,
                  min_range_km=draw(st.floats(0.0, max_range / 2)),
                  max_altitude_m=draw(st.sampled_from([3000.0, 12000.0, 30000.0])),
                  min_altitude_m=floor, antenna_height_m=draw(st.floats(0.0, 40.0)),
                  sector_width_deg=draw(st.sampled_from([360.0, 360.0, 90.0, 200.0])))


@st.composite
def sites(draw, i: int) -> Site:
    sy = draw(systems(f"X{i}"))
    azimuth = draw(st.floats(0.0, 359.9)) if sy.sector_width_deg < 360 else None
    # Belarus spans about 23.2-32.8 E, 51.3-56.2 N: these reach well beyond its borders.
    return Site(f"s{i}", sy, draw(st.floats(20.0, 35.0)), draw(st.floats(49.0, 58.5)),
                azimuth_deg=azimuth)


@st.composite
def scenarios(draw, min_sites=1, max_sites=5) -> Scenario:
    n = draw(st.integers(min_sites, max_sites))
    alts = draw(st.lists(st.sampled_from(ALTITUDES), min_size=1, max_size=3, unique=True))
    return Scenario(name="random", sites=tuple(draw(sites(i)) for i in range(n)),
                    region="BLR", altitudes_m=tuple(sorted(alts)),
                    k_factor=draw(st.sampled_from([4 / 3, 1.0, 1.5])))


def covered(result) -> dict:
    """(altitude, zone) -> covered_km2."""
    z = result.zones
    return {(a, n): c for a, n, c in zip(z.altitude_m, z.zone, z.covered_km2)}


def assert_not_less(after: dict, before: dict, what: str):
    assert after.keys() == before.keys()
    for key, b in before.items():
        a = after[key]
        assert a >= b * (1 - RTOL) - ATOL_KM2, f"{what}: {key} covered {b} -> {a} km2"


def assert_not_more(after: dict, before: dict, what: str):
    assert after.keys() == before.keys()
    for key, b in before.items():
        a = after[key]
        assert a <= b * (1 + RTOL) + ATOL_KM2, f"{what}: {key} covered {b} -> {a} km2"


# --------------------------------------------------------------------------- bounds
@SETTINGS
@given(scenarios(max_sites=6))
def test_random_scenarios_stay_in_bounds(sc):
    res = analyze(sc)
    z = res.zones
    assert len(z) == 7 * len(sc.altitudes_m)
    assert np.isfinite(z.covered_km2).all() and np.isfinite(z.area_km2).all()
    assert ((z.covered_fraction >= 0) & (z.covered_fraction <= 1)).all()
    assert (z.covered_km2 <= z.area_km2 * (1 + RTOL) + ATOL_KM2).all()
    assert (z.mean_depth >= 0).all() and (z.gap_count >= 0).all()
    sectors = z[z.zone_kind == "sector"]
    assert ((sectors.border_covered_fraction >= 0) & (sectors.border_covered_fraction <= 1)).all()
    assert (sectors.border_covered_km <= sectors.border_km * (1 + RTOL)).all()
    assert (sectors.forward_km2 >= 0).all() and (sectors.forward_reach_km >= 0).all()
    for alt in sc.altitudes_m:
        st_ = res.at(alt)
        region = z[(z.altitude_m == alt) & (z.zone_kind == "region")].iloc[0]
        sites_here = res.sites[res.sites.altitude_m == alt]
        # The union never exceeds the sum: inside the region, and of the whole envelopes.
        assert region.covered_km2 <= sites_here.covered_km2.sum() * (1 + RTOL) + ATOL_KM2
        union = shapely.area(st_.layer(1)) / 1e6
        parts = shapely.area(st_.polygons).sum() / 1e6
        assert union <= parts * (1 + RTOL) + ATOL_KM2
        assert region.covered_km2 <= union * (1 + RTOL) + ATOL_KM2
        # Empty envelopes are exactly the ceiling / floor / dead-zone / out-of-reach ones.
        for e, p in zip(st_.envelopes, st_.polygons):
            assert p.is_empty == e.empty, (e.limited_by, e.outer_km, e.inner_km)
            if e.limited_by in ("ceiling", "floor", "dead_zone"):
                assert p.is_empty


# --------------------------------------------------------------------------- monotonicity
@SETTINGS
@given(scenarios(), st.data())
def test_longer_max_range_never_reduces_coverage(sc, data):
    i = data.draw(st.integers(0, len(sc.sites) - 1), label="site")
    factor = data.draw(st.floats(1.01, 3.0), label="factor")
    s = sc.sites[i]
    longer = dataclasses.replace(s.system, max_range_km=s.system.max_range_km * factor)
    sites = list(sc.sites)
    sites[i] = dataclasses.replace(s, system=longer)
    before = covered(analyze(sc))
    after = covered(analyze(dataclasses.replace(sc, sites=tuple(sites))))
    assert_not_less(after, before, f"max_range_km of {s.name} x{factor:.3f}")


@SETTINGS
@given(scenarios(max_sites=4), st.data())
def test_adding_a_site_never_reduces_coverage(sc, data):
    extra = data.draw(sites(99), label="extra site")
    before = covered(analyze(sc))
    after = covered(analyze(dataclasses.replace(sc, sites=sc.sites + (extra,))))
    assert_not_less(after, before, f"adding {extra}")


@SETTINGS
@given(scenarios(), st.data())
def test_higher_floor_never_increases_coverage(sc, data):
    i = data.draw(st.integers(0, len(sc.sites) - 1), label="site")
    s = sc.sites[i]
    top = s.system.max_altitude_m
    floor = data.draw(st.floats(s.system.min_altitude_m, top * 0.999), label="new floor")
    higher = dataclasses.replace(s.system, min_altitude_m=floor)
    sites = list(sc.sites)
    sites[i] = dataclasses.replace(s, system=higher)
    before = covered(analyze(sc))
    after = covered(analyze(dataclasses.replace(sc, sites=tuple(sites))))
    assert_not_more(after, before, f"min_altitude_m of {s.name} -> {floor:g}")
    # Below the new floor the site contributes nothing at all.
    for alt in sc.altitudes_m:
        if alt < floor:
            before_alt = sum(v for (a, _), v in before.items() if a == alt)
            after_alt = sum(v for (a, _), v in after.items() if a == alt)
            assert after_alt <= before_alt * (1 + RTOL) + ATOL_KM2


# --------------------------------------------------------------------------- tiling
BLR_NEIGHBOURS = ("LTU", "LVA", "POL", "RUS", "UKR")


@st.composite
def blr_sector_tables(draw) -> dict:
    """A random partition of Belarus's neighbours into 1 to 5 named sectors."""
    labels = draw(st.lists(st.integers(0, 4), min_size=5, max_size=5))
    table: dict = {}
    for code, label in zip(BLR_NEIGHBOURS, labels):
        table.setdefault(f"s{label}", []).append(code)
    return {k: tuple(v) for k, v in table.items()}


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_sites=4), blr_sector_tables())
def test_sector_zones_tile_the_region_for_any_sector_table(sc, table):
    res = analyze(dataclasses.replace(sc, sectors=table))
    z = res.zones
    for alt in sc.altitudes_m:
        here = z[z.altitude_m == alt]
        region = here[here.zone_kind == "region"].iloc[0]
        sectors = here[here.zone_kind == "sector"]
        assert sorted(sectors.zone) == sorted(table)
        assert_allclose(sectors.area_km2.sum(), region.area_km2, rtol=RTOL)
        assert_allclose(sectors.covered_km2.sum(), region.covered_km2, rtol=RTOL, atol=1e-3)
        assert_allclose((sectors.mean_depth * sectors.area_km2).sum(),
                        region.mean_depth * region.area_km2, rtol=RTOL, atol=1e-3)
        assert_allclose(sectors.border_km.sum(), sum(neighbours("BLR").values()), rtol=0.01)


@pytest.mark.parametrize("region", ["LTU", "POL", "CHE", "HUN", "KOR"])
def test_sector_zones_tile_other_regions(region):
    z = build_zones(region)
    assert set(z.sector_zones) == set(neighbours(region))
    total = sum(g.area for g in z.sector_zones.values())
    assert_allclose(total, z.region_geom.area, rtol=RTOL)
    # ... without overlapping: pairwise intersections have no area.
    zones = list(z.sector_zones.values())
    for a in range(len(zones)):
        for b in range(a + 1, len(zones)):
            assert shapely.intersection(zones[a], zones[b]).area <= 1e-6 * z.region_geom.area
