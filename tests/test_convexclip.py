"""The numpy clipper behind the depth integral (adcov._convexclip), against closed forms and
against GEOS (a second engine, written apart from this one), and the depth integral against
whole-polygon intersections that never see a grid cell."""

import math

import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose

from adcov._convexclip import convex_windows, overlap_areas


def regular(cx, cy, r, n, phase=0.0):
    a = phase + 2 * np.pi * np.arange(n) / n
    return shapely.Polygon(np.c_[cx + r * np.cos(a), cy + r * np.sin(a)])


def star(rng, cx, cy, k):
    a = np.sort(rng.uniform(0, 2 * np.pi, k))
    r = rng.uniform(0.5, 5, k)
    return shapely.make_valid(shapely.Polygon(np.c_[cx + r * np.cos(a), cy + r * np.sin(a)]))


@pytest.fixture(params=["numpy", "default"])
def clipper(request, monkeypatch):
    """Every convex window through the numpy clipper, or the default split (small batches and
    many-edged windows to GEOS)."""
    import adcov._convexclip as cc

    if request.param == "numpy":
        monkeypatch.setattr(cc, "MIN_PAIRS", 0)
        monkeypatch.setattr(cc, "MAX_EDGES", 10**6)
    return request.param


# ------------------------------------------------------------------------------ closed forms
def test_closed_forms(clipper):
    square = shapely.box(0, 0, 2, 2)
    # A right triangle with legs 4 over the square: the square minus the corner beyond
    # x + y = 4... which does not reach it, then one that does (x + y <= 3: area 4 - 0.5).
    assert overlap_areas([square], [shapely.Polygon([(0, 0), (4, 0), (0, 4)])])[0] == 4.0
    assert overlap_areas([square], [shapely.Polygon([(0, 0), (3, 0), (0, 3)])])[0] == \
        pytest.approx(3.5, abs=1e-14)
    # A regular 40-gon inside a big subject: its own area, n/2 r^2 sin(2 pi / n).
    gon = regular(5, 5, 2, 40)
    assert overlap_areas([gon], [shapely.box(0, 0, 10, 10)])[0] == \
        pytest.approx(20 * 4 * math.sin(2 * math.pi / 40), rel=1e-14)
    # The same 40-gon over the half-plane x <= 5 (a box): half of it, by symmetry.
    assert overlap_areas([gon], [shapely.box(0, 0, 5, 10)])[0] == \
        pytest.approx(10 * 4 * math.sin(2 * math.pi / 40), rel=1e-13)
    # An annulus (convex shell, convex hole) over that half-plane: half of each ring's area.
    ring = shapely.Polygon(regular(5, 5, 2, 40).exterior, [regular(5, 5, 1, 40).exterior])
    assert convex_windows([ring])[0]
    assert overlap_areas([ring], [shapely.box(0, 0, 5, 10)])[0] == \
        pytest.approx(10 * 3 * math.sin(2 * math.pi / 40), rel=1e-13)
    # A subject with a hole and a second part: unit squares counted exactly.
    subject = shapely.MultiPolygon([
        shapely.Polygon([(0, 0), (3, 0), (3, 3), (0, 3)], [[(1, 1), (2, 1), (2, 2), (1, 2)]]),
        shapely.box(4, 0, 5, 1)])
    assert overlap_areas([shapely.box(0, 0, 6, 2)], [subject])[0] == pytest.approx(6.0 - 1 + 1)
    # Windows that miss the subject, empty windows and no pairs at all.
    assert overlap_areas([shapely.box(10, 10, 11, 11), shapely.Polygon()],
                         [square, square]).tolist() == [0.0, 0.0]
    assert overlap_areas([], []).shape == (0,)


def test_convex_windows():
    l_shape = shapely.Polygon([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)])
    collinear = shapely.Polygon([(0, 0), (1, 0), (2, 0), (2, 2), (0, 2)])
    two = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)])
    bent_hole = shapely.Polygon(shapely.box(0, 0, 10, 10).exterior, [l_shape.exterior])
    got = convex_windows([shapely.box(0, 0, 1, 1), l_shape, collinear, two, shapely.Polygon(),
                          bent_hole, shapely.Point(0, 0), regular(0, 0, 1, 7)])
    assert got.tolist() == [True, False, True, False, False, False, False, True]


# ------------------------------------------------------------------------------ against GEOS
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_pairs_against_geos(seed, clipper):
    """Clipped discs, annuli, triangles and non-convex windows (those go to GEOS) against
    stars, polygons with holes and multipolygons."""
    rng = np.random.default_rng(seed)
    n = 1500
    cx, cy = rng.uniform(0, 10, n), rng.uniform(0, 10, n)
    segs = rng.choice([1, 2, 5, 16, 40], n)
    outer = np.empty(n, dtype=object)
    for q in np.unique(segs):
        at = segs == q
        outer[at] = shapely.buffer(shapely.points(cx[at], cy[at]), rng.uniform(0.3, 5, at.sum()),
                                   quad_segs=int(q))
    inner = shapely.buffer(shapely.points(cx, cy), rng.uniform(0.05, 0.25, n), quad_segs=16)
    kind = rng.integers(0, 4, n)
    windows = np.where(kind == 1, shapely.difference(outer, inner), outer)
    windows[kind == 2] = [star(rng, x, y, 12) for x, y in zip(cx[kind == 2], cy[kind == 2])]
    windows = shapely.clip_by_rect(windows, 1, 1, 9, 9)
    subjects = []
    for i in range(200):
        s = star(rng, *rng.uniform(2, 8, 2), int(rng.integers(3, 60)))
        if i % 3 == 0:
            s = shapely.difference(s, shapely.Point(rng.uniform(3, 7, 2)).buffer(0.8))
        if i % 4 == 0:
            s = shapely.union(s, shapely.box(8.2, 8.2, 9.5, 9.9))
        subjects.append(s)
    subjects = np.array(subjects, dtype=object)
    which = rng.integers(0, len(subjects), n)
    got = overlap_areas(windows, subjects, which)
    want = shapely.area(shapely.intersection(windows, subjects[which]))
    assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert convex_windows(windows).mean() > 0.5  # most went through the numpy clipper


def test_cell_boxes_change_nothing(clipper):
    """Pieces of discs and of a wiggly zone in the cells of a grid: skipping the window edges
    along the cell's sides gives the same areas, and they agree with GEOS."""
    rng = np.random.default_rng(7)
    a = np.sort(rng.uniform(0, 2 * np.pi, 300))
    r = rng.uniform(20, 48, 300)
    zone = shapely.Polygon(np.c_[50 + r * np.cos(a), 50 + r * np.sin(a)],
                           [regular(50, 50, 8, 30).exterior])
    assert zone.is_valid
    discs = shapely.buffer(shapely.points(rng.uniform(0, 100, 300), rng.uniform(0, 100, 300)),
                           rng.uniform(2, 40, 300), quad_segs=32)
    windows, subjects, boxes = [], [], []
    for x0 in range(0, 100, 20):
        for y0 in range(0, 100, 20):
            zp = shapely.clip_by_rect(zone, x0, y0, x0 + 20, y0 + 20)
            if zp.is_empty:
                continue
            for d in discs:
                p = shapely.clip_by_rect(d, x0, y0, x0 + 20, y0 + 20)
                if p.area > 0:
                    windows.append(p), subjects.append(zp), boxes.append((x0, y0, x0 + 20, y0 + 20))
    windows, subjects = np.array(windows, dtype=object), np.array(subjects, dtype=object)
    assert len(windows) > 1000
    with_boxes = overlap_areas(windows, subjects, boxes=np.array(boxes, float))
    without = overlap_areas(windows, subjects)
    want = shapely.area(shapely.intersection(windows, subjects))
    assert_allclose(with_boxes, want, rtol=1e-12, atol=1e-9)
    assert_allclose(without, want, rtol=1e-12, atol=1e-9)


# ------------------------------------------------------------------------------ depth integral
def _dense_scenario():
    """400 annuli and discs of 20-120 km over Belarus and around it: thousands of envelope
    pieces cross the zones' edges, enough for the numpy clipper."""
    from adcov.catalog import System
    from adcov.scenario import Scenario, Site

    rng = np.random.default_rng(21)
    systems = [System(id=f"R{r}", name=f"R{r}", max_range_km=r, min_range_km=r / 8.0 * (r % 2),
                      max_altitude_m=20000.0, min_altitude_m=0.0, antenna_height_m=20.0)
               for r in (21, 40, 75, 120)]
    sites = [Site(f"s{i}", systems[i % 4], float(rng.uniform(22.5, 33.0)),
                  float(rng.uniform(50.8, 56.5))) for i in range(400)]
    return Scenario(name="dense", sites=tuple(sites), region="BLR", altitudes_m=(8000.0,))


@pytest.mark.parametrize("name", ["belarus-2023", "dense"])
def test_depth_integral_against_whole_polygons(name, monkeypatch):
    """The depth integral of every zone (cells, pieces, the clipper, the overlaps shared
    between zones: a sector's piece that is the region's, a belt's that is its sector's, a
    sector's that is a cell minus its neighbour's) is the sum over envelopes of
    area(envelope ∩ zone), here by GEOS on whole polygons that never see a grid cell; and
    each site's covered area is area(envelope ∩ region)."""
    import adcov.stats as stats
    from adcov.pipeline import cut_scenario
    from adcov.scenario import Scenario

    sc = Scenario.resolve(name) if name != "dense" else _dense_scenario()
    pieces = cut_scenario(sc)
    clipped, counting = [], [True]
    real = stats.overlap_areas
    monkeypatch.setattr(stats, "overlap_areas", lambda w, *a, **k: (
        clipped.append(len(w)) if counting[0] else None) or real(w, *a, **k))
    crossing = 0
    for cover in pieces.covers:
        polys = cover.polygons[~shapely.is_empty(cover.polygons)]
        for zone in pieces.frame.zones:
            want = float(shapely.area(shapely.intersection(polys, zone.geom)).sum())
            got = stats.depth_integral_m2(zone, cover, pieces.frame)
            assert got == pytest.approx(want, rel=1e-9, abs=1.0), (cover.altitude_m, zone.name)
            counting[0] = False  # without the frame: every pair clipped, no sharing
            assert stats.depth_integral_m2(zone, cover) == pytest.approx(got, rel=1e-12)
            counting[0] = True
            pos = zone.lookup[cover.part_c]
            crossing += int(((pos >= 0) & ~zone.full[np.maximum(pos, 0)]).sum())
        rows = stats.site_rows(pieces.frame, cover, scenario=sc.label)
        want = shapely.area(shapely.intersection(cover.polygons, pieces.frame.region.geom))
        assert_allclose([r["covered_km2"] for r in rows], want / 1e6, rtol=1e-9, atol=1e-9)
    if name == "dense":
        # The shared overlaps were measured once: far fewer pairs clipped than crossing pieces
        # met (the memo), and more than the clipper's batch minimum (numpy did the work).
        assert crossing > 5000
        assert sum(clipped) < 0.7 * crossing, (sum(clipped), crossing)
        assert max(clipped) >= 200


# ------------------------------------------------------------------------------ cell pairs
def test_cell_pairs_against_brute_force():
    """Envelopes cut into cells (overlay._pairs, whose discs and annuli find their cells by
    arithmetic) against every (polygon, cell) pair tested one by one with GEOS: the same whole
    cells, and the same parts, for discs, annuli, sectors, polygons with scattered holes (as
    terrain leaves them), several parts, and shapes whose vertex mean lies outside them."""
    from types import SimpleNamespace

    from adcov.overlay import Grid, _pairs

    rng = np.random.default_rng(11)
    grid = Grid.over((0.0, 0.0, 400.0, 300.0), 25.0)
    polys = []
    for _ in range(60):
        c = rng.uniform(40, 360, 2)
        r = rng.uniform(5, 90)
        disc = regular(*c, r, int(rng.integers(12, 200)), rng.uniform(0, 1))
        polys.append(disc)
        polys.append(shapely.Polygon(disc.exterior, [regular(*c, r * rng.uniform(0.05, 0.6),
                                                              int(rng.integers(8, 100))).exterior]))
    wedge = shapely.Polygon([(200, 150), (380, 150), (330, 290)])
    crescent = shapely.difference(regular(100, 150, 80, 90), regular(140, 150, 75, 90))
    holes = regular(250, 120, 70, 120)
    for k in range(5):  # scattered holes, off centre
        holes = holes.difference(regular(*rng.uniform(200, 300, 2), 6, 12))
    two = shapely.MultiPolygon([regular(60, 60, 30, 40), regular(300, 240, 40, 40)])
    polys += [wedge, crescent, holes, two, shapely.box(50, 50, 100, 100), shapely.Polygon()]
    polys = np.array(polys, dtype=object)
    frame = SimpleNamespace(grid=grid)
    full_e, full_c, part_e, part_c, pieces = _pairs(frame, polys)
    # Brute force: every polygon against every cell.
    e, c = np.meshgrid(np.arange(len(polys)), np.arange(grid.size), indexing="ij")
    e, c = e.ravel(), c.ravel()
    inter = shapely.intersection(polys[e], grid.boxes[c])
    area = shapely.area(inter)
    whole = area >= grid.cell_area_m2 * (1 - 1e-12)
    part = (area > 0) & ~whole
    assert set(zip(full_e.tolist(), full_c.tolist())) == set(zip(e[whole].tolist(), c[whole].tolist()))
    assert set(zip(part_e.tolist(), part_c.tolist())) == set(zip(e[part].tolist(), c[part].tolist()))
    assert (np.diff(part_c) >= 0).all()
    want = dict(zip(zip(e[part].tolist(), c[part].tolist()), area[part]))
    got = shapely.area(pieces)
    assert_allclose(got, [want[k] for k in zip(part_e.tolist(), part_c.tolist())], rtol=1e-9)
    assert len(full_e) > 100 and len(part_e) > 500


# ------------------------------------------------------------------------------ depth layers
@pytest.mark.parametrize("kd_min", [8, 10**6])
def test_depth_layers_against_brute_force(kd_min, monkeypatch):
    """The depth >= 1, 2, 3 layers of a cell's pieces (divide and conquer, halved across the
    pieces' spread or as they come) against brute force: the union of every single piece, of
    every pair's overlap and of every triple's overlap."""
    from itertools import combinations

    import adcov.overlay as overlay

    monkeypatch.setattr(overlay, "KD_SPLIT_MIN", kd_min)
    rng = np.random.default_rng(5)
    pieces = shapely.clip_by_rect(shapely.buffer(
        shapely.points(rng.uniform(0, 50, 18), rng.uniform(0, 50, 18)),
        rng.uniform(5, 25, 18), quad_segs=12), 0, 0, 50, 50)
    got = overlay._depth_layers(np.asarray(pieces, dtype=object), 3)
    for k, layer in enumerate(got, start=1):
        brute = shapely.union_all([shapely.intersection_all(list(c))
                                   for c in combinations(pieces, k)])
        assert layer.area == pytest.approx(brute.area, rel=1e-9)
        assert shapely.symmetric_difference(layer, brute).area < 1e-6 * brute.area
    assert got[2].area > 0
