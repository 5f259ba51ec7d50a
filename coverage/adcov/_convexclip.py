"""Areas of many polygons cut by convex windows at once: Sutherland–Hodgman clipping in numpy.

The overlay engine's heaviest sum is the depth integral: the area of every envelope piece
inside a zone piece, for hundreds of thousands of (piece, zone piece) pairs that cross. One
GEOS intersection per pair costs about 25 µs, almost all of it set-up. An envelope piece is
nearly always convex (a disc cut by a square cell), and the area of any polygon inside a convex
window is found by clipping the polygon's rings against the window's edges one half-plane at a
time (Sutherland–Hodgman). Done for every pair at once in flat arrays, that costs a few
microseconds per pair.

Exactness: for a convex window W and a ring R of any shape, clipping R against W's half-planes
in turn gives a ring whose winding number is R's inside W and 0 outside; its shoelace area is
± area(R's inside ∩ W) (it may have zero-width spurs, which add no area). A polygon's area
inside W is that of its exterior ring minus that of its holes. Windows that are not convex
polygons without holes (a terrain-masked piece, an annulus's cell) are measured by GEOS.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["convex_windows", "overlap_areas"]

#: A window vertex turning the wrong way by at most this much (the sine of the turn, relative
#: to the two edges' lengths) still counts as convex: rounding in a cell's clipped corners. [-]
CONVEX_TOLERANCE = 1e-12
#: Windows with a ring of more edges than this (a whole small disc, a minimum-range hole) are
#: measured by GEOS. [-]
MAX_EDGES = 40
#: Fewer pairs than this to clip are measured by GEOS: numpy's steps cost more than they save.
MIN_PAIRS = 200


def _ring_next(ring_of_vertex: np.ndarray) -> np.ndarray:
    """Index of each vertex's successor along its (open, contiguous) ring."""
    n = len(ring_of_vertex)
    nxt = np.arange(1, n + 1)
    if not n:
        return nxt
    last = np.flatnonzero(np.r_[ring_of_vertex[1:] != ring_of_vertex[:-1], True])
    first = np.r_[0, last[:-1] + 1]
    nxt[last] = first
    return nxt


def _open_rings(rings):
    """Flat vertex arrays of closed rings without their closing vertex: x, y, ring index."""
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    if not len(xy):
        return np.empty(0), np.empty(0), np.empty(0, int)
    closing = np.r_[ring[1:] != ring[:-1], True]
    keep = ~closing
    return xy[keep, 0], xy[keep, 1], ring[keep]


def _window_rings(windows):
    """The rings of polygon windows: flat open vertices, and per ring its window, its sign (+1
    shell, -1 hole) and whether it is convex."""
    rings, owner = shapely.get_rings(windows, return_index=True)
    sign = np.where(np.r_[True, owner[1:] != owner[:-1]], 1.0, -1.0) if len(owner) else \
        np.empty(0)
    x, y, ring = _open_rings(rings)
    nxt = _ring_next(ring)
    ex, ey = x[nxt] - x, y[nxt] - y  # edge j: vertex j to its successor
    fx, fy = ex[nxt], ey[nxt]  # the edge after it
    turn = ex * fy - ey * fx
    scale = np.hypot(ex, ey) * np.hypot(fx, fy) * CONVEX_TOLERANCE
    n = len(rings)
    left = np.bincount(ring, weights=turn < -scale, minlength=n) > 0
    right = np.bincount(ring, weights=turn > scale, minlength=n) > 0
    return x, y, ring, nxt, owner, sign, ~(left & right)


def convex_windows(polygons) -> np.ndarray:
    """Which geometries are polygons whose rings (the shell and each hole) are convex, so that
    the area of anything inside them is found by clipping?

    Parameters
    ----------
    polygons : array_like of shapely geometries

    Returns
    -------
    ndarray of bool
    """
    polygons = np.asarray(polygons, dtype=object)
    ok = (shapely.get_type_id(polygons) == 3) & ~shapely.is_empty(polygons)
    idx = np.flatnonzero(ok)
    if len(idx):
        *_, owner, _, convex = _window_rings(polygons[idx])
        ok[idx] = np.bincount(owner, weights=~convex, minlength=len(idx)) == 0
    return ok


def _expand(counts: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(starts[i], starts[i] + counts[i])`` for every i."""
    total = int(counts.sum())
    if not total:
        return np.empty(0, int)
    offsets = np.cumsum(counts) - counts
    return np.arange(total) - np.repeat(offsets - starts, counts)


def overlap_areas(windows, subjects, which=None, *, boxes=None) -> np.ndarray:
    """``area(windows[i] ∩ subjects[which[i]])`` for every i, planar.

    Parameters
    ----------
    windows : array_like of shapely geometries
        One per pair. Polygons whose rings are convex (:func:`convex_windows`) and have at most
        :data:`MAX_EDGES` edges are clipped in numpy (when there are :data:`MIN_PAIRS` of them
        or more); any other geometry is intersected by GEOS.
    subjects : array_like of shapely geometries
        Polygonal geometries of any shape (holes and several parts allowed).
    which : array_like of int, optional
        The subject of each pair (default: ``subjects[i]`` for window ``i``). A subject shared
        by many pairs is taken apart once.
    boxes : ndarray, optional
        Per pair, (xmin, ymin, xmax, ymax) of a box holding both the window and the subject
        (a grid cell): window edges along its sides cut nothing and are skipped.

    Returns
    -------
    ndarray of float
    """
    windows = np.asarray(windows, dtype=object)
    subjects = np.asarray(subjects, dtype=object)
    which = np.arange(len(windows)) if which is None else np.asarray(which, dtype=int)
    if len(windows) < MIN_PAIRS:
        return _geos_areas(windows, subjects[which]) if len(windows) else np.zeros(0)
    out = np.zeros(len(windows))
    # Pairs whose bounding boxes do not meet share no area.
    wb = shapely.bounds(windows)
    sb = shapely.bounds(subjects)[which]
    meet = ((wb[:, 0] < sb[:, 2]) & (sb[:, 0] < wb[:, 2]) & (wb[:, 1] < sb[:, 3])
            & (sb[:, 1] < wb[:, 3]))
    polygon = shapely.get_type_id(windows) == 3
    idx = np.flatnonzero(meet & polygon)
    x, y, ring, nxt, owner, sign, convex = _window_rings(windows[idx])
    # A ring of many edges costs one numpy step per edge over every pair still being cut:
    # those windows, and batches too small to repay the steps, go to GEOS. A hole of many
    # edges (a minimum range) stays: its bounding box nearly always settles it (wholly inside
    # the subject or clear of it), and a pair it does not settle goes to GEOS then.
    fit = convex & ((np.bincount(ring, minlength=len(owner)) <= MAX_EDGES) | (sign < 0))
    ok = np.bincount(owner, weights=~fit, minlength=len(idx)) == 0
    if ok.sum() < MIN_PAIRS:
        ok[:] = False
    other = np.r_[np.flatnonzero(meet & ~polygon), idx[~ok]].astype(int)
    if len(other):
        out[other] = _geos_areas(windows[other], subjects[which[other]])
    if ok.any():
        use = ok[owner][ring]  # vertices of the rings of usable windows
        use_ring = ok[owner]
        renum = np.cumsum(use_ring) - 1
        pair = idx[owner[use_ring]]  # the pair of each usable ring
        out += np.bincount(
            pair, weights=sign[use_ring] * _clip_areas(
                x[use], y[use], renum[ring[use]], subjects, which[pair],
                None if boxes is None else np.asarray(boxes, float)[pair]),
            minlength=len(out))
        unsettled = np.flatnonzero(np.isnan(out))
        if len(unsettled):
            out[unsettled] = _geos_areas(windows[unsettled], subjects[which[unsettled]])
    return out


def _geos_areas(windows, subjects) -> np.ndarray:
    """``area(windows[i] ∩ subjects[i])`` by GEOS: a window the subject contains is measured
    as it is, and only those that cross its edge are overlaid (the predicates are fast on
    prepared subjects, as a zone's pieces are)."""
    inside = shapely.contains(subjects, windows)
    out = np.zeros(len(windows))
    out[inside] = shapely.area(windows[inside])
    rest = np.flatnonzero(~inside)
    if len(rest):
        rest = rest[shapely.intersects(subjects[rest], windows[rest])]
    if len(rest):
        out[rest] = shapely.area(shapely.intersection(windows[rest], subjects[rest]))
    return out


def _subject_rings(subjects):
    """The rings of each subject: x, y, ring per vertex; per ring its sign (+1 exterior, -1
    hole); per subject its first ring and number of rings."""
    parts, part_of = shapely.get_parts(subjects, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    sign = np.where(np.r_[True, ring_part[1:] != ring_part[:-1]], 1.0, -1.0)
    x, y, ring = _open_rings(rings)
    ring_subject = part_of[ring_part]
    n_rings = np.bincount(ring_subject, minlength=len(subjects))
    first_ring = np.cumsum(n_rings) - n_rings
    ring_start = np.searchsorted(ring, np.arange(len(rings)))
    ring_len = np.bincount(ring, minlength=len(rings))
    return x, y, sign, first_ring, n_rings, ring_start, ring_len


def _clip_areas(wx, wy, wring, subjects, which, boxes) -> np.ndarray:
    """Sutherland–Hodgman: the area of each subject inside each convex window ring (given as
    flat open vertex lists ``wx, wy`` with their ring ``wring``; see the module's notes).

    Each subject is first cut to its window's bounding box (four cheap cuts that leave only the
    part near the window). Where that leaves the whole box, the window lies inside the subject
    and the answer is the window's own area; the rest are cut by the window's edges."""
    n = int(wring[-1]) + 1 if len(wring) else 0
    if not n:
        return np.zeros(0)
    wstart = np.searchsorted(wring, np.arange(n))
    wnext = _ring_next(wring)
    twice_area = np.bincount(wring, weights=wx * wy[wnext] - wx[wnext] * wy, minlength=n)
    # Coordinates relative to each window's first vertex keep the products small.
    ox, oy = wx[wstart], wy[wstart]
    x0, y0 = wx - ox[wring], wy - oy[wring]
    x1, y1 = x0[wnext], y0[wnext]
    lo_x, hi_x = np.minimum.reduceat(x0, wstart), np.maximum.reduceat(x0, wstart)
    lo_y, hi_y = np.minimum.reduceat(y0, wstart), np.maximum.reduceat(y0, wstart)
    # The subjects' rings, pair by pair, relative to the window's origin.
    sx, sy, sign, first_ring, n_rings, ring_start, ring_len = _subject_rings(subjects)
    pr_count = n_rings[which]
    ring_ids = _expand(pr_count, first_ring[which])
    pair_of_ring = np.repeat(np.arange(n), pr_count)
    ring_sign = sign[ring_ids]
    vcount = ring_len[ring_ids]
    vid = _expand(vcount, ring_start[ring_ids])
    rv = np.repeat(np.arange(len(ring_ids)), vcount)
    pv = pair_of_ring[rv]
    x, y = sx[vid] - ox[pv], sy[vid] - oy[pv]

    # Stage 1: the bounding box, skipping sides on the box that holds window and subject.
    zero, one = np.zeros(n), np.ones(n)
    sides = [(one, zero, -lo_x, lo_x + ox), (-one, zero, hi_x, hi_x + ox),
             (zero, one, -lo_y, lo_y + oy), (zero, -one, hi_y, hi_y + oy)]
    for i, (la, lb, lc, at) in enumerate(sides):
        useless = np.zeros(n, dtype=bool)
        if boxes is not None:
            useless |= at <= boxes[:, 0] if i == 0 else at >= boxes[:, 2] if i == 1 else \
                at <= boxes[:, 1] if i == 2 else at >= boxes[:, 3]
        la, lb, lc = (np.where(useless, d, a) for a, d in ((la, 0.0), (lb, 0.0), (lc, 1.0)))
        x, y, rv, pv = _cut(x, y, rv, pv, la[pv], lb[pv], lc[pv])
    ring_area = np.zeros(len(ring_ids))
    _shoelace(x, y, rv, ring_area)
    in_box = np.bincount(pair_of_ring, weights=np.abs(ring_area) * ring_sign, minlength=n)
    box_area = (hi_x - lo_x) * (hi_y - lo_y)
    whole = in_box >= box_area * (1.0 - 1e-12)
    out = np.where(whole, np.abs(twice_area) / 2.0, 0.0)
    # Stage 2: the window's edges, for the pairs left; a ring of many edges that its box did
    # not settle is left to GEOS (NaN).
    live = ~whole & (in_box > 0)
    unsettled = live & (np.bincount(wring, minlength=n) > MAX_EDGES)
    out[unsettled] = np.nan
    live &= ~unsettled
    keep = live[pv]
    x, y, rv, pv = x[keep], y[keep], rv[keep], pv[keep]
    ring_area[:] = 0.0
    o = np.where(twice_area < 0, -1.0, 1.0)[wring]
    ea, eb = -(y1 - y0) * o, (x1 - x0) * o  # each edge as a*x + b*y + c >= 0 inside
    ec = -(ea * x0 + eb * y0)
    ekeep = ((ea != 0) | (eb != 0)) & live[wring]
    if boxes is not None:
        ax, ay, bx, by = wx, wy, wx[wnext], wy[wnext]
        box = boxes[wring]
        ekeep &= ~(((ax == box[:, 0]) & (bx == box[:, 0])) | ((ax == box[:, 2]) & (bx == box[:, 2]))
                   | ((ay == box[:, 1]) & (by == box[:, 1]))
                   | ((ay == box[:, 3]) & (by == box[:, 3])))
    ea, eb, ec, ering = ea[ekeep], eb[ekeep], ec[ekeep], wring[ekeep]
    m = np.bincount(ering, minlength=n)
    estart = np.cumsum(m) - m
    # Pairs in decreasing order of edges: at step k those with k edges or fewer are done, and
    # they are the tail of the arrays.
    order = np.argsort(-m, kind="stable")
    rank = np.empty(n, int)
    rank[order] = np.arange(n)
    srt = np.argsort(rank[pv], kind="stable")
    x, y, rv, pv = x[srt], y[srt], rv[srt], pv[srt]
    m_v = m[pv]
    k = 0
    while len(x):
        done = int(np.searchsorted(-m_v, -k, side="left"))
        if done < len(x):
            _shoelace(x[done:], y[done:], rv[done:], ring_area)
            x, y, rv, pv, m_v = x[:done], y[:done], rv[:done], pv[:done], m_v[:done]
            if not len(x):
                break
        e = estart + k  # edge k of every pair (valid for the pairs still here)
        ev = e[pv]
        x, y, rv, pv, m_v = _cut(x, y, rv, pv, ea[ev], eb[ev], ec[ev], m_v)
        k += 1
    out += np.where(live, np.maximum(
        np.bincount(pair_of_ring, weights=np.abs(ring_area) * ring_sign, minlength=n), 0.0), 0.0)
    return out


def _cut(x, y, rv, pv, la, lb, lc, *carry):
    """One Sutherland–Hodgman step: every ring cut by its half-plane ``la*x + lb*y + lc >= 0``
    (per vertex). Returns the new flat arrays (and ``carry``, per vertex, repeated alike)."""
    if not len(x):
        return (x, y, rv, pv, *carry)
    s = la * x + lb * y + lc
    ins = s >= 0
    nxt = _ring_next(rv)
    ins_n = ins[nxt]
    cross = ins != ins_n
    cnt = ins_n.astype(np.int64) + cross
    pos = np.cumsum(cnt) - cnt
    total = int(pos[-1] + cnt[-1])
    nx, ny = np.empty(total), np.empty(total)
    c = np.flatnonzero(cross)
    cn = nxt[c]
    t = s[c] / (s[c] - s[cn])
    nx[pos[c]] = x[c] + t * (x[cn] - x[c])
    ny[pos[c]] = y[c] + t * (y[cn] - y[c])
    v = np.flatnonzero(ins_n)
    dst = pos[v] + cross[v]
    nx[dst] = x[nxt[v]]
    ny[dst] = y[nxt[v]]
    return (nx, ny, np.repeat(rv, cnt), np.repeat(pv, cnt),
            *(np.repeat(a, cnt) for a in carry))


def _shoelace(x, y, rv, ring_area) -> None:
    """Add the signed areas of contiguous open rings to ``ring_area`` (indexed by ``rv``)."""
    nxt = _ring_next(rv)
    ring_area += np.bincount(rv, weights=0.5 * (x * y[nxt] - x[nxt] * y),
                             minlength=len(ring_area))
