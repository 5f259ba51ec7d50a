"""Tests for adcov.geodesy against published values and closed forms worked out here."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import example, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from adcov import geodesy as g
from adcov import projection, radar
from conftest import (
    A_M,
    B_M,
    E2,
    WGS84,
    cap_area_km2,
    dense_geodesic_disc_area_km2,
    gaussian_radius,
    ground_for_slant_km,
    slant_km,
)

R_MEAN_M = 6371000.0  # IUGG mean radius used by the published horizon tables
K43 = 4.0 / 3.0

heights = st.floats(min_value=0.0, max_value=30000.0, allow_nan=False, allow_infinity=False)
lats = st.floats(min_value=-90.0, max_value=90.0, allow_nan=False)


# --------------------------------------------------------------------------------------------
# Radar horizon
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("altitude_m", "published_km"),
    [(0.0, 22.6), (50.0, 51.7), (1000.0, 152.9), (10000.0, 434.8)],
)
def test_radar_horizon_published_30m_antenna(altitude_m, published_km):
    """Published 30 m antenna case, R = 6371 km, k = 4/3.

    Source: MATLAB ``horizonrange`` documentation (effective-Earth model, 30 m antenna example:
    22.6 km horizon), with the formula of Federal Standard 1037C, "radar line of sight";
    values also listed in shared/reference/public-sources.md: 22.6 km (target at 0 m), 51.7 km
    vs 50 m, 152.9 km vs 1 km, 434.8 km vs 10 km. The table is rounded to 0.1 km, hence 0.5%.
    """
    got = radar.radar_horizon_km(30.0, altitude_m, k_factor=K43, radius_m=R_MEAN_M)
    assert_allclose(got, published_km, rtol=5e-3)
    # The defaults are the published model (R = 6371 km, k = 4/3).
    assert_allclose(radar.radar_horizon_km(30.0, altitude_m), published_km, rtol=5e-3)


@pytest.mark.parametrize("ha", [0.0, 4.0, 24.0, 30.0, 39.0])
@pytest.mark.parametrize("ht", [0.0, 10.0, 50.0, 300.0, 1000.0, 5000.0, 20000.0])
def test_radar_horizon_rule_of_thumb(ha, ht):
    """d ~ 4.12 (sqrt(ha) + sqrt(ht)) km with heights in m.

    sqrt(2 * 4/3 * 6,371,000 m) = sqrt(16,989,333 m) = 4,121.8 m^0.5, i.e. 4.1218 km per sqrt(m);
    4.12 is that number rounded, so 0.05% apart: rtol 1e-3.
    """
    got = radar.radar_horizon_km(ha, ht)
    assert_allclose(got, 4.12 * (math.sqrt(ha) + math.sqrt(ht)), rtol=1e-3, atol=1e-12)


def test_radar_horizon_without_refraction_hand_value():
    """k = 1, 30 m: sqrt(2 * 6,371,000 * 30) = sqrt(382,260,000) = 19,551.5 m."""
    assert_allclose(radar.radar_horizon_km(30.0, 0.0, k_factor=1.0), 19.5515, rtol=1e-5)


def test_radar_horizon_vectorised():
    ha = np.array([30.0, 30.0, 30.0, 30.0])
    ht = np.array([0.0, 50.0, 1000.0, 10000.0])
    got = radar.radar_horizon_km(ha, ht)
    assert isinstance(got, np.ndarray) and got.shape == (4,)
    assert_allclose(got, [22.6, 51.7, 152.9, 434.8], rtol=5e-3)
    assert isinstance(radar.radar_horizon_km(30.0, 0.0), float)


@pytest.mark.parametrize(("ha", "ht"), [(-1.0, 0.0), (0.0, -0.5)])
def test_radar_horizon_rejects_negative_heights(ha, ht):
    with pytest.raises(ValueError):
        radar.radar_horizon_km(ha, ht)


@given(ha=heights, ht=heights, k=st.floats(0.5, 4.0))
def test_radar_horizon_closed_form_property(ha, ht, k):
    """Symmetric in the two heights and equal to sqrt(2kR ha) + sqrt(2kR ht) written out here."""
    expected = (math.sqrt(2 * k * R_MEAN_M * ha) + math.sqrt(2 * k * R_MEAN_M * ht)) / 1000
    assert_allclose(radar.radar_horizon_km(ha, ht, k_factor=k), expected, rtol=1e-12, atol=1e-12)
    assert_allclose(radar.radar_horizon_km(ht, ha, k_factor=k), expected, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------
# Gaussian radius
# --------------------------------------------------------------------------------------------

def test_gaussian_radius_equator_and_pole():
    """sqrt(M N) = a sqrt(1 - e2) = b at the equator, a / sqrt(1 - e2) = a^2 / b at the poles.

    With a = 6,378,137 m and f = 1/298.257223563: b = a (1 - f) = 6,356,752.314 m and
    a^2 / b = 6,399,593.626 m.
    """
    b = A_M * (1 - 1 / 298.257223563)
    assert_allclose(b, 6356752.314, atol=1e-3)
    assert_allclose(A_M**2 / b, 6399593.626, atol=1e-3)
    assert_allclose(g.gaussian_radius_m(0.0), b, rtol=1e-13)
    assert_allclose(g.gaussian_radius_m(90.0), A_M**2 / b, rtol=1e-13)
    assert_allclose(g.gaussian_radius_m(-90.0), A_M**2 / b, rtol=1e-13)


@pytest.mark.parametrize("lat", [-75.0, -30.0, 0.0, 15.0, 45.0, 53.0, 70.0, 89.0])
def test_gaussian_radius_is_geometric_mean_of_m_and_n(lat):
    assert_allclose(g.gaussian_radius_m(lat), gaussian_radius(lat), rtol=1e-13)


def test_gaussian_radius_vectorised():
    lat = np.array([0.0, 53.0, 90.0])
    assert_allclose(g.gaussian_radius_m(lat), [gaussian_radius(x) for x in lat], rtol=1e-13)


@given(lat=lats)
def test_gaussian_radius_bounds_and_symmetry(lat):
    r = g.gaussian_radius_m(lat)
    assert B_M * (1 - 1e-14) <= r <= A_M**2 / B_M * (1 + 1e-14)
    assert_allclose(g.gaussian_radius_m(-lat), r, rtol=1e-15)
    assert_allclose(r, gaussian_radius(lat), rtol=1e-13)


@given(a=st.floats(0.0, 90.0), b=st.floats(0.0, 90.0))
def test_gaussian_radius_grows_towards_the_poles(a, b):
    lo, hi = sorted((a, b))
    assert g.gaussian_radius_m(lo) <= g.gaussian_radius_m(hi) * (1 + 1e-15)


def test_wgs84_constants():
    assert g.WGS84_A_M == A_M
    assert_allclose(g.WGS84_F, 1 / 298.257223563, rtol=1e-15)
    assert_allclose(E2, 0.00669437999014, rtol=1e-11)  # published WGS84 e^2


# --------------------------------------------------------------------------------------------
# Slant range and its inverse
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("ha", "ht"),
    [(0.0, 0.0), (20.0, 10020.0), (24.0, 50.0), (30.0, 10000.0), (500.0, 20.0), (10.0, 30000.0)],
)
def test_slant_range_at_zero_ground_distance(ha, ht):
    """Straight above or below the radar, slant range = |ht - ha|."""
    assert_allclose(radar.slant_range_km(0.0, ha, ht), abs(ht - ha) / 1000.0, rtol=1e-12, atol=1e-15)


def test_slant_range_equilateral_and_right_triangles():
    """Triangles whose sides are known without trigonometry.

    * ha = ht = 0, s = pi R / 3 (60 degrees at the centre): equilateral, slant = R = 6371 km.
    * ha = ht = 0, s = pi R (antipode): slant = 2R = 12,742 km.
    * ha = 0, ht = R, s = pi R / 2 (90 degrees): legs R and 2R, slant = R sqrt(5)
      = 6371 * 2.2360680 = 14,245.989 km.
    """
    r_km = 6371.0
    assert_allclose(radar.slant_range_km(math.pi * r_km / 3, 0, 0), 6371.0, rtol=1e-12)
    assert_allclose(radar.slant_range_km(math.pi * r_km, 0, 0), 12742.0, rtol=1e-12)
    assert_allclose(radar.slant_range_km(math.pi * r_km / 2, 0, 6371000.0), 14245.98908, rtol=1e-9)
    assert_allclose(radar.ground_range_for_slant_km(6371.0, 0, 0), math.pi * r_km / 3, rtol=1e-12)
    assert_allclose(radar.ground_range_for_slant_km(12742.0, 0, 0), math.pi * r_km, rtol=1e-7)


@given(s=st.floats(0.0, 2.0), ha=st.floats(0.0, 1000.0), ht=st.floats(0.0, 1000.0))
def test_slant_range_flat_earth_limit(s, ha, ht):
    """For small s the slant range tends to Pythagoras, sqrt(s^2 + (ht - ha)^2).

    rho^2 = (ht - ha)^2 + s^2 (1 + ha/R)(1 + ht/R) sinc^2(s/2R), so for heights <= 1 km and
    s <= 2 km the relative difference is below (ha + ht) / (2R) <= 2000 / 12,742,000 = 1.6e-4.
    """
    flat = math.hypot(s, (ht - ha) / 1000.0)
    assert_allclose(radar.slant_range_km(s, ha, ht), flat, rtol=2e-4, atol=1e-12)


@given(s=st.floats(1.0, 3000.0), ha=heights, ht=heights)
def test_slant_range_matches_plain_law_of_cosines(s, ha, ht):
    """The cancellation-free form in the code equals the textbook law of cosines (rho >= 1 km)."""
    expected = slant_km(s, ha, ht, R_MEAN_M)
    assert_allclose(radar.slant_range_km(s, ha, ht), expected, rtol=1e-7)


@given(s=st.floats(0.0, 2000.0), ha=heights, ht=heights, lat=lats)
@example(s=0.0, ha=0.0, ht=16223.0, lat=0.0)
def test_ground_range_for_slant_round_trip(s, ha, ht, lat):
    """ground_range_for_slant(slant_range(s)) == s on the Gaussian sphere at any latitude."""
    r = gaussian_radius(lat)
    rho = radar.slant_range_km(s, ha, ht, radius_m=r)
    back = radar.ground_range_for_slant_km(rho, ha, ht, radius_m=r)
    # Near s = 0 the inverse is ill-conditioned (d s / d rho grows like rho / s): 1 cm absolute.
    assert_allclose(back, s, rtol=1e-9, atol=1e-5)


@given(rho=st.floats(40.0, 2000.0), ha=heights, ht=heights)
def test_ground_range_for_slant_matches_acos_form(rho, ha, ht):
    """Inverse against theta = acos((p^2 + q^2 - rho^2) / 2pq) written out here (rho >= 40 km >
    |ht - ha|, so a solution exists)."""
    expected = ground_for_slant_km(rho, ha, ht, R_MEAN_M)
    assert_allclose(radar.ground_range_for_slant_km(rho, ha, ht), expected, rtol=1e-7)


@pytest.mark.parametrize(("ha", "ht"), [(0.0, 1001.0), (24.0, 1025.0), (30.0, 1031.0),
                                       (0.0, 16223.0), (20.0, 10020.0), (5000.0, 0.0)])
def test_ground_range_for_slant_straight_above_is_zero(ha, ht):
    """The slant range straight above (or below) the radar is |ht - ha| (1.001 km for 0 and
    1001 m); feeding it back must give s = 0, not nan: the docstring keeps nan for slant ranges
    *shorter* than the height difference, and a value equal to it up to rounding is not."""
    rho = radar.slant_range_km(0.0, ha, ht)
    assert_allclose(rho, abs(ht - ha) / 1000.0, rtol=1e-12)
    assert_allclose(radar.ground_range_for_slant_km(rho, ha, ht), 0.0, atol=1e-6)


@pytest.mark.parametrize(("rho", "ha", "ht"), [(5.0, 0.0, 10000.0), (9.99, 20.0, 10020.0),
                                               (0.0, 0.0, 1.0)])
def test_ground_range_for_slant_out_of_reach_is_nan(rho, ha, ht):
    assert math.isnan(radar.ground_range_for_slant_km(rho, ha, ht))


def test_ground_range_for_slant_vectorised():
    out = radar.ground_range_for_slant_km(np.array([5.0, 6371.0]), np.array([0.0, 0.0]),
                                      np.array([10000.0, 0.0]))
    assert math.isnan(out[0])
    assert_allclose(out[1], math.pi * 6371.0 / 3, rtol=1e-12)


@given(s1=st.floats(0.0, 5000.0), s2=st.floats(0.0, 5000.0), ha=heights, ht=heights)
def test_slant_range_grows_with_ground_distance(s1, s2, ha, ht):
    lo, hi = sorted((s1, s2))
    assert radar.slant_range_km(lo, ha, ht) <= radar.slant_range_km(hi, ha, ht) * (1 + 1e-12) + 1e-12


# --------------------------------------------------------------------------------------------
# Ring vertex count
# --------------------------------------------------------------------------------------------

RADII_KM = [0.5, 1.0, 3.0, 15.0, 37.5, 75.0, 150.0, 250.0, 400.0, 1000.0]


@pytest.mark.parametrize("radius_km", RADII_KM)
@pytest.mark.parametrize("tol_m", [5.0, 37.5, 50.0, 200.0])
@pytest.mark.parametrize("width_deg", [360.0, 120.0, 90.0, 30.0])
def test_ring_vertex_count_sagitta_within_tolerance(radius_km, tol_m, width_deg):
    """Each of the n chords spans width/n; its sagitta r (1 - cos(width / 2n)) must be <= tol.

    For a full circle that is r (1 - cos(pi / n)).
    """
    n = g.ring_vertex_count(radius_km, tolerance_m=tol_m, width_deg=width_deg)
    r_m = radius_km * 1000.0
    half_angle = math.radians(width_deg) / (2 * n)
    sagitta = r_m * (1 - math.cos(half_angle))
    assert sagitta <= tol_m * (1 + 1e-9)
    assert n >= math.ceil(16 * width_deg / 360.0)


@pytest.mark.parametrize("radius_km", RADII_KM)
@pytest.mark.parametrize("tol_m", [37.5, 50.0])
def test_ring_vertex_count_is_not_wasteful(radius_km, tol_m):
    """One vertex fewer would break the tolerance (unless the minimum of 16 applies)."""
    n = g.ring_vertex_count(radius_km, tolerance_m=tol_m)
    if n > 16:
        assert radius_km * 1000.0 * (1 - math.cos(math.pi / (n - 1))) > tol_m


def test_ring_vertex_count_hand_values():
    """400 km, 50 m: pi / acos(1 - 50/400,000) = pi / 0.0158114 = 198.7 -> 199 vertices.
    75 km, 37.5 m: pi / acos(1 - 5e-4) = pi / 0.0316241 = 99.3 -> 100 vertices.
    A tiny ring gets the minimum of 16."""
    assert g.ring_vertex_count(400.0) == 199
    assert g.ring_vertex_count(75.0, tolerance_m=37.5) == 100
    assert g.ring_vertex_count(0.01) == 16
    assert g.ring_vertex_count(0.01, width_deg=90.0) == 4


def test_ring_vertex_count_vectorised():
    out = g.ring_vertex_count(np.array([400.0, 0.01]))
    assert list(out) == [199, 16]


# --------------------------------------------------------------------------------------------
# Closed-form disc area, geodesic rings, LAEA
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lat", [0.0, 53.0, 70.0])
@pytest.mark.parametrize("r_km", [10.0, 75.0, 400.0])
def test_the_cap_on_the_gaussian_sphere_is_the_geodesic_disc(lat, r_km):
    """The closed form the tests hold envelope areas against (conftest.cap_area_km2 on the
    Gaussian sphere) matches a dense geodesic polygon on the ellipsoid."""
    dense = dense_geodesic_disc_area_km2(27.0, lat, r_km)
    assert_allclose(cap_area_km2(r_km, gaussian_radius(lat)), dense, rtol=1e-6)


def test_geodesic_circle_area_hand_value():
    """R = 6371 km, r = 100 km: 2 pi R^2 (1 - cos(r/R)) = pi r^2 (1 - (r/R)^2 / 12 + ...)
    = 31,415.93 * (1 - 2.05e-5) = 31,415.28 km2."""
    assert_allclose(cap_area_km2(100.0, 6371000.0), 31415.28, rtol=1e-6)


@pytest.mark.parametrize(("start", "width", "count"), [(0.0, 360.0, 40), (300.0, 120.0, 12),
                                                       (-45.0, 90.0, 9)])
def test_geodesic_rings_vertices(start, width, count):
    (lon, lat), = g.geodesic_rings([27.0], [53.0], [150.0], [start], [width], [count])
    assert len(lon) == count + 1
    az, _, dist = WGS84.inv(np.full(len(lon), 27.0), np.full(len(lon), 53.0), lon, lat)
    assert_allclose(dist, 150000.0, atol=1e-3)
    expected_az = (start + np.arange(count + 1) * width / count + 180.0) % 360.0 - 180.0
    diff = (az - expected_az + 180.0) % 360.0 - 180.0
    assert_allclose(diff, 0.0, atol=1e-8)


def test_laea_round_trip_and_equal_area():
    """A 1 x 1 degree cell near Minsk: LAEA area equals the ellipsoidal (Geod) area."""
    cell = shapely.segmentize(shapely.box(27.0, 53.0, 28.0, 54.0), 0.01)
    projected = projection.to_laea(cell, 27.5, 53.5)
    geod_area = abs(WGS84.geometry_area_perimeter(cell)[0])
    assert_allclose(projected.area, geod_area, rtol=1e-6)
    back = projection.from_laea(projected, 27.5, 53.5)
    assert_allclose(shapely.get_coordinates(back), shapely.get_coordinates(cell), atol=1e-9)


@pytest.mark.parametrize("lon0, lat0", [(28.0, 53.5), (-170.0, 65.0), (179.5, -10.0),
                                        (0.0, 89.0)])
def test_laea_pipeline_equals_the_crs_transformation(lon0, lat0):
    """The LAEA transformers are built as PROJ pipelines (fast); they must give what pyproj
    builds from the two CRSs, to the bit, both ways."""
    import numpy as np
    from pyproj import Transformer

    from adcov.projection import laea_crs, laea_xy_to_lonlat, lonlat_to_laea_xy

    rng = np.random.default_rng(1)
    lon = rng.uniform(lon0 - 20, lon0 + 20, 2000)
    lat = np.clip(rng.uniform(lat0 - 15, lat0 + 15, 2000), -89.9, 89.9)
    crs = laea_crs(lon0, lat0)
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    assert np.array_equal(np.column_stack(lonlat_to_laea_xy(lon, lat, lon0, lat0)),
                          np.column_stack([x, y]))
    back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    assert np.array_equal(np.column_stack(laea_xy_to_lonlat(x, y, lon0, lat0)),
                          np.column_stack(back))
