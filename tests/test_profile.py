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
import pandas as pd
import pytest
from click.testing import CliRunner

from adcov.cli import cli
from adcov.profile import (
    altitude_profile,
    crossover_altitude_m,
    crossovers,
    profile_altitudes,
)
from adcov.catalog import System, default_catalog
from adcov.render.plots import plot_profile
from adcov.scenario import Scenario, Site

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
def envelope_edges(sc, lo, hi):
    """Each system's ceiling and 1 m above it, floor and 0.1 m below it, inside [lo, hi]."""
    out = set()
    for s in sc.sites:
        top, floor = s.system.max_altitude_m, s.system.min_altitude_m
        out |= {a for a in (top, top + 1.0) if lo <= a <= hi}
        if floor > lo:
            out |= {a for a in (floor - 0.1, floor) if lo <= a <= hi}
    return out


def hand_crossovers(sc, lo, hi):
    """The crossover altitude of every site, by the hand bisection, inside [lo, hi]. [m]"""
    found = (hand_crossover(s.system.max_range_km, s.effective_antenna_height_m, s.lat,
                            top=s.system.max_altitude_m, k=sc.k_factor) for s in sc.sites)
    return sorted({h for h in found if lo <= h <= hi})


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
    edges = envelope_edges(sc, 10.0, top)
    assert {10000.0, 10001.0, 27000.0, top} <= edges <= set(alts)  # Tor-M2, S-300PS, top
    # A point on either side of the crossovers of each system and mast (the sites' latitudes
    # spread them over about a metre), so that the regimes step there.
    cross = hand_crossovers(sc, 10.0, top)
    assert len(cross) >= 2
    for h in cross:
        assert any(h - 2.5 < a < h for a in alts) and any(h < a < h + 2.5 for a in alts), h
    # Without the scenario's own altitudes, the envelope edges and the crossovers, the steps
    # are one constant ratio (to the 0.1 m rounding): (top / 10) ** (1 / (n - 1)).
    grid = np.array([a for a in alts if a == top or a not in sc.altitudes_m and a not in edges
                     and not any(abs(a - h) < 2.5 for h in cross)])
    ratio = (top / 10.0) ** (1.0 / (len(grid) - 1))
    np.testing.assert_allclose(grid[1:] / grid[:-1], ratio, rtol=0.01)
    # With them, no step is longer than the grid's.
    assert np.all(alts[1:] / alts[:-1] <= ratio * 1.01)


@pytest.mark.parametrize("own", [
    (0.0, 5.0, 300.0, 40000.0),     # ground level, below 10 m, above every ceiling
    (0.5,),                         # below 1 m: the grid keeps 2 significant digits
    (1e6,),                         # the highest altitude a scenario may give
    (304.8, 12345.67),              # from feet; not on the 0.1 m grid
])
def test_profile_altitudes_keep_every_scenario_altitude(blr2023, own):
    sc = dataclasses.replace(blr2023, altitudes_m=own)
    alts = profile_altitudes(sc)
    assert set(own) <= set(alts)
    assert np.all(np.diff(alts) > 0)
    positive = [a for a in own if a > 0]
    lo, hi = min(10.0, *positive), max(30000.0, *own)
    assert alts[0] == (0.0 if 0.0 in own else lo) and alts[-1] == hi
    # the grid is stretched over the new range, not padded with one long step
    grid = alts[alts > 0]
    ratio = (hi / lo) ** (1.0 / 29)
    assert np.all(grid[1:] / grid[:-1] <= ratio * 1.01)
    assert envelope_edges(sc, lo, hi) <= set(alts)


def test_profile_altitudes_drop_to_nothing_just_above_the_top_ceiling(blr2023):
    """Above 30 km (the 40N6 ceiling) every envelope is empty: 30,001 m is a point, so the line
    falls at the ceiling rather than fading out towards the next grid point."""
    sc = dataclasses.replace(blr2023, altitudes_m=(40000.0,))
    alts = profile_altitudes(sc)
    assert 30000.0 in alts and 30001.0 in alts
    for h, want in ((30000.0, {"range"}), (30001.0, {"empty"})):
        s400 = [s for s in sc.sites if s.system.id == "S-400/40N6"]
        assert {hand_regime(s.system, s.effective_antenna_height_m, h, s.lat)
                for s in s400} == want


def test_profile_altitudes_point_count(blr2023):
    assert len(profile_altitudes(blr2023, 60)) >= 60
    with pytest.raises(ValueError, match="at least 2"):
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
def notional(system_id, max_range_km, antenna_height_m, max_altitude_m=20000.0):
    return System(system_id, "", max_range_km=max_range_km, min_range_km=3.0,
                  max_altitude_m=max_altitude_m, min_altitude_m=10.0,
                  antenna_height_m=antenna_height_m, family="Notional")


@pytest.fixture(scope="module")
def crowded():
    """Notebook 03's screen (one "Notional-MR" system on 12 m and 30 m masts, two sites on the
    12 m one; Buk-M3; Tor-M2) with more systems crossing over between 220 and 360 m, two of them
    at the same altitude, and one crossing over at 31 km, near the top of the axis. Altitudes
    below 10 m and above every ceiling."""
    cat = default_catalog()
    mr = notional("Notional-MR", 90.0, 12.0)
    sites = [
        Site("Mozyr", mr, 29.25, 52.05),
        Site("Pinsk", mr, 26.10, 52.11, azimuth_deg=180.0, sector_width_deg=180.0),
        Site("Stolin", mr, 26.85, 51.89, antenna_height_m=30.0),
        Site("Gomel", cat["Buk-M3"], 30.98, 52.44),
        Site("Rechitsa", cat["Tor-M2"], 30.39, 52.36),
        Site("Luninets", notional("Close-88", 88.0, 12.0), 26.80, 52.25),
        Site("Kalinkavichy", notional("Close-88b", 88.0, 12.0), 29.33, 52.13),
        Site("Zhlobin", notional("Close-92", 92.0, 12.0), 30.02, 52.89),
        Site("Minsk", notional("Edge-750", 750.0, 24.0, 35000.0), 27.56, 53.90),
    ]
    return Scenario("Crowded crossovers (NOTIONAL test scenario)", tuple(sites),
                    altitudes_m=(5.0, 300.0, 1000.0, 50000.0))


@pytest.fixture(scope="module")
def crowded_profile(crowded):
    return altitude_profile(crowded, points=25)


def hand_label(rows):
    """What the plot should write for systems crossing over at one altitude: '<ids>: 336 m'."""
    alt = rows[0][1]
    value = f"{alt:.3g} m" if alt < 1000 else f"{alt / 1000:.3g} km"
    return f"{', '.join(name for name, _ in rows)}: {value}"


def crowded_labels(sc):
    """The expected crossover labels, from the hand bisection; the one system on two masts named
    with its mast, the two systems alike in one label."""
    at = {}
    for s in sc.sites:
        h = hand_crossover(s.system.max_range_km, s.effective_antenna_height_m, s.lat,
                           top=s.system.max_altitude_m)
        if math.isfinite(h) and h >= 5.0:
            name = s.system.id
            if name == "Notional-MR":
                name += f" ({s.effective_antenna_height_m:g} m mast)"
            at.setdefault(float(f"{h:.3g}"), {})[name] = h
    return {hand_label(sorted(names.items())) for names in at.values()}


def drawn_texts(fig):
    """Every piece of text that the figure draws, with its box in pixels: titles, axis labels,
    legend texts, the crossover labels and the tick labels of ticks inside the view."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = [a for ax in fig.axes for a in (ax, *ax.child_axes)]
    ticks, drawn = set(), []
    for ax in axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for which, minor in (("major", False), ("minor", True)):
                locs = axis.get_ticklocs(minor=minor)
                tks = axis.get_minor_ticks(len(locs)) if minor else axis.get_major_ticks(len(locs))
                for loc, tick in zip(locs, tks):
                    ticks |= {id(tick.label1), id(tick.label2)}
                    if lo * (1 - 1e-9) <= loc <= hi * (1 + 1e-9):
                        drawn += [(which, t, axis) for t in (tick.label1, tick.label2)
                                  if t.get_visible()]
    drawn += [("text", t, None) for t in fig.findobj(Text) if id(t) not in ticks]
    return [(kind, t, t.get_window_extent(renderer), axis) for kind, t, axis in drawn
            if t.get_visible() and t.get_text().strip()]


def overlap(a, b, tol=0.5):
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tol) and (min(a.y1, b.y1) - max(a.y0, b.y0) > tol)


def check_layout(fig):
    """No drawn text overlaps another or leaves the figure; the legends stand beside the data;
    no crossover leader runs through a label. Returns the drawn texts."""
    texts = drawn_texts(fig)
    page = fig.bbox
    for _, t, box, _ in texts:
        assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5, t.get_text()
        assert page.y0 - 0.5 <= box.y0 and box.y1 <= page.y1 + 0.5, t.get_text()
    for i, (_, a, box_a, _) in enumerate(texts):
        for _, b, box_b, _ in texts[i + 1:]:
            assert not overlap(box_a, box_b), (a.get_text(), b.get_text())
    renderer = fig.canvas.get_renderer()
    legends = [ax.get_legend() for ax in fig.axes]
    assert all(legends)
    for legend in legends:
        frame = legend.get_window_extent(renderer)
        for ax in fig.axes:
            assert not overlap(frame, ax.get_window_extent(renderer), tol=0.0), \
                [t.get_text() for t in legend.get_texts()]
        for kind, t, box, axis in texts:
            if t.get_gid() == "crossover-label" or t is fig._suptitle:
                assert not overlap(frame, box), t.get_text()
    labels = [(t, box) for _, t, box, _ in texts if t.get_gid() == "crossover-label"]
    leaders = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "crossover-leader"]
    assert len(leaders) == len(labels)
    for leader in leaders:
        x = fig.axes[0].transData.transform((leader.get_xdata()[0], 1.0))[0]
        ext = leader.get_window_extent(renderer)
        crossed = [t.get_text() for t, box in labels
                   if box.x0 - 0.5 < x < box.x1 + 0.5 and ext.y1 > box.y0 + 0.5
                   and ext.y0 < box.y1 - 0.5]
        assert not crossed, crossed  # a leader rises beside its own label, never through it
    return texts


def x_tick_labels(texts, ax):
    """The drawn major tick labels of the x axis of ``ax``, left to right."""
    return [t.get_text() for kind, t, box, axis in sorted(texts, key=lambda r: r[2].x0)
            if kind == "major" and axis is ax.xaxis]


@pytest.fixture()
def agg():
    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    yield plt
    plt.close("all")


def test_plot_profile_figure(agg, profile2023, blr2023):
    from matplotlib.figure import Figure

    fig = plot_profile(profile2023, title="t")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert len(labels) == 4
    for zone in ("BLR", *SECTORS):
        assert sum(lbl.startswith(zone + " ") for lbl in labels) == 1
    check_layout(fig)
    # With the crossovers: one dotted line in each panel for each inside 10 m .. 30 km (S-300PS
    # ~176 m, 48N6DM ~3.1 km, 40N6 ~8.5 km; Tor-M2's ~3 m is below the axis), and one label.
    fig = plot_profile(profile2023, crossover=crossovers(blr2023))
    for panel in fig.axes:
        assert len([ln for ln in panel.get_lines() if ln.get_gid() == "crossover"]) == 3


@pytest.mark.parametrize("feet", [False, True])
@pytest.mark.parametrize("dpi", [100, 120])
def test_plot_profile_belarus_2023_layout(agg, profile2023, blr2023, feet, dpi):
    fig = plot_profile(profile2023, title=blr2023.name, crossover=crossovers(blr2023), feet=feet)
    fig.set_dpi(dpi)
    texts = check_layout(fig)
    got = sorted(t.get_text() for _, t, _, _ in texts if t.get_gid() == "crossover-label")
    assert got == sorted(hand_label([(s, h)]) for s, h in (
        ("S-300PS", hand_crossover(75.0, 24.0, blr_lat(blr2023, "S-300PS"))),
        ("S-400/48N6DM", hand_crossover(250.0, 24.0, blr_lat(blr2023, "S-400/48N6DM"))),
        ("S-400/40N6", hand_crossover(400.0, 24.0, blr_lat(blr2023, "S-400/40N6")))))
    assert got == ["S-300PS: 176 m", "S-400/40N6: 8.46 km", "S-400/48N6DM: 3.1 km"]
    ax, axr = fig.axes
    assert x_tick_labels(texts, axr) == ["10 m", "100 m", "1 km", "10 km"]
    assert x_tick_labels(texts, ax) == []  # shared with the regime panel
    assert axr.get_xlabel() == "target altitude above the radar's ground"
    assert bool(ax.child_axes) == feet
    title = fig._suptitle
    assert title.get_text() == blr2023.name
    # the title stands above everything else
    box = title.get_window_extent()
    assert all(b.y1 <= box.y0 + 0.5 for _, t, b, _ in texts if t is not title)


def blr_lat(sc, system_id):
    return next(s.lat for s in sc.sites if s.system.id == system_id)


def test_plot_profile_feet_axis(agg, profile2023):
    fig = plot_profile(profile2023, feet=True)
    texts = check_layout(fig)
    ax = fig.axes[0]
    (top,) = ax.child_axes
    # 10 m = 32.8 ft .. 30 km = 98,425 ft
    assert x_tick_labels(texts, top) == ["100 ft", "1,000 ft", "10,000 ft"]
    renderer = fig.canvas.get_renderer()
    for kind, t, box, axis in texts:
        if t.axes is top and kind == "major":
            feet = float(t.get_text().removesuffix(" ft").replace(",", ""))
            x = ax.transData.transform((feet * 0.3048, 1.0))[0]
            assert (box.x0 + box.x1) / 2 == pytest.approx(x, abs=0.5), t.get_text()
    x1000 = next(t for _, t, _, _ in texts if t.get_text() == "1,000 ft")
    assert x1000.get_window_extent(renderer).x0 < ax.transData.transform((304.8, 1))[0] < \
        x1000.get_window_extent(renderer).x1


@pytest.mark.parametrize("dpi", [72, 100, 120, 200])
def test_plot_profile_crowded_crossovers(agg, crowded, crowded_profile, dpi):
    """Notebook 03's two "Notional-MR" masts, two systems crossing over at one altitude, six
    labels within 220..360 m, one at 31 km near the end of the axis; with the crossover table
    given twice, as when the same sites are listed twice: one label per crossover. Laid out at
    100 dpi, drawn at any: Agg's text at 7.5 pt is 10 % wider at 120 dpi than at 100."""
    cross = crossovers(crowded)
    assert (cross.system == "Notional-MR").sum() == 2
    doubled = pd.concat([cross, cross], ignore_index=True)
    want = crowded_labels(crowded)
    assert len(want) == 6
    assert "Close-88, Close-88b: 319 m" in want
    assert {"Notional-MR (12 m mast): 337 m", "Notional-MR (30 m mast): 267 m"} <= want
    for feet in (False, True):
        fig = plot_profile(crowded_profile, title=crowded.name, crossover=doubled, feet=feet)
        fig.set_dpi(dpi)
        texts = check_layout(fig)
        got = [t.get_text() for _, t, _, _ in texts if t.get_gid() == "crossover-label"]
        assert sorted(got) == sorted(want)
        ax, axr = fig.axes
        assert len([ln for ln in ax.get_lines() if ln.get_gid() == "crossover"]) == 6
        # 5 m .. 50 km
        assert x_tick_labels(texts, axr) == ["10 m", "100 m", "1 km", "10 km"]
        if feet:
            assert x_tick_labels(texts, ax.child_axes[0]) == \
                ["100 ft", "1,000 ft", "10,000 ft", "100,000 ft"]


def test_profile_has_a_row_for_every_scenario_altitude(crowded, crowded_profile):
    """5 m is below the 10 m grid, 50 km above every ceiling (Buk-M3 and Edge-750: 35 km):
    rows all the same, with nothing covered at 50 km nor 1 m above the top ceiling."""
    alts = set(crowded_profile.altitude_m)
    assert set(crowded.altitudes_m) <= alts
    assert min(alts) == 5.0 and max(alts) == 50000.0
    for h in (35001.0, 50000.0):
        rows = crowded_profile[crowded_profile.altitude_m == h]
        assert len(rows) == 4
        assert (rows.n_empty == len(crowded.sites)).all() and (rows.covered_fraction == 0).all()
    at_top = crowded_profile[crowded_profile.altitude_m == 35000.0]
    assert (at_top.n_range == 2).all() and (at_top.covered_fraction > 0).any()


def test_plot_profile_names_what_a_log_axis_cannot_show(agg, blr2023):
    prof = altitude_profile(blr2023, [0.0, 50.0, 1000.0])
    fig = plot_profile(prof)
    check_layout(fig)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "not on the log axis:\n0 m" in legend
    assert fig.axes[0].get_xlim() == (50.0, 1000.0)
    with pytest.raises(ValueError, match="no altitude above 0 m"):
        plot_profile(prof[prof.altitude_m == 0.0])


def test_plot_profile_one_altitude(agg, blr2023):
    """One altitude: a decade around it, with one labelled tick."""
    fig = plot_profile(altitude_profile(blr2023, [1000.0]))
    texts = check_layout(fig)
    lo, hi = fig.axes[0].get_xlim()
    assert hi / lo == pytest.approx(10.0)
    assert x_tick_labels(texts, fig.axes[1]) == ["1 km"]


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


@pytest.mark.parametrize("suffix", ["svg", "pdf"])
def test_cli_profile_vector_outputs_are_valid_and_the_same_each_run(one_site, tmp_path, suffix):
    import xml.etree.ElementTree as ET

    runs = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.{suffix}"
        res = run("profile", one_site, "-o", out, "--points", 25, "--feet")
        assert res.exit_code == 0, res.output
        runs.append(out.read_bytes())
    data = runs[0]
    if suffix == "svg":
        assert ET.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"
    else:
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        assert b"/CreationDate" not in data
    assert runs[0] == runs[1]


def test_cli_profile_feet_is_for_plots(one_site, tmp_path):
    out = tmp_path / "x.csv"
    res = run("profile", one_site, "-o", out, "--feet")
    assert res.exit_code == 2
    assert res.stderr.splitlines() == [
        "adcov: error: --feet: adds a feet axis to a plot (png, svg, pdf); the CSV is in metres"]
    assert not out.exists()
    res = run("profile", one_site, "-o", tmp_path / "x.png", "--points", 25, "--feet")
    assert res.exit_code == 0, res.output


def test_cli_profile_keeps_altitudes_outside_the_grid(one_site, tmp_path):
    """--altitudes below 10 m and above the 27 km ceiling are rows of the CSV, as --help says."""
    out = tmp_path / "x.csv"
    res = run("profile", one_site, "-o", out, "--points", 25, "--altitudes", "0,5,100000ft")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    alts = sorted({float(r["altitude_m"]) for r in rows})
    assert alts[:2] == [0.0, 5.0] and alts[-1] == 30480.0
    assert {10.0, 27000.0, 27001.0} <= set(alts)


# --------------------------------------------------------------------------- radars and detection
RADAR_SCENARIO = """\
name = "radar and S-300PS"
region = "BLR"
altitudes_m = [300, 5000]

[[sites]]
name = "Radar"
system = "Protivnik-GE"
lon = 27.56
lat = 53.90

[[sites]]
name = "Missiles"
system = "S-300PS"
lon = 26.53
lat = 54.09
"""


@pytest.fixture()
def radar_file(tmp_path):
    p = tmp_path / "radar.toml"
    p.write_text(RADAR_SCENARIO, encoding="utf-8")
    return p


def test_a_surveillance_radar_in_engagement_mode_has_no_crossover_nor_envelope(radar_file):
    """A radar (kind radar: no missile, max_range_km None) has no engagement envelope: no
    crossover row, no ceiling in the altitudes, and it is empty at every profile altitude."""
    sc = Scenario.from_file(radar_file)
    radar, missiles = sc.sites
    assert radar.system.kind == "radar" and radar.system.max_range_km is None
    table = crossovers(sc)
    assert list(table["system"]) == ["S-300PS"]
    want = hand_crossover(missiles.system.max_range_km, missiles.effective_antenna_height_m,
                          missiles.lat, top=missiles.system.max_altitude_m)
    assert table["crossover_altitude_m"].iloc[0] == pytest.approx(want, abs=0.01)
    alts = profile_altitudes(sc, points=12)
    assert alts[0] == 10.0 and alts[-1] == missiles.system.max_altitude_m
    prof = altitude_profile(sc, points=12)
    assert (prof["n_empty"] >= 1).all()
    for alt, rows in prof.groupby("altitude_m"):
        want = hand_regime(missiles.system, missiles.effective_antenna_height_m, alt,
                           missiles.lat)
        n = {k: int(rows[f"n_{k}"].iloc[0]) for k in ("range", "horizon", "empty")}
        assert n[want] == 1 + (want == "empty"), (alt, n)


def test_detection_mode_crossovers_and_profile_by_hand(radar_file):
    """In detection mode the slant range is the detection range, from the search radar's
    height, with no missile ceiling: the crossover is the hand bisection with that range and
    height and no top; the profile runs from 10 m to 30 km (no site has a ceiling), and each
    site is horizon-limited below its crossover and range-limited above it."""
    sc = dataclasses.replace(Scenario.from_file(radar_file), mode="detection")
    by_system = {s.system.id: s for s in sc.sites}
    table = crossovers(sc).set_index("system")
    assert sorted(table.index) == sorted(by_system)
    from adcov.models.detection import detection_antenna_height_m

    for sid, s in by_system.items():
        ha = detection_antenna_height_m(s)
        want = hand_crossover(s.system.detection_range_km, ha, s.lat)
        assert math.isfinite(want)
        assert table.loc[sid, "antenna_height_m"] == ha
        assert table.loc[sid, "crossover_altitude_m"] == pytest.approx(want, abs=0.01)
    # Protivnik-GE: 400 km from a 10 m antenna turns range-limited near 8.8 km
    assert table.loc["Protivnik-GE", "crossover_altitude_m"] == pytest.approx(8780.5, abs=1.0)
    alts = profile_altitudes(sc, points=12)
    assert alts[0] == 10.0 and alts[-1] == 30000.0
    prof = altitude_profile(sc, points=12)
    assert set(prof["altitude_m"]) == set(alts)
    cross = sorted(table["crossover_altitude_m"])
    for alt, rows in prof.groupby("altitude_m"):
        n_range, n_horizon = int(rows["n_range"].iloc[0]), int(rows["n_horizon"].iloc[0])
        assert n_range == sum(alt > c for c in cross), alt
        assert n_horizon == sum(alt < c for c in cross), alt
        assert int(rows["n_empty"].iloc[0]) == 0


def test_cli_profile_of_radars_in_both_modes(radar_file, tmp_path):
    for mode in ("engagement", "detection"):
        out = tmp_path / f"{mode}.csv"
        res = run("profile", radar_file, "--mode", mode, "-o", out, "--points", 25)
        assert res.exit_code == 0, res.output
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
        assert rows and all(0.0 <= float(r["covered_fraction"]) <= 1.0 for r in rows)
        png = tmp_path / f"{mode}.png"
        res = run("profile", radar_file, "--mode", mode, "-o", png, "--points", 25)
        assert res.exit_code == 0, res.output
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- uncertainty bands
#: About 194 km from the nearest border of Belarus (tests/test_uncertainty.py checks it).
INNER = (28.41, 53.40)
BAND_A_KM, BAND_B_KM = 100.0, 110.0
BAND_ALTS = (10.0, 50.0, 500.0, 3000.0, 15000.0, 30000.0)


def geodesic_disc_km2(lon, lat, radius_km, n=7200) -> float:
    """Area of a fine geodesic ring on the WGS84 ellipsoid (pyproj.Geod). [km2]"""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    lons, lats, _ = geod.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius_km * 1e3))
    return abs(geod.polygon_area_perimeter(lons, lats)[0]) / 1e6


def blr_area_km2() -> float:
    """Belarus's area on the WGS84 ellipsoid (pyproj.Geod), not the engine's LAEA area."""
    from pyproj import Geod

    from adcov.borders import country_geometry

    return abs(Geod(ellps="WGS84").geometry_area_perimeter(country_geometry("BLR"))[0]) / 1e6


@pytest.fixture(scope="module")
def ranged():
    """One site far inside Belarus, its range uniform over [100, 110] km, on a 500 m mast: from
    50 m up its radar horizon (over 114 km) is beyond its range, so it covers a geodesic disc
    of the range; at 10 m the horizon (105 km) cuts the widest discs."""
    system = System("Ranged", "Ranged", max_range_km=0.5 * (BAND_A_KM + BAND_B_KM),
                    min_range_km=0.0, max_altitude_m=30000.0, min_altitude_m=0.0,
                    antenna_height_m=500.0, ranges={"max_range_km": (BAND_A_KM, BAND_B_KM)})
    return Scenario("one ranged site", (Site("S", system, lon=INNER[0], lat=INNER[1]),),
                    altitudes_m=(500.0,))


@pytest.fixture(scope="module")
def ranged_bands(ranged):
    from adcov.uncertainty import profile_bands

    return profile_bands(ranged, samples=200, seed=20241, altitudes_m=BAND_ALTS)


@pytest.fixture(scope="module")
def ranged_profile(ranged):
    return altitude_profile(ranged, BAND_ALTS)


def test_profile_bands_of_a_range_are_geodesic_disc_areas(ranged, ranged_profile, ranged_bands):
    """The q-quantile of the covered share is the disc at the ground distance of the slant
    range a + q (b - a) (law of cosines on the Gaussian sphere, antenna 500 m, target at the
    altitude), or of the radar horizon where that is nearer (at 10 m: 105 km, inside the
    band), over Belarus's geodesic area: within 1 % for 200 samples at every altitude."""
    from adcov.profile import with_bands

    merged = with_bands(ranged_profile, ranged_bands)
    assert list(merged.columns) == [*ranged_profile.columns, "p5", "p50", "p95", "samples",
                                    "seed"]
    assert merged[list(ranged_profile.columns)].equals(ranged_profile)
    assert (merged.samples == 200).all() and (merged.seed == 20241).all()
    region = merged[merged.zone == "BLR"].set_index("altitude_m")
    assert list(region.index) == list(BAND_ALTS)
    area = blr_area_km2()
    r = gaussian_radius(INNER[1])
    clipped = 0
    for alt in BAND_ALTS:
        horizon = horizon_km(500.0, alt, r)
        for q in (5, 50, 95):
            slant = BAND_A_KM + q / 100.0 * (BAND_B_KM - BAND_A_KM)
            ground = slant_ground_km(slant, 500.0, alt, r)
            clipped += horizon < ground
            want = geodesic_disc_km2(*INNER, min(ground, horizon)) / area
            assert region.loc[alt, f"p{q}"] == pytest.approx(want, rel=0.01), (alt, q)
        if alt > 10.0:  # range-limited over the whole band
            assert horizon > slant_ground_km(BAND_B_KM, 500.0, alt, r)
            assert region.loc[alt, "n_range"] == 1
            # the samples do spread: p5 and p95 are 9 km of range apart, about 17 % of area
            assert region.loc[alt, "p95"] > 1.15 * region.loc[alt, "p5"]
    assert clipped == 1  # p95 at 10 m: the horizon


def test_profile_bands_without_uncertainty_are_the_line():
    """Nothing uncertain in belarus-2021 (no --from-sources): p5 = p50 = p95 = the profile's
    covered fraction, exactly, in every zone."""
    from adcov.profile import with_bands
    from adcov.uncertainty import profile_bands, uncertain_inputs

    sc = Scenario.builtin("belarus-2021")
    assert uncertain_inputs(sc).empty
    alts = (10.0, 176.0, 1000.0, 20000.0)
    prof = altitude_profile(sc, alts)
    merged = with_bands(prof, profile_bands(sc, samples=3, seed=5, altitudes_m=alts))
    assert len(merged) == len(prof) == 4 * len(alts)
    for col in ("p5", "p50", "p95"):
        assert (merged[col] == merged.covered_fraction).all(), col


def test_with_bands_needs_a_band_for_every_row(ranged_profile, ranged_bands):
    from adcov.profile import with_bands

    with pytest.raises(ValueError, match="no row for zone 'BLR' at 3000 m"):
        with_bands(ranged_profile, ranged_bands[ranged_bands.altitude_m != 3000.0])
    with pytest.raises(ValueError, match="more than one row"):
        with_bands(ranged_profile, pd.concat([ranged_bands, ranged_bands]))


def band_collections(fig):
    from matplotlib.collections import PolyCollection

    return {c.get_gid(): c for c in fig.axes[0].collections
            if isinstance(c, PolyCollection) and str(c.get_gid()).startswith("band-")}


def test_plot_profile_draws_a_band_per_zone(agg, ranged_profile, ranged_bands):
    """One shaded area per zone, in its line's colour, from p5 to p95 at each altitude; the
    legend says what the shading is."""
    from matplotlib.colors import to_rgb

    fig = plot_profile(ranged_profile, title="one ranged site", bands=ranged_bands)
    check_layout(fig)
    ax = fig.axes[0]
    bands = band_collections(fig)
    lines = {ln.get_label().split(" (")[0]: ln for ln in ax.get_lines()}
    assert set(bands) == {f"band-{z}" for z in ("BLR", *SECTORS)} and set(lines) == {
        "BLR", *SECTORS}
    for zone, line in lines.items():
        band = bands[f"band-{zone}"]
        assert to_rgb(band.get_facecolor()[0]) == pytest.approx(to_rgb(line.get_color()))
        assert band.get_zorder() < line.get_zorder()  # under the line
        want = ranged_bands[ranged_bands.zone == zone].set_index("altitude_m")
        (path,) = band.get_paths()
        xy = path.vertices
        for alt in BAND_ALTS:
            ys = xy[np.isclose(xy[:, 0], alt, rtol=1e-12), 1]
            assert ys.min() == pytest.approx(want.loc[alt, "p5"] * 100, abs=1e-9), (zone, alt)
            assert ys.max() == pytest.approx(want.loc[alt, "p95"] * 100, abs=1e-9), (zone, alt)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "shaded: p5-p95 of\n200 samples (seed 20241)" in legend
    # without bands: no shading, no legend entry
    fig = plot_profile(ranged_profile)
    assert not band_collections(fig)
    assert not any("p5-p95" in t.get_text() for t in fig.axes[0].get_legend().get_texts())


@pytest.mark.parametrize("dpi", [100, 120])
def test_plot_profile_with_bands_keeps_the_layout(agg, profile2023, blr2023, dpi):
    """belarus-2023 with its three crossover labels, the feet axis and a band of +-3 points
    around each line (the drawing only; the band values are tested above): nothing overlaps,
    the legends stay outside the data."""
    bands = profile2023[["altitude_m", "zone", "zone_kind"]].assign(
        p5=(profile2023.covered_fraction - 0.03).clip(0, 1),
        p95=(profile2023.covered_fraction + 0.03).clip(0, 1), samples=1000, seed=7)
    fig = plot_profile(profile2023, title=blr2023.name, crossover=crossovers(blr2023),
                       feet=True, bands=bands)
    fig.set_dpi(dpi)
    check_layout(fig)
    assert len(band_collections(fig)) == 4
    with pytest.raises(ValueError, match="bands have no row for zone 'west'"):
        plot_profile(profile2023, bands=bands[bands.zone != "west"])


RANGED_SITE = ONE_SITE + "position_sigma_km = 10\n"


def test_cli_profile_samples(tmp_path):
    """--samples: the CSV gains p5, p50, p95 (rounded as covered_fraction), samples and seed;
    the same seed gives the same bytes, CSV and SVG; without --seed, seed 0, said so."""
    scen = tmp_path / "one.toml"
    scen.write_text(RANGED_SITE, encoding="utf-8")
    args = ["profile", scen, "--points", 25, "--samples", 3]
    outs = {}
    for name in ("a", "b"):
        for suffix in ("csv", "svg"):
            out = tmp_path / f"{name}.{suffix}"
            res = run(*args, "--seed", 11, "-o", out)
            assert res.exit_code == 0, res.output
            assert "seed" not in res.stderr
            outs[name, suffix] = out.read_bytes()
    assert outs["a", "csv"] == outs["b", "csv"] and outs["a", "svg"] == outs["b", "svg"]
    rows = list(csv.DictReader(io.StringIO(outs["a", "csv"].decode("utf-8"))))
    assert list(rows[0])[-5:] == ["p5", "p50", "p95", "samples", "seed"]
    plain = tmp_path / "plain.csv"
    assert run("profile", scen, "--points", 25, "-o", plain).exit_code == 0
    plain_rows = list(csv.DictReader(io.StringIO(plain.read_text(encoding="utf-8"))))
    assert [{k: r[k] for k in plain_rows[0]} for r in rows] == plain_rows
    for r in rows:
        assert r["samples"] == "3" and r["seed"] == "11"
        assert float(r["p5"]) <= float(r["p50"]) <= float(r["p95"])
        assert all(len(r[k].split(".")[1]) <= 4 for k in ("p5", "p50", "p95"))
    # the position error moves the disc across the sectors' edges: the bands have a width
    assert any(float(r["p95"]) > float(r["p5"]) for r in rows if r["zone"] == "west")
    svg = outs["a", "svg"].decode("utf-8")
    assert all(f'id="band-{z}"' in svg for z in ("BLR", *SECTORS))
    other = tmp_path / "other.csv"
    res = run(*args, "--seed", 12, "-o", other)
    assert res.exit_code == 0 and other.read_bytes() != outs["a", "csv"]
    default = tmp_path / "default.csv"
    res = run(*args, "-o", default)
    assert res.exit_code == 0, res.output
    assert "seed 0" in res.stderr
    assert run(*args, "--seed", 0, "-o", tmp_path / "zero.csv").exit_code == 0
    assert (tmp_path / "zero.csv").read_bytes() == default.read_bytes()


@pytest.mark.parametrize("flag", [["--seed", "3"], ["--from-sources"]])
def test_cli_profile_sampling_flags_need_samples(one_site, tmp_path, flag):
    out = tmp_path / "x.csv"
    res = run("profile", one_site, "-o", out, *flag)
    assert res.exit_code == 2
    assert res.stderr.splitlines() == [
        f"adcov: error: {flag[0]}: sets how --samples draws the uncertain inputs; give "
        "--samples N too"]
    assert not out.exists()


# --------------------------------------------------------------------------- the profile's shortcuts
def test_profile_is_what_stats_gives_at_the_same_altitudes(blr2023):
    """The profile cuts each distinct envelope once (co-located S-400 missiles share the
    horizon-limited envelope below 3.1 km), builds only the union, and skips altitudes with no
    envelope: its covered share and mean depth are still those of `adcov stats`, to 1e-12, with
    a site outside the region, at altitudes where envelopes coincide, differ, and are all
    empty."""
    from adcov import analyze

    outside = dataclasses.replace(blr2023.sites[0], name="Smolensk", lon=32.05, lat=54.78)
    sc = dataclasses.replace(blr2023, sites=blr2023.sites + (outside,),
                             altitudes_m=(0.0, 10.0, 1000.0, 5000.0, 27001.0, 40000.0))
    prof = altitude_profile(sc, sc.altitudes_m).set_index(["altitude_m", "zone"])
    zones = analyze(sc).zones
    zones = zones[zones.zone_kind.isin(["region", "sector"])].set_index(["altitude_m", "zone"])
    assert sorted(prof.index) == sorted(zones.index)
    for col in ("covered_fraction", "covered_km2", "mean_depth"):
        np.testing.assert_allclose(prof[col], zones.loc[prof.index, col], rtol=1e-12, atol=1e-12,
                                   err_msg=col)
    # the shortcuts did apply: equal envelopes at 1 km, none at 40 km
    at_1km = prof.loc[(1000.0, "BLR")]
    assert at_1km.mean_depth > at_1km.covered_fraction > 0
    assert (prof.loc[40000.0].covered_fraction == 0).all()
    assert (prof.loc[40000.0].n_empty == len(sc.sites)).all()


def test_profile_progress_counts_altitudes(blr2023):
    seen = []
    altitude_profile(blr2023, [100.0, 1000.0, 40000.0], progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_a_cover_of_depth_one_is_the_union_of_the_full_cover(blr2023):
    """overlay.cut_envelopes(max_depth=1), which the profile uses: the same union, cell by cell
    and merged, no deeper layer; extend_cover keeps the depth."""
    import shapely

    from adcov.overlay import MAX_DEPTH, cut_envelopes, extend_cover
    from adcov.pipeline import cut_scenario, scenario_sweep

    sw = scenario_sweep(blr2023, [1000.0])
    envs, polys = sw.envelopes[0], sw.polygons[0]
    full = cut_envelopes(sw.frame, envs, polys, altitude_m=1000.0)
    one = cut_envelopes(sw.frame, envs, polys, altitude_m=1000.0, max_depth=1)
    assert (full.max_depth, one.max_depth) == (MAX_DEPTH, 1)
    assert np.array_equal(one.layer_full[0], full.layer_full[0])
    assert all(shapely.equals_exact(a, b, 0.0) or (a.is_empty and b.is_empty)
               for a, b in zip(one.layers[0], full.layers[0]))
    assert one.layer(1).area == pytest.approx(full.layer(1).area, rel=1e-12)
    with pytest.raises(ValueError, match="depth 2 is not built"):
        one.layer(2)
    with pytest.raises(ValueError, match="max_depth"):
        cut_envelopes(sw.frame, envs, polys, altitude_m=1000.0, max_depth=0)
    half = len(envs) // 2
    first = cut_envelopes(sw.frame, envs[:half], polys[:half], altitude_m=1000.0, max_depth=1)
    grown, new_only, _ = extend_cover(sw.frame, first, envs[half:], polys[half:])
    assert grown.max_depth == new_only.max_depth == 1
    assert grown.layer(1).area == pytest.approx(full.layer(1).area, rel=1e-12)
    pieces = cut_scenario(blr2023, [1000.0], max_depth=2)
    assert pieces.covers[0].max_depth == 2
    assert pieces.covers[0].layer(2).area == pytest.approx(full.layer(2).area, rel=1e-12)
