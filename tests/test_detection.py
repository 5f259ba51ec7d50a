"""Detection mode and the radar's vertical limits, against closed forms written here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from adcov.catalog import System, default_catalog
from adcov.envelope import Limit
from adcov.models import envelope, envelopes
from adcov.radar import elevation_band_km
from adcov.scenario import Site

from conftest import cap_area_km2, gaussian_radius, ground_for_slant_km, horizon_km

K = 4.0 / 3.0
LON, LAT = 27.5, 53.5


def _site(**kw):
    values = dict(id="X", name="X", max_range_km=40.0, min_range_km=2.0, max_altitude_m=20000.0,
                  min_altitude_m=10.0, antenna_height_m=10.0, detection_range_km=100.0)
    values.update(kw)
    return Site("s", System(**values), LON, LAT)


def _elevation(s_km, ha, ht, re_m):
    """Elevation of a target from the radar, by vectors in the plane of the great circle
    through both (effective Earth of radius re_m). [deg]"""
    theta = s_km * 1000.0 / re_m
    radar = np.array([0.0, re_m + ha])
    target = np.array([(re_m + ht) * math.sin(theta), (re_m + ht) * math.cos(theta)])
    d = target - radar
    up = radar / np.linalg.norm(radar)
    return math.degrees(math.asin(np.dot(d, up) / np.linalg.norm(d)))


# ------------------------------------------------------------------------------ detection
@pytest.mark.parametrize("altitude", [300.0, 1000.0, 5000.0, 50000.0])
def test_a_detection_ring_is_the_shorter_of_range_and_horizon(altitude):
    """No missile gate: even 50 km up is seen, out to min(slant range, horizon) from the
    search radar's height."""
    site = _site(detection_antenna_height_m=30.0)
    env = envelope(site, altitude, mode="detection")
    r = gaussian_radius(LAT)
    hz = horizon_km(30.0, altitude, r, K)
    rng = ground_for_slant_km(100.0, 30.0, altitude, r)
    assert_allclose(env.outer_km, min(hz, rng), rtol=1e-9)
    assert env.inner_km == 0.0
    assert env.limited_by == ("horizon" if hz < rng else "range")
    assert env.antenna_height_m == 30.0 and env.kind == "detection"


def test_detection_area_is_the_cap():
    env = envelope(_site(), 5000.0, mode="detection")
    assert_allclose(env.area_km2(), cap_area_km2(env.outer_km, gaussian_radius(LAT)), rtol=1e-3)


def test_engagement_and_detection_differ_as_they_should():
    site = _site()
    eng = envelope(site, 30000.0)           # above the missile's ceiling
    det = envelope(site, 30000.0, mode="detection")
    assert eng.empty and eng.limited_by == Limit.CEILING
    assert not det.empty and det.outer_km > 90.0


def test_each_kind_in_each_mode():
    cat = default_catalog()
    radar = Site("r", cat["Protivnik-GE"], LON, LAT)
    no_radar_range = Site("m", cat["S-125"], LON, LAT)  # no detection range catalogued
    envs = envelopes([radar, no_radar_range], 1000.0)
    assert envs[0].empty and envs[0].limited_by == Limit.MODE  # a radar does not engage
    assert not envs[1].empty
    envs = envelopes([radar, no_radar_range], 1000.0, mode="detection")
    assert not envs[0].empty and envs[0].outer_km > 100.0
    assert envs[1].empty and envs[1].limited_by == Limit.MODE


# ------------------------------------------------------------------------------ elevation
@pytest.mark.parametrize("ha, ht, e", [(0.0, 10000.0, 60.0), (20.0, 3000.0, 45.0),
                                       (10.0, 500.0, 10.0), (30.0, 20000.0, 75.0)])
def test_the_cone_of_silence_edge_is_at_the_maximum_elevation(ha, ht, e):
    re_m = K * gaussian_radius(LAT)
    lo, hi = elevation_band_km(ha, ht, max_elevation_deg=e, radius_m=gaussian_radius(LAT))
    assert hi == math.inf
    assert_allclose(_elevation(lo, ha, ht, re_m), e, atol=1e-9)
    # And on a flat Earth it is the familiar (ht - ha) / tan(e) at short range.
    if ht < 5000:
        assert_allclose(lo, (ht - ha) / 1000.0 / math.tan(math.radians(e)), rtol=2e-3)


@pytest.mark.parametrize("ha, ht, e", [(10.0, 1000.0, 0.5), (10.0, 5000.0, 2.0),
                                       (40.0, 300.0, 0.0)])
def test_the_minimum_elevation_sets_the_far_edge(ha, ht, e):
    re_m = K * gaussian_radius(LAT)
    lo, hi = elevation_band_km(ha, ht, min_elevation_deg=e, radius_m=gaussian_radius(LAT))
    assert lo == 0.0
    assert_allclose(_elevation(hi, ha, ht, re_m), e, atol=1e-9)
    if e == 0.0:
        # Elevation 0 is where the target meets the antenna's horizontal plane on the
        # effective Earth: sqrt(2 Re (ht - ha)) to first order.
        assert_allclose(hi, math.sqrt(2 * re_m * (ht - ha)) / 1000.0, rtol=1e-3)


def test_a_target_below_the_antenna():
    re_m = K * gaussian_radius(LAT)
    # Every elevation is negative: a minimum of 0 or more leaves nothing.
    assert all(math.isnan(x) for x in elevation_band_km(500.0, 100.0, min_elevation_deg=0.0))
    lo, hi = elevation_band_km(500.0, 100.0, min_elevation_deg=-2.0,
                               radius_m=gaussian_radius(LAT))
    assert 0 < lo < hi
    for s in (lo, hi):
        assert_allclose(_elevation(s, 500.0, 100.0, re_m), -2.0, atol=1e-9)
    mid = 0.5 * (lo + hi)
    assert _elevation(mid, 500.0, 100.0, re_m) > -2.0


def test_elevation_limits_shape_the_envelope():
    site = _site(max_elevation_deg=60.0, min_elevation_deg=1.0, max_range_km=200.0,
                 min_range_km=0.0)
    env = envelope(site, 10000.0)
    r = gaussian_radius(LAT)
    lo, hi = elevation_band_km(10.0, 10000.0, min_elevation_deg=1.0, max_elevation_deg=60.0,
                               radius_m=r)
    assert_allclose(env.inner_km, lo, rtol=1e-12)
    smooth = min(horizon_km(10.0, 10000.0, r, K), ground_for_slant_km(200.0, 10.0, 10000.0, r))
    assert_allclose(env.outer_km, min(hi, smooth), rtol=1e-12)
    assert env.limited_by == (Limit.ELEVATION if hi < smooth else env.limited_by)
    expected = cap_area_km2(env.outer_km, r) - cap_area_km2(env.inner_km, r)
    assert_allclose(env.area_km2(), expected, rtol=2e-3)
    # Limits that leave no band empty the envelope.
    empty = envelope(_site(min_elevation_deg=89.0, max_elevation_deg=89.5), 100.0)
    assert empty.empty and empty.limited_by == Limit.ELEVATION
