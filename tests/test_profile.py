"""Altitude profiles: log-spaced altitudes, crossover altitudes, regimes and the profile plot.

The crossover altitude is checked against a bisection written here on the model's definition
(4/3-Earth horizon against the slant-range ground distance from the law of cosines, on the WGS84
Gaussian sphere); the per-altitude regime counts against the same hand model applied site by
site; monotonicity only where it must hold (below every crossover, where no envelope shrinks).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import struct

import numpy as np
import pytest
from click.testing import CliRunner

from adcov.cli import cli
from adcov.profile import (
    altitude_profile,
    crossover_altitude_m,
    crossovers,
    profile_altitudes,
)
from adcov.render.plots import plot_profile
from adcov.scenario import Scenario

A_M = 6378137.0
F = 1.0 / 298.257223563
E2 = F * (2.0 - F)
K = 4.0 / 3.0
SECTORS = ("west", "south", "east")


# --------------------------------------------------------------------------- hand model
def gaussian_radius(lat_deg: float) -> float:
    """sqrt(M N) of the WGS84 ellipsoid from a and f. [m]"""
    w = 1.0 - E2 * math.sin(math.radians(lat_deg)) ** 2
    m = A_M * (1.0 - E2) / w**1.5
    n = A_M / math.sqrt(w)
    return math.sqrt(m * n)


def horizon_km(ha, ht, r, k=K):
    return (math.sqrt(2 * k * r * ha) + math.sqrt(2 * k * r * ht)) / 1000.0


def slant_ground_km(rho_km, ha, ht, r):
    """Ground distance at which the slant range reaches rho (law of cosines); None if never."""
    p, q, rho = r + ha, r + ht, rho_km * 1000.0
    if rho <= abs(ht - ha):
        return None
    return math.acos((p * p + q * q - rho * rho) / (2 * p * q)) * r / 1000.0


def hand_crossover(range_km, ha, lat, top=1e6, k=K):
    """Bisection on g(h) = horizon(h) - slant-range ground distance(h); nan if no sign change."""
    r = gaussian_radius(lat)

    def g(h):
        s = slant_ground_km(range_km, ha, h, r)
        return math.inf if s is None else horizon_km(ha, h, r, k) - s

    lo, hi = 0.0, top
    if g(lo) >= 0 or g(hi) < 0:
        return math.nan
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if g(mid) < 0 else (lo, mid)
    return 0.5 * (lo + hi)


def hand_regime(system, ha, ht, lat, k=K):
    if ht > system.max_altitude_m or ht < system.min_altitude_m:
        return "empty"
    r = gaussian_radius(lat)
    s_max = slant_ground_km(system.max_range_km, ha, ht, r)
    if s_max is None:
        return "empty"
    s_min = slant_ground_km(system.min_range_km, ha, ht, r) or 0.0
    hz = horizon_km(ha, ht, r, k)
    outer = min(s_max, hz)
    if outer <= s_min:
        return "empty"
    return "range" if s_max <= hz else "horizon"


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def blr2023():
    return Scenario.builtin("belarus-2023")


@pytest.fixture(scope="module")
def profile2023(blr2023):
    return altitude_profile(blr2023)


# --------------------------------------------------------------------------- profile_altitudes
@pytest.mark.parametrize("name, top", [("belarus-2023", 30000.0), ("belarus-2021", 27000.0)])
def test_profile_altitudes_log_spaced_from_10_m_to_the_highest_ceiling(name, top):
    sc = Scenario.builtin(name)
    # The highest ceiling: S-400/40N6 30 km in 2023; S-300PS 27 km in 2021 (Tor-M2: 10 km).
    assert max(s.system.max_altitude_m for s in sc.sites) == top
    alts = profile_altitudes(sc)
    assert len(alts) >= 25
    assert alts[0] == 10.0 and alts[-1] == top
    assert np.all(np.diff(alts) > 0)
    assert set(sc.altitudes_m) <= set(alts)
    # Without the scenario's own altitudes the steps are one constant ratio (to the 0.1 m
    # rounding): (top / 10) ** (1 / (n - 1)).
    grid = np.array([a for a in alts if a not in sc.altitudes_m])
    ratio = (top / 10.0) ** (1.0 / (len(grid) - 1))
    np.testing.assert_allclose(grid[1:] / grid[:-1], ratio, rtol=0.01)
    # With them, no step is longer than the grid's.
    assert np.all(alts[1:] / alts[:-1] <= ratio * 1.01)


def test_profile_altitudes_point_count(blr2023):
    assert len(profile_altitudes(blr2023, 60)) >= 60
    with pytest.raises(ValueError):
        profile_altitudes(blr2023, 1)


# --------------------------------------------------------------------------- crossover
def test_crossover_of_a_75_km_missile_on_a_24_m_mast_by_hand():
    """sqrt(2kR 24) + sqrt(2kR h) = R acos(((R+24)^2 + (R+h)^2 - 75 km^2) / (2 (R+24)(R+h)))."""
    r = gaussian_radius(53.0)
    assert r == pytest.approx(6_384_011, abs=1.0)  # sqrt(M N) at 53 N
    h = hand_crossover(75.0, 24.0, 53.0)
    assert 170.0 < h < 185.0
    # at the hand solution the two ground distances agree (both about 74.8 km)
    assert horizon_km(24.0, h, r) == pytest.approx(slant_ground_km(75.0, 24.0, h, r), abs=1e-6)
    assert crossover_altitude_m(75.0, 24.0, 53.0) == pytest.approx(h, abs=1.0)


@pytest.mark.parametrize("range_km, ha, lat, k", [
    (400.0, 24.0, 53.0, K),       # S-400/40N6: km-scale crossover
    (250.0, 24.0, 52.2, K),       # S-400/48N6DM
    (15.0, 4.0, 53.1, K),         # Tor-M2: a few metres
    (75.0, 24.0, 10.0, 1.0),      # no refraction, low latitude
])
def test_crossover_matches_hand_bisection(range_km, ha, lat, k):
    want = hand_crossover(range_km, ha, lat, k=k)
    assert math.isfinite(want)
    assert crossover_altitude_m(range_km, ha, lat, k_factor=k) == pytest.approx(want, abs=1.0)


def test_crossover_nan_cases():
    r = gaussian_radius(53.0)
    # 10 km missile on a 30 m mast: the horizon at ground level (22.6 km) is already beyond
    # the slant-range distance (10 km): range-limited from the ground up.
    assert horizon_km(30.0, 0.0, r) > slant_ground_km(10.0, 30.0, 0.0, r)
    assert math.isnan(crossover_altitude_m(10.0, 30.0, 53.0))
    # 400 km missile with a 1 km ceiling: the horizon (about 150 km at 1 km) never reaches it.
    assert horizon_km(24.0, 1000.0, r) < slant_ground_km(400.0, 24.0, 1000.0, r)
    assert math.isnan(crossover_altitude_m(400.0, 24.0, 53.0, max_altitude_m=1000.0))


def test_crossovers_table_by_hand(blr2023):
    table = crossovers(blr2023)
    first = {}
    for s in blr2023.sites:
        first.setdefault((s.system.id, s.effective_antenna_height_m), s)
    assert len(table) == len(first) == 4
    for rec in table.itertuples():
        s = first[(rec.system, rec.antenna_height_m)]
        want = hand_crossover(s.system.max_range_km, s.effective_antenna_height_m, s.lat,
                              top=s.system.max_altitude_m)
        assert rec.crossover_altitude_m == pytest.approx(want, abs=1.0), rec.system


# --------------------------------------------------------------------------- altitude_profile
def test_profile_rows_and_regime_counts_by_hand(profile2023, blr2023):
    prof = profile2023
    alts = sorted(set(prof.altitude_m))
    assert alts == list(profile_altitudes(blr2023))
    assert set(prof.zone_kind) == {"region", "sector"}
    for h in alts:
        rows = prof[prof.altitude_m == h]
        assert sorted(rows.zone) == sorted(["BLR", *SECTORS])
        assert (rows.n_range + rows.n_horizon + rows.n_empty == len(blr2023.sites)).all()
        want = {"range": 0, "horizon": 0, "empty": 0}
        for s in blr2023.sites:
            want[hand_regime(s.system, s.effective_antenna_height_m, h, s.lat)] += 1
        got = rows.iloc[0]
        assert (got.n_range, got.n_horizon, got.n_empty) == \
            (want["range"], want["horizon"], want["empty"]), h


def test_profile_covered_fraction_is_a_share_between_0_and_1(profile2023):
    """covered_fraction is "the share (0..1)" of the zone covered (README); where a zone is
    fully covered (BLR above ~10 km) it must be 1, not 1 + rounding error."""
    prof = profile2023
    full = prof[prof.covered_fraction > 1.0 - 1e-9]
    assert len(full) > 0  # the case arises
    over = prof[(prof.covered_fraction > 1.0) | (prof.covered_fraction < 0.0)]
    assert over.empty, "covered_fraction - 1: " + ", ".join(
        f"{r.zone} at {r.altitude_m:g} m: {r.covered_fraction - 1.0:+.1e}" for r in over.itertuples())


def test_profile_regimes_at_known_altitudes(profile2023):
    """At 10 m everything but Tor-M2 (crossover ~3 m) is horizon-limited; at 30 km only the
    40N6 (30 km ceiling) is left, range-limited."""
    first = profile2023[profile2023.altitude_m == 10.0].iloc[0]
    assert (first.n_range, first.n_horizon, first.n_empty) == (2, 11, 0)
    last = profile2023[profile2023.altitude_m == 30000.0].iloc[0]
    assert (last.n_range, last.n_horizon, last.n_empty) == (3, 0, 10)


def test_covered_fraction_nondecreasing_below_every_crossover(blr2023):
    """Below its crossover an envelope's outer radius is the horizon, which grows with altitude,
    and its dead zone shrinks; so, below every crossover and above every floor, no envelope
    shrinks and no zone's coverage can fall. The S-400 sites alone cross over at ~3.1 km."""
    s400 = tuple(s for s in blr2023.sites if s.system.id.startswith("S-400/"))
    assert len(s400) == 6
    sc = dataclasses.replace(blr2023, sites=s400)
    lowest = min(hand_crossover(s.system.max_range_km, s.effective_antenna_height_m, s.lat)
                 for s in s400)
    assert 2500.0 < lowest < 3500.0
    alts = np.geomspace(10.0, 0.98 * lowest, 10)
    prof = altitude_profile(sc, alts)
    assert (prof.n_range == 0).all() and (prof.n_horizon == 6).all()
    for zone in ("BLR", *SECTORS):
        part = prof[prof.zone == zone].sort_values("altitude_m")
        assert np.all(np.diff(part.covered_fraction.to_numpy()) >= -1e-9), zone
        assert np.all(np.diff(part.covered_km2.to_numpy()) >= -1e-6), zone
    region = prof[prof.zone == "BLR"].sort_values("altitude_m").covered_fraction.to_numpy()
    assert region[-1] > region[0] + 0.2  # and it does grow, a lot


# --------------------------------------------------------------------------- plot
def test_plot_profile_figure(profile2023, blr2023):
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    matplotlib.use("Agg")
    fig = plot_profile(profile2023, title="t")
    try:
        assert isinstance(fig, Figure)
        ax = fig.axes[0]
        assert ax.get_xscale() == "log"
        labels = [ln.get_label() for ln in ax.get_lines()]
        assert len(labels) == 4
        for zone in ("BLR", *SECTORS):
            assert sum(lbl.startswith(zone + " ") for lbl in labels) == 1
    finally:
        plt.close(fig)
    # With the crossovers: one dotted line more for each inside 10 m .. 30 km (S-300PS ~176 m,
    # 48N6DM ~3.1 km, 40N6 ~8.5 km; Tor-M2's ~3 m is below the axis).
    fig = plot_profile(profile2023, crossover=crossovers(blr2023))
    try:
        assert len(fig.axes[0].get_lines()) == 4 + 3
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- CLI
ONE_SITE = """\
name = "one S-300PS"
region = "BLR"
altitudes_m = [1000]

[[sites]]
name = "Minsk"
system = "S-300PS"
lon = 27.56
lat = 53.90
"""


@pytest.fixture()
def one_site(tmp_path):
    p = tmp_path / "one.toml"
    p.write_text(ONE_SITE, encoding="utf-8")
    return p


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_cli_profile_png(one_site, tmp_path):
    out = tmp_path / "x.png"
    res = run("profile", one_site, "-o", out, "--points", 25)
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 600 and height >= 400


def test_cli_profile_csv(one_site, tmp_path):
    out = tmp_path / "x.csv"
    res = run("profile", one_site, "-o", out, "--points", 25)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    alts = sorted({float(r["altitude_m"]) for r in rows})
    assert len(alts) >= 25
    assert alts[0] == 10.0 and alts[-1] == 27000.0 and 1000.0 in alts
    assert {"zone", "covered_fraction", "n_range", "n_horizon", "n_empty"} <= set(rows[0])
    for r in rows:
        assert int(r["n_range"]) + int(r["n_horizon"]) + int(r["n_empty"]) == 1
    # one site, so the regime is the hand regime of that site
    sc = Scenario.from_file(one_site)
    s = sc.sites[0]
    for r in rows:
        want = hand_regime(s.system, s.effective_antenna_height_m, float(r["altitude_m"]), s.lat)
        assert int(r[f"n_{want}"]) == 1, r["altitude_m"]


def test_cli_profile_txt_exits_2(one_site, tmp_path):
    out = tmp_path / "x.txt"
    res = run("profile", one_site, "-o", out)
    assert res.exit_code == 2
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("adcov: error: ") and ".txt" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.toml"]
