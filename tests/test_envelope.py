"""Tests for adcov.envelope: radii worked out by hand, polygons checked against geodesics.

Reference values come from the closed forms in DESIGN.md 3.2, re-derived in conftest.py (law of
cosines, spherical cap, WGS84 Gaussian radius from a and f) and from pyproj ``Geod`` directly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from adcov.envelope import LIMITS, Envelope
from adcov.models import envelope, envelope_radii, envelopes
from conftest import (
    WGS84,
    cap_area_km2,
    dense_geodesic_disc_area_km2,
    gaussian_radius,
    ground_for_slant_km,
    horizon_km,
    laea_transformers,
    make_site,
    make_system,
    slant_km,
)

LATS = [0.0, 53.0, 70.0]
RADII_KM = [75.0, 150.0, 250.0, 400.0]
SITE_LON = 27.0


def disc_envelope(r_km: float, lat: float, lon: float = SITE_LON) -> Envelope:
    """A full-circle, range-limited envelope whose ground radius is exactly r_km.

    Antenna 30 m, target 20 km: the horizon, 4.13 (sqrt(30) + sqrt(20000)) ~ 606 km, is beyond
    400 km, so the outer radius is where the slant range reaches max_range_km. That slant range
    is put in by hand: rho = law of cosines at ground distance r on the Gaussian sphere.
    """
    r_earth = gaussian_radius(lat)
    rho = slant_km(r_km, 30.0, 20000.0, r_earth)
    system = make_system(max_range_km=rho, min_range_km=0.0, antenna_height_m=30.0)
    return envelope(make_site(system, lon=lon, lat=lat), 20000.0)


def _ring_distances_m(lonlat_xy, lon, lat):
    xy = np.asarray(lonlat_xy)
    _, _, d = WGS84.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
    return d


# --------------------------------------------------------------------------------------------
# One full circle: radius, area, shape
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lat", LATS)
@pytest.mark.parametrize("r_km", RADII_KM)
def test_disc_radius_is_the_hand_computed_one(r_km, lat):
    env = disc_envelope(r_km, lat)
    assert env.limited_by == "range"
    assert not env.empty
    assert_allclose(env.outer_km, r_km, rtol=1e-9)
    assert env.inner_km == 0.0
    assert env.azimuth_deg is None and env.sector_width_deg == 360.0
    assert_allclose(env.earth_radius_m, gaussian_radius(lat), rtol=1e-12)


@pytest.mark.parametrize("lat", LATS)
@pytest.mark.parametrize("r_km", RADII_KM)
def test_disc_area_against_spherical_cap(r_km, lat):
    """Envelope.area_km2() of a full circle equals the area of a geodesic disc to 0.1%.

    Reference: the spherical cap 2 pi R^2 (1 - cos(r/R)) with R the Gaussian radius sqrt(M N)
    at the site's latitude. Why that is the ellipsoid's disc area to far better than 1e-4 for
    r <= 400 km: a small geodesic disc on any surface has area
    pi r^2 (1 - K r^2 / 12 + r^4 (2 K^2 - 3 lap(K)) / 360 + ...) (Bertrand-Diguet-Puiseux and
    its next term), where K is the Gaussian curvature at the centre. The sphere of radius
    sqrt(M N) has K = 1 / (M N) exactly, the ellipsoid's curvature at the site, so the two
    agree up to the r^4 lap(K) term. On WGS84 lap(K) ~ 4 e^2 K / R^2 (K varies as
    (1 - e^2 sin^2 phi)^2), so the relative difference is about e^2 (r/R)^4 / 30 =
    0.0067 * (400/6384)^4 / 30 ~ 3.5e-9 at 400 km. The dense pyproj polygon below confirms it.
    The 0.1% budget is the polygon: an inscribed n-gon within a sagitta t of the circle loses
    about 4t / (3r) of the area, <= 6.7e-4 for t <= 5e-4 r.
    """
    env = disc_envelope(r_km, lat)
    cap = cap_area_km2(r_km, gaussian_radius(lat))
    area = env.area_km2()
    assert_allclose(area, cap, rtol=1e-3)
    assert area <= cap * (1 + 1e-9)  # vertices on the circle: the polygon is inscribed


@pytest.mark.parametrize("lat", LATS)
@pytest.mark.parametrize("r_km", RADII_KM)
def test_disc_area_against_dense_geodesic_polygon(r_km, lat):
    """Cross-check: pyproj Geod.polygon_area_perimeter of a 3600-point geodesic circle."""
    env = disc_envelope(r_km, lat)
    dense = dense_geodesic_disc_area_km2(SITE_LON, lat, r_km)
    assert_allclose(env.area_km2(), dense, rtol=1e-3)
    # ... and the cap reference itself agrees with the dense ellipsoidal polygon to 1e-6.
    assert_allclose(cap_area_km2(r_km, gaussian_radius(lat)), dense, rtol=1e-6)


@pytest.mark.parametrize("lat", LATS)
@pytest.mark.parametrize("r_km", RADII_KM)
def test_disc_vertices_lie_on_the_geodesic_circle(r_km, lat):
    env = disc_envelope(r_km, lat)
    poly = env.polygon()  # lon/lat
    assert poly.is_valid and len(poly.interiors) == 0
    d = _ring_distances_m(poly.exterior.coords, SITE_LON, lat)
    assert_allclose(d, r_km * 1000.0, atol=1.0)


@pytest.mark.parametrize("lat", LATS)
@pytest.mark.parametrize("r_km", RADII_KM)
def test_disc_polygon_within_50m_of_the_circle(r_km, lat):
    """The polygon used for areas (straight edges in the LAEA at the site) stays within 50 m
    inside the circle: each edge midpoint, taken back to lon/lat, is at r - 50 m <= d <= r."""
    env = disc_envelope(r_km, lat)
    xy = np.asarray(env.polygon(SITE_LON, lat).exterior.coords)
    mid = (xy[1:] + xy[:-1]) / 2.0
    _, inv = laea_transformers(SITE_LON, lat)
    lon, la = inv.transform(mid[:, 0], mid[:, 1])
    d = _ring_distances_m(np.column_stack([lon, la]), SITE_LON, lat)
    assert d.min() >= r_km * 1000.0 - 50.0
    assert d.max() <= r_km * 1000.0 + 1.0


def test_disc_across_the_antimeridian():
    """Longitudes stay continuous around a site at 179.9 E, so the lon/lat polygon is valid."""
    env = disc_envelope(150.0, 0.0, lon=179.9)
    poly = env.polygon()
    assert poly.is_valid
    minx, _, maxx, _ = poly.bounds
    assert minx < 179.9 < 180.0 < maxx
    assert_allclose(env.area_km2(), cap_area_km2(150.0, gaussian_radius(0.0)), rtol=1e-3)


# --------------------------------------------------------------------------------------------
# Altitude gates
# --------------------------------------------------------------------------------------------

GATED = make_system("Gated", max_range_km=60.0, min_range_km=2.0, max_altitude_m=20000.0,
                    min_altitude_m=50.0, antenna_height_m=20.0)


@pytest.mark.parametrize(("altitude_m", "reason"), [
    (20000.001, "ceiling"), (20001.0, "ceiling"), (30000.0, "ceiling"),
    (49.999, "floor"), (10.0, "floor"), (0.0, "floor"),
])
def test_altitude_gate_empty(altitude_m, reason):
    env = envelope(make_site(GATED), altitude_m)
    assert env.empty
    assert env.limited_by == reason
    assert env.outer_km == 0.0 and env.inner_km == 0.0
    assert env.area_km2() == 0.0
    assert env.polygon().is_empty


@pytest.mark.parametrize("altitude_m", [50.0, 20000.0])
def test_altitude_gate_limits_are_inside(altitude_m):
    """Exactly at the ceiling or the floor the target can still be engaged."""
    env = envelope(make_site(GATED), altitude_m)
    assert not env.empty
    assert env.limited_by in ("range", "horizon")
    assert env.outer_km > 0.0 and not env.polygon().is_empty


# --------------------------------------------------------------------------------------------
# Dead zone
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lat", LATS)
@pytest.mark.parametrize(("h", "rho_min", "rho_max"), [(100.0, 20.0, 60.0), (24.0, 5.0, 30.0),
                                                       (500.0, 40.0, 120.0)])
def test_dead_zone_inner_radius_and_hole(lat, h, rho_min, rho_max):
    """ha = ht = h: isosceles triangle, rho = 2 (R + h) sin(theta / 2), so
    s = 2 R asin(rho / (2 (R + h))). E.g. lat 53 (R = 6,384,011 m), h = 100 m, rho = 20 km:
    s = 2 * 6,384,011 * asin(20,000 / 12,768,222) = 19.9997 km."""
    r_earth = gaussian_radius(lat)
    s_min = 2 * r_earth * math.asin(rho_min * 1000 / (2 * (r_earth + h))) / 1000
    s_max = 2 * r_earth * math.asin(rho_max * 1000 / (2 * (r_earth + h))) / 1000
    assert s_max < horizon_km(h, h, r_earth)  # range-limited: the horizon is farther
    system = make_system(max_range_km=rho_max, min_range_km=rho_min, antenna_height_m=h)
    env = envelope(make_site(system, lat=lat), h)
    assert env.limited_by == "range"
    assert_allclose(env.inner_km, s_min, rtol=1e-9)
    assert_allclose(env.outer_km, s_max, rtol=1e-9)

    poly = env.polygon(SITE_LON, lat)
    assert poly.is_valid and len(poly.interiors) == 1
    hole_km2 = shapely.Polygon(poly.interiors[0]).area / 1e6
    assert_allclose(hole_km2, cap_area_km2(s_min, r_earth), rtol=1e-3)
    annulus = cap_area_km2(s_max, r_earth) - cap_area_km2(s_min, r_earth)
    assert_allclose(env.area_km2(), annulus, rtol=1e-3)

    inner_ll = env.polygon().interiors[0].coords
    assert_allclose(_ring_distances_m(inner_ll, SITE_LON, lat), s_min * 1000, atol=1.0)
    # The site itself is in the dead zone; a point half-way across the annulus is covered.
    fwd, _ = laea_transformers(SITE_LON, lat)
    assert not poly.contains(shapely.Point(0.0, 0.0))
    mlon, mlat, _ = WGS84.fwd(SITE_LON, lat, 30.0, (s_min + s_max) / 2 * 1000)
    assert poly.contains(shapely.Point(*fwd.transform(mlon, mlat)))


def test_dead_zone_without_hole_when_target_is_high():
    """A target 10 km above the radar is already 9.98 km away: a 5 km minimum range leaves
    no dead zone on the ground (s_min = 0)."""
    system = make_system(max_range_km=60.0, min_range_km=5.0, antenna_height_m=20.0)
    env = envelope(make_site(system), 10000.0)
    assert env.inner_km == 0.0
    assert len(env.polygon().interiors) == 0


def test_dead_zone_swallows_the_envelope():
    """10 m antenna, 10 m target: horizon 2 * sqrt(2 * 4/3 * 6,384,011 * 10) = 26.1 km, inside
    a 30 km minimum range: nothing can be engaged."""
    r_earth = gaussian_radius(53.0)
    assert_allclose(horizon_km(10.0, 10.0, r_earth), 26.10, atol=0.01)
    system = make_system(max_range_km=100.0, min_range_km=30.0, antenna_height_m=10.0)
    env = envelope(make_site(system, lat=53.0), 10.0)
    assert env.empty and env.limited_by == "dead_zone"
    assert env.area_km2() == 0.0


# --------------------------------------------------------------------------------------------
# Sectors
# --------------------------------------------------------------------------------------------

SECTOR_SYSTEM = make_system("Sector-SAM", max_range_km=150.0, min_range_km=20.0,
                            antenna_height_m=100.0)


@pytest.mark.parametrize(("width", "fraction"), [(120.0, 1 / 3), (90.0, 1 / 4), (45.0, 1 / 8),
                                                 (270.0, 3 / 4)])
@pytest.mark.parametrize("azimuth", [0.0, 45.0, 200.0, 350.0])
def test_sector_holds_its_share_of_the_annulus(width, fraction, azimuth):
    """ha = ht = 100 m at lat 53: horizon 2 sqrt(2 * 4/3 * 6,384,011 * 100) = 82.5 km < the
    150 km ground range, so outer = 82.5 km; inner = 2 R asin(20 / (2 (R + 0.1))) ~ 20.0 km.
    A sector of width w holds w / 360 of the annulus."""
    lat = 53.0
    r_earth = gaussian_radius(lat)
    outer = horizon_km(100.0, 100.0, r_earth)
    inner = 2 * r_earth * math.asin(20000.0 / (2 * (r_earth + 100.0))) / 1000
    assert_allclose(outer, 82.52, atol=0.01)
    annulus = cap_area_km2(outer, r_earth) - cap_area_km2(inner, r_earth)

    full = envelope(make_site(SECTOR_SYSTEM, lat=lat), 100.0)
    site = make_site(SECTOR_SYSTEM, lat=lat, azimuth_deg=azimuth, sector_width_deg=width)
    env = envelope(site, 100.0)
    assert env.limited_by == "horizon"
    assert env.azimuth_deg == azimuth and env.sector_width_deg == width
    assert_allclose(env.outer_km, outer, rtol=1e-9)
    assert_allclose(env.inner_km, inner, rtol=1e-9)
    assert env.polygon().is_valid
    assert_allclose(env.area_km2(), fraction * annulus, rtol=1e-3)
    assert_allclose(env.area_km2() / full.area_km2(), fraction, rtol=1e-3)


@pytest.mark.parametrize("azimuth", [0.0, 45.0, 200.0, 350.0])
@pytest.mark.parametrize("width", [120.0, 90.0])
@pytest.mark.parametrize("min_range", [20.0, 0.0])
def test_sector_points_the_right_way(azimuth, width, min_range):
    """Points half-way across the annulus: inside within the sector (5 degrees from its edges),
    outside beyond it. Azimuths are clockwise from true north."""
    lat = 53.0
    system = make_system(max_range_km=150.0, min_range_km=min_range, antenna_height_m=100.0)
    env = envelope(make_site(system, lat=lat, azimuth_deg=azimuth, sector_width_deg=width), 100.0)
    poly = env.polygon(SITE_LON, lat)
    fwd, _ = laea_transformers(SITE_LON, lat)
    dist = (env.inner_km + env.outer_km) / 2 * 1000
    for offset, inside in [(0.0, True), (width / 2 - 5, True), (-(width / 2 - 5), True),
                           (width / 2 + 5, False), (-(width / 2 + 5), False), (180.0, False)]:
        plon, plat, _ = WGS84.fwd(SITE_LON, lat, azimuth + offset, dist)
        assert poly.contains(shapely.Point(*fwd.transform(plon, plat))) is inside, offset


def test_sector_without_dead_zone_is_a_pie_slice():
    """min range 0: the sector polygon runs to the site; a quarter of the disc."""
    lat = 53.0
    env = disc_envelope(150.0, lat)
    site = make_site(make_system(max_range_km=slant_km(150.0, 30.0, 20000.0, gaussian_radius(lat)),
                                 antenna_height_m=30.0),
                     lat=lat, azimuth_deg=90.0, sector_width_deg=90.0)
    quarter = envelope(site, 20000.0)
    assert_allclose(quarter.area_km2(), env.area_km2() / 4, rtol=1e-3)
    assert_allclose(quarter.area_km2(), cap_area_km2(150.0, gaussian_radius(lat)) / 4, rtol=1e-3)


# --------------------------------------------------------------------------------------------
# Horizon-limited vs range-limited
# --------------------------------------------------------------------------------------------

S400_LIKE = make_system("S400-like", max_range_km=400.0, min_range_km=3.0,
                        max_altitude_m=30000.0, min_altitude_m=5.0, antenna_height_m=24.0)


def test_long_range_system_against_low_target_is_horizon_limited():
    """400 km system, 24 m mast, 50 m target, lat 53 (R = 6,384,011 m, kR = 8,512,014 m):
    sqrt(2 * 8,512,014 * 24) + sqrt(2 * 8,512,014 * 50) = 20,214 + 29,177 m = 49.39 km,
    about 4.12 * (sqrt(24) + sqrt(50)) = 4.12 * 11.970 = 49.32 km."""
    r_earth = gaussian_radius(53.0)
    assert_allclose(r_earth, 6384011, atol=1)
    hand = (math.sqrt(2 * 4 / 3 * r_earth * 24) + math.sqrt(2 * 4 / 3 * r_earth * 50)) / 1000
    assert_allclose(hand, 49.39, atol=0.01)
    env = envelope(make_site(S400_LIKE, lat=53.0), 50.0)
    assert env.limited_by == "horizon"
    assert_allclose(env.outer_km, hand, rtol=1e-9)
    assert_allclose(env.horizon_km, hand, rtol=1e-9)
    assert_allclose(env.outer_km, 4.12 * (math.sqrt(24) + math.sqrt(50)), rtol=5e-3)
    assert env.range_ground_km > env.outer_km


def test_long_range_system_against_high_target_is_range_limited():
    """Same system vs a 10 km target. Horizon: 4.126 * (sqrt(24) + 100) = 432.8 km. Ground
    distance for a 400 km slant, law of cosines with p = R + 24 m, q = R + 10,000 m:
    cos(theta) = (p^2 + q^2 - 400,000^2) / (2 p q), s = R * theta ~ 399.5 km < 432.8 km."""
    r_earth = gaussian_radius(53.0)
    p, q = r_earth + 24.0, r_earth + 10000.0
    theta = math.acos((p * p + q * q - 400000.0**2) / (2 * p * q))
    s_hand = r_earth * theta / 1000
    assert 399.0 < s_hand < 400.0
    env = envelope(make_site(S400_LIKE, lat=53.0), 10000.0)
    assert env.limited_by == "range"
    assert_allclose(env.outer_km, s_hand, rtol=1e-9)
    assert_allclose(env.range_ground_km, s_hand, rtol=1e-9)
    assert_allclose(env.horizon_km, horizon_km(24.0, 10000.0, r_earth), rtol=1e-12)
    assert env.horizon_km > env.outer_km


def test_docstring_s300ps_like_example():
    """75 km / 24 m mast vs 50 m target at lat 53: horizon 49.39 km < 75 km: horizon-limited."""
    r = envelope_radii(75, 5, 27000, 10, 24, 50, 53.0)
    assert str(r["limited_by"][0]) == "horizon"
    assert_allclose(r["outer_km"][0], horizon_km(24.0, 50.0, gaussian_radius(53.0)), rtol=1e-9)


@pytest.mark.parametrize(("max_range", "ha", "ht"), [
    (10.0, 10.0, 20000.0),     # 19.99 km straight up > 10 km
    (4.0, 5000.0, 0.0),        # radar 5 km above the target, 4 km reach
    (10.0, 0.0, 10000.0),      # exactly |ht - ha| = max_range
    (5.0, 5000.0, 0.0),        # exactly, radar above the target
    (10.0, 20.0, 10020.0),     # exactly, with a mast
    (25.0, 0.0, 25000.0),      # exactly
])
def test_target_straight_above_out_of_range_is_empty(max_range, ha, ht):
    """DESIGN 3.2 step 3: empty if |ht - ha| >= max_range, limited by ``range``.

    The equality cases matter: there the missile reaches the target only straight above (or
    below) the radar, a single point, so the envelope is empty because of the range. It is not
    a dead zone: with a 1 km minimum range nothing lies inside the minimum range.
    """
    system = make_system(max_range_km=max_range, min_range_km=1.0, antenna_height_m=ha)
    env = envelope(make_site(system), ht)
    assert env.empty
    assert env.limited_by == "range"
    assert env.area_km2() == 0.0


def test_zero_horizon_without_minimum_range_is_horizon_limited():
    """Antenna on the ground, target on the ground: horizon sqrt(0) + sqrt(0) = 0 km. With no
    minimum range there is no dead zone, so the horizon is what empties the envelope."""
    system = make_system(max_range_km=50.0, min_range_km=0.0, min_altitude_m=0.0,
                         antenna_height_m=0.0)
    env = envelope(make_site(system), 0.0)
    assert env.empty
    assert env.horizon_km == 0.0
    assert env.limited_by == "horizon"


# --------------------------------------------------------------------------------------------
# Assumptions carried, overrides, vectorisation, properties
# --------------------------------------------------------------------------------------------

def test_envelope_carries_assumptions_and_site_overrides():
    system = make_system(max_range_km=400.0, antenna_height_m=24.0)
    site = make_site(system, lat=53.0, antenna_height_m=40.0)
    env = envelope(site, 50.0, k_factor=1.0)
    r_earth = gaussian_radius(53.0)
    assert env.antenna_height_m == 40.0 and env.k_factor == 1.0
    assert env.site == "site" and env.system == "Test-SAM" and env.altitude_m == 50.0
    assert_allclose(env.horizon_km, horizon_km(40.0, 50.0, r_earth, k=1.0), rtol=1e-12)
    assert env.limited_by == "horizon"


def test_envelopes_vectorised_equals_one_by_one():
    systems = [S400_LIKE, GATED, SECTOR_SYSTEM]
    sites = [make_site(s, lon=20 + i, lat=50 + 5 * i, name=f"s{i}",
                       antenna_height_m=10.0 * i or None)
             for i, s in enumerate(systems)]
    for alt in (10.0, 100.0, 10000.0, 25000.0):
        many = envelopes(sites, alt)
        assert many == [envelope(s, alt) for s in sites]
    assert envelopes([], 100.0) == []


radii_inputs = st.tuples(
    st.floats(1.0, 500.0),  # max range
    st.floats(0.0, 1.0),  # min range as a fraction of max range
    st.floats(0.0, 100.0),  # antenna height
    st.floats(0.0, 35000.0),  # target altitude
    st.floats(-85.0, 85.0),  # latitude
    st.floats(0.5, 2.0),  # k factor
)


@settings(max_examples=200)
@given(radii_inputs)
def test_envelope_radii_properties(args):
    """Invariants against the law of cosines and the horizon, written out in conftest."""
    rmax, frac, ha, ht, lat, k = args
    rmin = frac * rmax * 0.99
    r = envelope_radii(rmax, rmin, 30000.0, 10.0, ha, ht, lat, k_factor=k)
    outer, inner = float(r["outer_km"][0]), float(r["inner_km"][0])
    limited = str(r["limited_by"][0])
    assert limited in LIMITS
    r_earth = gaussian_radius(lat)
    hz = horizon_km(ha, ht, r_earth, k)
    assert_allclose(r["horizon_km"][0], hz, rtol=1e-12, atol=1e-12)
    if ht > 30000.0:
        assert limited == "ceiling" and outer == inner == 0.0
        return
    if ht < 10.0:
        assert limited == "floor" and outer == inner == 0.0
        return
    dh = abs(ht - ha) / 1000
    if dh >= rmax * (1 + 1e-9):
        assert limited == "range" and outer == inner == 0.0
        return
    if outer > inner:
        assert outer <= hz * (1 + 1e-12)
        if outer > 1.0:
            assert slant_km(outer, ha, ht, r_earth) <= rmax * (1 + 1e-6)
        if limited == "horizon":
            assert_allclose(outer, hz, rtol=1e-12)
        else:
            assert limited == "range"
            if rmax - dh > 1.0:  # away from the ill-conditioned straight-up case
                assert_allclose(outer, ground_for_slant_km(rmax, ha, ht, r_earth), rtol=1e-6)
        if inner > 0:
            assert rmin > dh
            if rmin - dh > 1.0:
                assert_allclose(inner, ground_for_slant_km(rmin, ha, ht, r_earth), rtol=1e-6)
        else:  # no dead zone on the ground (1 mm slack for rho^2 underflow / rounding)
            assert rmin <= dh * (1 + 1e-9) + 1e-6
    else:
        assert outer == inner == 0.0
        if limited == "dead_zone":
            assert rmin > dh  # a dead zone needs a minimum range beyond the height difference
        else:
            assert limited in ("range", "horizon")


@settings(max_examples=30, deadline=None)
@given(lat=st.floats(-80.0, 80.0), lon=st.floats(-179.0, 179.0),
       alt=st.floats(10.0, 25000.0))
def test_higher_floor_never_grows_the_envelope(lat, lon, alt):
    """Raising the minimum altitude above the target empties the envelope; below it, nothing
    changes."""
    low = make_system(min_altitude_m=0.0, max_range_km=120.0, min_range_km=3.0)
    high = make_system(min_altitude_m=alt + 1.0, max_range_km=120.0, min_range_km=3.0)
    e_low = envelope(make_site(low, lon=lon, lat=lat), alt)
    e_high = envelope(make_site(high, lon=lon, lat=lat), alt)
    assert e_high.empty and e_high.limited_by == "floor"
    assert e_low.area_km2() >= e_high.area_km2()
