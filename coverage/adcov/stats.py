"""Coverage statistics: functions over the overlay's pieces (:mod:`adcov.overlay`).

Each function takes the frame (the zones cut into cells) and one altitude's cover (the
envelopes cut into the same cells) and returns plain numbers, rows or geometry. Every figure is
exact polygon arithmetic on small pieces, summed over cells; areas are ellipsoidal because the
cells are in the region's equal-area projection.

The columns of the zone table, the per-site table and the overlap table are defined here, once.
"""

from __future__ import annotations

import dataclasses
import math
import weakref

import numpy as np
import shapely

from ._convexclip import MIN_PAIRS, overlap_areas
from .envelope import envelope_polygons
from .overlay import MAX_DEPTH, Cover, Frame, ZonePieces, clip_to

__all__ = [
    "ZONE_COLUMNS",
    "SITE_COLUMNS",
    "OVERLAP_COLUMNS",
    "TERRAIN_COLUMNS",
    "GAP_KINDS",
    "REACH_SPACING_M",
    "covered_area_m2",
    "depth_integral_m2",
    "zone_gaps",
    "border_covered_m",
    "forward_reach_m",
    "zone_rows",
    "extended_zone_gaps",
    "extended_zone_rows",
    "site_rows",
    "extended_site_rows",
    "overlap_rows",
    "dead_zone_union",
    "gap_kind",
    "compare_zone_tables",
]

ZONE_COLUMNS = (
    "scenario", "altitude_m", "zone", "zone_kind", "area_km2", "covered_km2", "covered_fraction",
    "mean_depth", "depth2_km2", "depth3_km2", "gap_count", "largest_gap_km2", "border_km",
    "border_covered_km", "border_covered_fraction", "forward_km2", "forward_reach_km",
)
SITE_COLUMNS = (
    "scenario", "altitude_m", "site", "system", "lon", "lat", "limited_by", "outer_km", "inner_km",
    "horizon_km", "covered_km2", "unique_km2", "loss_if_removed_fraction",
)
OVERLAP_COLUMNS = ("scenario", "altitude_m", "site_a", "site_b", "overlap_km2")
#: Per-site columns added when envelopes are masked by a DEM.
TERRAIN_COLUMNS = ("terrain_masked_fraction", "outside_dem_fraction")
#: A gap is ``open``, or a ``dead_zone``: inside the minimum-range holes of the envelopes
#: around it (the blind spot straight above a battery that no other site covers).
GAP_KINDS = ("open", "dead_zone")
#: In a cell with at most this many partly covering envelopes (and none covering it whole),
#: unique areas are each piece minus the depth >= 2 layer; with more, the cell's once-covered
#: parts are shared out (see :func:`_add_unique_parts`). Both are exact; the first is cheaper
#: for a few intricate (terrain-masked) pieces, the second for many.
UNIQUE_BY_PIECE_MAX = 6
#: Points along covered boundaries are sampled this densely when measuring the forward reach. [m]
REACH_SPACING_M = 1000.0

_EMPTY = shapely.Polygon()
_SECTOR_ONLY = ("border_km", "border_covered_km", "border_covered_fraction", "forward_km2",
                "forward_reach_km")


# ------------------------------------------------------------------------------ zone figures
def covered_area_m2(zone: ZonePieces, cover: Cover, depth: int = 1, *, cells=None) -> float:
    """Area of the zone covered by at least ``depth`` envelopes. [m2]

    A forward zone (the neighbours' territory) counts only the envelopes of sites in the
    region: coverage of Poland from a site in Poland is not reach across the border.

    ``cells`` (grid cell indices) restricts the sum to those cells.
    """
    if zone.kind == "forward":
        layer, layer_full = cover.forward_layer, cover.forward_full
    else:
        layer, layer_full = cover.layers[depth - 1], cover.layer_full[depth - 1]
    pos = np.arange(len(zone.cells))
    if cells is not None:
        pos = zone.lookup[np.asarray(cells, dtype=int)]
        pos = pos[pos >= 0]
    cells = zone.cells[pos]
    piece_area, full, pieces = zone.piece_area[pos], zone.full[pos], zone.pieces[pos]
    lf = layer_full[cells]
    lg = layer[cells]
    both = ~lf & ~shapely.is_empty(lg)
    area = np.where(lf, piece_area, 0.0)
    zone_full = full & both
    area[zone_full] = shapely.area(lg[zone_full])
    cut = both & ~full
    if cut.any():
        area[cut] = shapely.area(clip_to(lg[cut], pieces[cut]))
    # Summed piece by piece, a fully covered zone can come out a few ulps above its area.
    return min(float(area.sum()), zone.area_m2)


def depth_integral_m2(zone: ZonePieces, cover: Cover, frame: Frame | None = None) -> float:
    """Sum over envelopes of the area of envelope ∩ zone: the integral of depth. [m2]

    Where both an envelope and the zone cover part of a cell, their overlap is measured by
    clipping the zone's piece with the envelope's (:mod:`adcov._convexclip`: convex pieces in
    numpy, the rest by GEOS). With the ``frame`` the zone belongs to, the clipper skips the
    pieces' edges along their cell's sides, and each overlap is measured once per cover
    however many zones share the piece (:func:`_edge_overlaps`); the result is the same.
    """
    total = 0.0
    pos = zone.lookup[cover.full_c]
    total += float(zone.piece_area[pos[pos >= 0]].sum())
    pos = zone.lookup[cover.part_c]
    inside = pos >= 0
    if inside.any():
        pcs = cover.part_pieces[inside]
        p = pos[inside]
        zfull = zone.full[p]
        total += float(shapely.area(pcs[zfull]).sum())
        if (~zfull).any():
            if frame is None or (~zfull).sum() < MIN_PAIRS:
                # A few pieces: measured directly (the sharing only pays at scale).
                total += float(overlap_areas(pcs[~zfull], zone.pieces, p[~zfull]).sum())
            else:
                cells = np.unique(cover.part_c[inside][~zfull])
                total += float(_edge_overlaps(frame, cover, zone, cells).sum())
    return total


#: Per frame: zone name -> a key per piece (aligned with the zone's cells), shared by pieces
#: that are the same area of the same cell (a sector's piece that is the region's, a belt's
#: that is its sector's).
_PIECE_KEYS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
#: Per cover: piece key -> the areas of the cover's partial pieces in that cell inside it.
_OVERLAPS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _piece_keys(frame: Frame) -> dict:
    """Zone name -> per cell of the zone, a key naming its piece: pieces that cover the same
    area of a cell share one (a sector's piece that is the region's piece of the cell, a
    belt's that is its sector's: the one contains the other, and their areas agree to 1e-12),
    so that what is measured on one is not measured again on the other."""
    keys = _PIECE_KEYS.get(frame)
    if keys is not None:
        return keys
    size = frame.grid.size
    by_name = {zp.name: zp for zp in frame.zones}
    keys = {}
    for i, zp in enumerate(frame.zones):
        own = (i + 1) * size + zp.cells
        parent = None
        if zp.kind == "sector":
            parent = frame.region
        elif zp.kind == "belt" and zp.name.endswith("_belt"):
            parent = by_name.get(zp.name[:-len("_belt")])
        if zp.kind == "region":
            own = zp.cells.copy()
        elif parent is not None and parent.name in keys:
            pos = parent.lookup[zp.cells]
            ok = pos >= 0
            same = np.zeros(len(zp.cells), dtype=bool)
            same[ok] = np.abs(parent.piece_area[pos[ok]] - zp.piece_area[ok]) <= \
                1e-12 * parent.piece_area[pos[ok]]
            own = np.where(same, keys[parent.name][np.maximum(pos, 0)], own)
        keys[zp.name] = own
    # Where the region covers a cell whole and exactly two sectors share it, each sector's
    # piece is the cell minus the other's: an overlap with one is the piece's area minus the
    # overlap with the other (``partner`` names the other's key, or -1).
    sectors = [zp for zp in frame.zones if zp.kind == "sector"]
    count = np.zeros(size, dtype=int)
    for zp in sectors:
        count[zp.cells[~zp.full]] += 1
    rz = frame.region
    whole = np.zeros(size, dtype=bool)
    whole[rz.cells[rz.full]] = True
    partner = {}
    for zp in sectors:
        mine = np.full(len(zp.cells), -1)
        split = ~zp.full & whole[zp.cells] & (count[zp.cells] == 2)
        for other in sectors:
            if other is zp:
                continue
            pos = other.lookup[zp.cells]
            hit = split & (pos >= 0)
            mine[hit] = keys[other.name][pos[hit]]
        partner[zp.name] = mine
    keys = {"key": keys, "partner": partner}
    _PIECE_KEYS[frame] = keys
    return keys


def _edge_overlaps(frame: Frame, cover: Cover, zone: ZonePieces, cells) -> np.ndarray:
    """The area inside the zone's piece of every partial piece of the cover in ``cells``
    (cells the zone covers in part, in increasing order), in the cover's order. Measured by
    the clipper once per cover and piece: a sector's piece that is the region's, or a belt's
    that is its sector's, is not measured again."""
    cells = np.asarray(cells, dtype=int)
    memo = _OVERLAPS.setdefault(cover, {})
    known = _piece_keys(frame)
    pos = zone.lookup[cells]
    keys = known["key"][zone.name][pos]
    partner = known["partner"].get(zone.name)
    partner = partner[pos] if partner is not None else np.full(len(cells), -1)
    starts = np.searchsorted(cover.part_c, cells)
    ends = np.searchsorted(cover.part_c, cells, side="right")
    todo = []
    for i, (k, other) in enumerate(zip(keys.tolist(), partner.tolist())):
        if k in memo:
            continue
        if other >= 0 and other in memo:
            # The cell minus the other sector's piece: each piece's area minus its overlap there.
            memo[k] = np.maximum(
                shapely.area(cover.part_pieces[starts[i]:ends[i]]) - memo[other], 0.0)
        else:
            todo.append(i)
    if todo:
        todo = np.asarray(todo)
        counts = ends[todo] - starts[todo]
        sel = np.repeat(starts[todo], counts) + (np.arange(int(counts.sum()))
                                                  - np.repeat(np.cumsum(counts) - counts, counts))
        c = cover.part_c[sel]
        areas = overlap_areas(cover.part_pieces[sel], zone.pieces, zone.lookup[c],
                              boxes=frame.grid.cell_bounds(c))
        bounds = np.r_[0, np.cumsum(counts)]
        for j, k in enumerate(keys[todo].tolist()):
            memo[k] = areas[bounds[j]:bounds[j + 1]]
    if not len(cells):
        return np.zeros(0)
    return np.concatenate([memo[k] for k in keys.tolist()])


def zone_gaps(zone: ZonePieces, cover: Cover, min_gap_m2: float) -> list:
    """Connected uncovered parts of the zone, largest first (LAEA polygons).

    Parameters
    ----------
    zone : ZonePieces
        The zone.
    cover : Cover
        One altitude's envelopes.
    min_gap_m2 : float
        Uncovered parts up to this area are not gaps. [m2]
    """
    cells = zone.cells
    open_ = ~cover.layer_full[0][cells]
    if not open_.any():
        return []
    pieces = zone.pieces[open_].copy()
    cover_pieces = cover.layers[0][cells][open_]
    has = ~shapely.is_empty(cover_pieces)
    if has.any():
        pieces[has] = shapely.difference(pieces[has], cover_pieces[has])
    pieces = pieces[shapely.area(pieces) > 0]
    if not len(pieces):
        return []
    merged = shapely.union_all(pieces)
    parts = [p for p in shapely.get_parts(merged) if p.geom_type == "Polygon"]
    parts = [p for p in parts if p.area > min_gap_m2]
    parts.sort(key=lambda p: -p.area)
    return parts


def border_covered_m(frame: Frame, cover: Cover, sector: str) -> tuple[float, float]:
    """Covered length and total length of a sector's border line, in the projection. [m]"""
    lines = frame.borders[sector]
    total = float(lines.length.sum())
    if not len(lines.cells):
        return 0.0, total
    layer, layer_full = cover.layers[0], cover.layer_full[0]
    lf = layer_full[lines.cells]
    lg = layer[lines.cells]
    covered = float(lines.length[lf].sum())
    rest = ~lf & ~shapely.is_empty(lg)
    if rest.any():
        covered += float(shapely.length(shapely.intersection(lines.pieces[rest], lg[rest])).sum())
    return covered, total


def forward_reach_m(frame: Frame, cover: Cover, sector: str) -> float:
    """Farthest distance from the region of any point of the sector's neighbours' territory
    covered by an envelope of a site in the region. [m]

    Cells are visited farthest-first and the search stops once no cell can beat the best
    distance found. The distance is to the region, not to the sector's border line: for most
    points the two are the same, but an exclave (Kaliningrad, Russian territory in the east
    sector of Belarus) lies far from its sector's border and close to the region.
    """
    if sector not in frame.forward:
        return 0.0
    zone = frame.forward[sector]
    layer, layer_full = cover.forward_layer, cover.forward_full
    cells = zone.cells
    lf = layer_full[cells]
    lg = layer[cells]
    has = lf | ~shapely.is_empty(lg)
    if not has.any():
        return 0.0
    idx = np.flatnonzero(has)
    boxes = frame.grid.boxes[cells[idx]]
    half_diag = math.sqrt(frame.grid.cell_area_m2 / 2.0)
    bound = frame.distance_to_boundary(shapely.centroid(boxes)) + half_diag
    best = 0.0
    for o in np.argsort(-bound):
        if bound[o] <= best:
            break
        j = idx[o]
        piece = zone.pieces[j] if lf[j] else shapely.intersection(zone.pieces[j], lg[j])
        if piece.is_empty:
            continue
        pts = shapely.points(shapely.get_coordinates(
            shapely.segmentize(piece.boundary, REACH_SPACING_M)))
        d = frame.distance_to_boundary(pts)
        if len(d):
            best = max(best, float(d.max()))
    return best


def sectors_tile(region: ZonePieces, sectors) -> bool:
    """Do the sector zones tile the region (their areas sum to its area within 1e-9)?"""
    return bool(sectors) and (abs(sum(s.area_m2 for s in sectors) - region.area_m2)
                              <= 1e-9 * region.area_m2)


def measure_zones(zones, measure) -> dict:
    """Zone name -> ``measure(zone)`` for every zone, where ``measure`` gives (covered areas at
    depths 1, 2, ..., depth integral or None). [m2]

    The sector zones tile the region (their areas sum to its area within 1e-15), so the
    region's figures are the sums of theirs: that saves clipping the region's border cells
    again. Where they do not tile it, the region is measured itself. The zone table, its
    incremental update, the profile and the uncertainty run all measure zones this way, so
    that their region figures agree exactly.
    """
    figures = {zp.name: measure(zp) for zp in zones if zp.kind != "region"}
    sectors = [zp for zp in zones if zp.kind == "sector"]
    for zp in zones:
        if zp.kind != "region":
            continue
        if sectors_tile(zp, sectors):
            parts = [figures[s.name] for s in sectors]
            depths = [p[1] for p in parts]
            figures[zp.name] = (
                [min(sum(p[0][k] for p in parts), zp.area_m2) for k in range(len(parts[0][0]))],
                None if None in depths else sum(depths))
        else:
            figures[zp.name] = measure(zp)
    return figures


def zone_figures(frame: Frame, cover: Cover, depths: int = MAX_DEPTH, *,
                 integral: bool = True) -> dict:
    """Zone name -> (covered areas at depth 1 to ``depths``, depth integral or None when not
    ``integral``), for every zone of the frame (:func:`measure_zones`). [m2]"""
    return measure_zones(frame.zones, lambda zp: (
        [covered_area_m2(zp, cover, k + 1) for k in range(depths)],
        depth_integral_m2(zp, cover, frame) if integral else None))


# ------------------------------------------------------------------------------ tables
def zone_rows(frame: Frame, cover: Cover, zones, gaps: dict, *, scenario: str) -> list[dict]:
    """The zone table's rows for one altitude (columns :data:`ZONE_COLUMNS`).

    Parameters
    ----------
    frame, cover : Frame, Cover
        The pieces.
    zones : adcov.borders.Zones
        The region's zones (for the border lines' geodesic lengths).
    gaps : dict
        Zone name -> its gaps, from :func:`zone_gaps`.
    scenario : str
        The scenario label of the rows.
    """
    figures = zone_figures(frame, cover)
    rows = []
    for zp in frame.zones:
        area = zp.area_m2
        covered, depth_integral = figures[zp.name]
        gap_areas = [float(p.area) for p in gaps[zp.name]]
        row = {
            "scenario": scenario, "altitude_m": cover.altitude_m, "zone": zp.name,
            "zone_kind": zp.kind, "area_km2": area / 1e6, "covered_km2": covered[0] / 1e6,
            "covered_fraction": covered[0] / area if area else np.nan,
            "mean_depth": depth_integral / area if area else np.nan,
            "depth2_km2": covered[1] / 1e6, "depth3_km2": covered[2] / 1e6,
            "gap_count": len(gap_areas),
            "largest_gap_km2": max(gap_areas) / 1e6 if gap_areas else 0.0,
        }
        if zp.kind == "sector":
            covered_m, total_m = border_covered_m(frame, cover, zp.name)
            frac = covered_m / total_m if total_m > 0 else np.nan
            border_km = zones.border_km[zp.name]
            forward = frame.forward.get(zp.name)
            row.update(
                border_km=border_km, border_covered_km=border_km * frac if total_m else 0.0,
                border_covered_fraction=frac,
                forward_km2=covered_area_m2(forward, cover) / 1e6 if forward else 0.0,
                forward_reach_km=forward_reach_m(frame, cover, zp.name) / 1000.0)
        else:
            row.update({k: np.nan for k in _SECTOR_ONLY})
        rows.append({k: row[k] for k in ZONE_COLUMNS})
    return rows


def extended_zone_gaps(gaps, new_polygons, min_gap_m2: float) -> list:
    """A zone's gaps once more envelopes are added: the old gaps minus the new envelopes.

    Exact: what the new envelopes leave uncovered lies in the old uncovered area, and an
    uncovered part too small to be a gap before is too small after.

    Parameters
    ----------
    gaps : sequence of Polygon
        The zone's gaps before (LAEA), from :func:`zone_gaps`.
    new_polygons : sequence of Polygon
        The added envelopes' polygons (LAEA).
    min_gap_m2 : float
        Uncovered parts up to this area are not gaps. [m2]
    """
    live = [p for p in new_polygons if not p.is_empty]
    if not live or not gaps:
        return list(gaps)
    union = shapely.union_all(np.asarray(live, dtype=object))
    shapely.prepare(union)
    parts = []
    for gap in gaps:
        if not union.intersects(gap):
            parts.append(gap)
            continue
        rest = shapely.difference(gap, union)
        parts += [p for p in shapely.get_parts(rest)
                  if p.geom_type == "Polygon" and p.area > min_gap_m2]
    parts.sort(key=lambda p: -p.area)
    return parts


def extended_zone_rows(frame: Frame, cover_a: Cover, cover_b: Cover, cover_new: Cover, cells,
                       rows_a, zones, gaps: dict, *, scenario: str) -> list[dict]:
    """The zone table's rows of ``cover_b``, which is ``cover_a`` with the envelopes of
    ``cover_new`` added (see :func:`adcov.overlay.extend_cover`), from the rows of
    ``cover_a``: areas change only in ``cells``, the cells the new envelopes touch; the depth
    integral grows by the new envelopes' own; the forward reach is the larger of the old and
    the new envelopes'. The border figures are measured again (they are cheap).
    """
    def figures(zp, old):
        area = zp.area_m2
        covered = []
        for k, col in enumerate(("covered_km2", "depth2_km2", "depth3_km2")):
            delta = (covered_area_m2(zp, cover_b, k + 1, cells=cells)
                     - covered_area_m2(zp, cover_a, k + 1, cells=cells))
            covered.append(min(max(old[col] * 1e6 + delta, 0.0), area))
        return covered, (old["mean_depth"] * area if area else 0.0) + depth_integral_m2(
            zp, cover_new, frame)

    olds = dict(zip((zp.name for zp in frame.zones), rows_a))
    figs = measure_zones(frame.zones, lambda zp: figures(zp, olds[zp.name]))
    rows = []
    for zp, old in zip(frame.zones, rows_a):
        area = zp.area_m2
        covered, depth = figs[zp.name]
        gap_areas = [float(p.area) for p in gaps[zp.name]]
        row = {**old, "scenario": scenario,
               "covered_km2": covered[0] / 1e6,
               "covered_fraction": covered[0] / area if area else np.nan,
               "mean_depth": depth / area if area else np.nan,
               "depth2_km2": covered[1] / 1e6, "depth3_km2": covered[2] / 1e6,
               "gap_count": len(gap_areas),
               "largest_gap_km2": max(gap_areas) / 1e6 if gap_areas else 0.0}
        if zp.kind == "sector":
            covered_m, total_m = border_covered_m(frame, cover_b, zp.name)
            frac = covered_m / total_m if total_m > 0 else np.nan
            forward = frame.forward.get(zp.name)
            fwd = old["forward_km2"] * 1e6
            if forward is not None:
                fwd += (covered_area_m2(forward, cover_b, cells=cells)
                        - covered_area_m2(forward, cover_a, cells=cells))
            row.update(
                border_covered_km=row["border_km"] * frac if total_m else 0.0,
                border_covered_fraction=frac, forward_km2=max(fwd, 0.0) / 1e6,
                forward_reach_km=max(old["forward_reach_km"],
                                     forward_reach_m(frame, cover_new, zp.name) / 1000.0))
        rows.append({k: row[k] for k in ZONE_COLUMNS})
    return rows


def site_rows(frame: Frame, cover: Cover, *, scenario: str) -> list[dict]:
    """Per-site rows for one altitude (columns :data:`SITE_COLUMNS`): the area of the region
    each envelope covers, the part only it covers, and the coverage lost without it."""
    covered, unique = _site_sums(frame, cover)
    return _site_rows(frame, cover, covered, unique, scenario)


def extended_site_rows(frame: Frame, cover_a: Cover, cover_b: Cover, cells, rows_a, *,
                       scenario: str) -> list[dict]:
    """The site rows of ``cover_b``, ``cover_a`` with envelopes added (see
    :func:`adcov.overlay.extend_cover`), from the rows of ``cover_a``: an envelope's covered
    and unique areas change only in ``cells``, the cells the new envelopes touch, so only
    those are measured, in both covers."""
    n_a = len(rows_a)
    in_a = _site_sums(frame, cover_a, cells)
    covered, unique = _site_sums(frame, cover_b, cells)
    covered[:n_a] += np.array([r["covered_km2"] for r in rows_a]) * 1e6 - in_a[0]
    unique[:n_a] += np.array([r["unique_km2"] for r in rows_a]) * 1e6 - in_a[1]
    return _site_rows(frame, cover_b, covered, unique, scenario)


def _site_rows(frame, cover, covered, unique, scenario) -> list[dict]:
    rz = frame.region
    envs = cover.envelopes
    # A difference of two equal areas leaves rounding (about 1e-11 of them): no unique area.
    unique = np.where(unique > 1e-9 * covered, unique, 0.0)
    return [{
        "scenario": scenario, "altitude_m": e.altitude_m, "site": e.site, "system": e.system,
        "lon": e.lon, "lat": e.lat, "limited_by": str(e.limited_by), "outer_km": e.outer_km,
        "inner_km": e.inner_km, "horizon_km": e.horizon_km, "covered_km2": covered[i] / 1e6,
        "unique_km2": unique[i] / 1e6, "loss_if_removed_fraction": unique[i] / rz.area_m2,
        "terrain_masked_fraction": e.terrain_masked_fraction,
        "outside_dem_fraction": e.outside_dem_fraction,
    } for i, e in enumerate(envs)]


def _site_sums(frame: Frame, cover: Cover, cells=None) -> tuple[np.ndarray, np.ndarray]:
    """Per envelope: the area of the region it covers and the part only it covers, summed
    over every cell, or over ``cells`` only. [m2]"""
    envs = cover.envelopes
    rz = frame.region
    n = len(envs)
    covered = np.zeros(n)
    unique = np.zeros(n)
    depth2 = cover.layers[1]
    wanted = None
    if cells is not None:
        wanted = np.zeros(frame.grid.size, dtype=bool)
        wanted[np.asarray(cells, dtype=int)] = True
    # Wholly covered cells: the region's piece counts in full.
    pos = rz.lookup[cover.full_c]
    ok = pos >= 0
    if wanted is not None:
        ok &= wanted[cover.full_c]
    fe, fc, fp = cover.full_e[ok], cover.full_c[ok], pos[ok]
    np.add.at(covered, fe, rz.piece_area[fp])
    # Unique where this envelope is the only full one: the region piece minus depth >= 2.
    solo = cover.n_full[fc] == 1
    if solo.any():
        rp = rz.pieces[fp[solo]]
        rest = shapely.area(rp) - shapely.area(shapely.intersection(rp, depth2[fc[solo]]))
        np.add.at(unique, fe[solo], rest)
    # Partly covered cells.
    pos = rz.lookup[cover.part_c]
    ok = pos >= 0
    if wanted is not None:
        ok &= wanted[cover.part_c]
    pe, pc, pp, pcs = cover.part_e[ok], cover.part_c[ok], pos[ok], cover.part_pieces[ok]
    if len(pe):
        in_region = pcs.copy()
        edge = ~rz.full[pp]
        alone = cover.n_full[pc] == 0
        # The pieces on the region's edge: cut to it where unique areas need the geometry
        # (cells no envelope covers whole), measured by the clipper elsewhere.
        cut = edge & alone
        if cut.any():
            in_region[cut] = clip_to(pcs[cut], rz.pieces[pp[cut]])
        a = shapely.area(in_region)
        measure = edge & ~alone
        if measure.sum() >= MIN_PAIRS:
            a[measure] = _edge_overlaps(frame, cover, rz, np.unique(pc[measure]))
        elif measure.any():
            a[measure] = overlap_areas(pcs[measure], rz.pieces, pp[measure])
        np.add.at(covered, pe, a)
        if alone.any():
            # Few pieces in a cell: each piece minus depth >= 2, one overlay per piece. Many:
            # the cell's once-covered parts, shared out (linear where the other is quadratic).
            cells, per_cell = np.unique(pc[alone], return_counts=True)
            crowded = np.zeros(cover.n_full.shape, dtype=bool)
            crowded[cells[per_cell > UNIQUE_BY_PIECE_MAX]] = True
            few = alone & ~crowded[pc]
            if few.any():
                dup = shapely.area(shapely.intersection(in_region[few], depth2[pc[few]]))
                np.add.at(unique, pe[few], a[few] - dup)
            many = alone & crowded[pc]
            if many.any():
                _add_unique_parts(unique, rz, cover, pe[many], pc[many], in_region[many])
    return covered, unique


def _add_unique_parts(unique, rz, cover, pe, pc, pieces) -> None:
    """Add to ``unique[e]`` the area of the region that only envelope ``e`` covers, in cells
    that no envelope covers whole, from the envelopes' pieces there (``pe``, ``pc``,
    ``pieces``: envelope, cell, piece within the region).

    In such a cell, the part covered exactly once is (depth >= 1) minus (depth >= 2). Each of
    its connected parts lies inside exactly one envelope (to pass from one envelope's sole
    cover to another's, a path goes through depth 0 or 2), so each part's area goes to the
    envelope whose piece holds a point of its interior. That is one overlay per cell instead
    of one per piece against a depth-2 layer whose size grows with the density: linear in
    the number of envelopes, where the per-piece overlay grew as their square. A part that
    two envelopes share an edge across (systems at one place, masked by one terrain field)
    is split between them exactly.
    """
    cells = np.unique(pc)
    once = shapely.difference(cover.layers[0][cells], cover.layers[1][cells])
    pos = rz.lookup[cells]
    edge = ~rz.full[pos]
    if edge.any():
        once[edge] = clip_to(once[edge], rz.pieces[pos[edge]])
    parts = shapely.get_parts(once)
    if not len(parts):
        return
    parts = parts[shapely.area(parts) > 0.0]
    if not len(parts):
        return
    area = shapely.area(parts)
    tree = shapely.STRtree(pieces)
    hit_pt, hit_piece = tree.query(shapely.point_on_surface(parts), predicate="within")
    hit_pt, first = np.unique(hit_pt, return_index=True)
    owner = np.full(len(parts), -1)
    owner[hit_pt] = hit_piece[first]
    whole = owner >= 0
    whole[whole] = shapely.covers(pieces[owner[whole]], parts[whole])
    np.add.at(unique, pe[owner[whole]], area[whole])
    # A part not inside one piece: two envelopes share an edge there (systems at one place,
    # masked by one terrain field), or a sliver. Split it between the pieces it overlaps.
    rest = np.flatnonzero(~whole)
    if rest.size:
        qi, qj = tree.query(parts[rest], predicate="intersects")
        np.add.at(unique, pe[qj], shapely.area(shapely.intersection(parts[rest][qi], pieces[qj])))


def overlap_rows(frame: Frame, cover: Cover, *, scenario: str) -> list[dict]:
    """Area inside the region covered by both sites, for every pair that overlaps there
    (columns :data:`OVERLAP_COLUMNS`).

    Only pairs that share a cell are looked at (the grid is the spatial index), and their
    pieces are overlaid in one vectorised call: the cost grows with the overlapping pairs.
    """
    rz = frame.region
    n_env = len(cover.envelopes)
    # Every (envelope, cell) in the region: whole cells (piece None) and the parts.
    pos = rz.lookup[cover.full_c]
    ok = pos >= 0
    fe, fc = cover.full_e[ok], cover.full_c[ok]
    pos = rz.lookup[cover.part_c]
    ok = pos >= 0
    pe, pc, pieces = cover.part_e[ok], cover.part_c[ok], cover.part_pieces[ok].copy()
    edge = ~rz.full[pos[ok]]
    if edge.any():
        pieces[edge] = clip_to(pieces[edge], rz.pieces[pos[ok][edge]])
    live = ~shapely.is_empty(pieces) if len(pieces) else np.empty(0, bool)
    pe, pc, pieces = pe[live], pc[live], pieces[live]
    e = np.concatenate([fe, pe]).astype(np.int64)
    c = np.concatenate([fc, pc]).astype(np.int64)
    whole = np.concatenate([np.ones(len(fe), bool), np.zeros(len(pe), bool)])
    geoms = np.concatenate([np.full(len(fe), None, dtype=object), pieces])
    area = np.concatenate([rz.piece_area[rz.lookup[fc]], shapely.area(pieces)])
    if not len(e):
        return []
    order = np.lexsort((e, c))
    e, c, whole, geoms, area = e[order], c[order], whole[order], geoms[order], area[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    ends = np.r_[starts[1:], len(c)]
    ia, ib = [], []
    for a, b in zip(starts, ends):
        if b - a > 1:
            i, j = np.triu_indices(b - a, 1)
            ia.append(i + a)
            ib.append(j + a)
    if not ia:
        return []
    ia, ib = np.concatenate(ia), np.concatenate(ib)
    # Both whole: the region's piece; one whole: the other's piece; else their overlay.
    both = whole[ia] & whole[ib]
    one = whole[ia] ^ whole[ib]
    overlap = np.zeros(len(ia))
    overlap[both] = area[ia[both]]
    overlap[one] = np.where(whole[ia[one]], area[ib[one]], area[ia[one]])
    # Overlaid in chunks: a million overlays at once would hold a million pieces in memory.
    rest = np.flatnonzero(~both & ~one)
    for k in range(0, len(rest), 20_000):
        r = rest[k:k + 20_000]
        overlap[r] = shapely.area(shapely.intersection(geoms[ia[r]], geoms[ib[r]]))
    key = e[ia] * n_env + e[ib]
    keys, inverse = np.unique(key, return_inverse=True)
    total = np.bincount(inverse, weights=overlap, minlength=len(keys))
    envs = cover.envelopes
    return [{"scenario": scenario, "altitude_m": cover.altitude_m,
             "site_a": envs[int(k) // n_env].site, "site_b": envs[int(k) % n_env].site,
             "overlap_km2": a / 1e6}
            for k, a in zip(keys, total) if a > 0]


# ------------------------------------------------------------------------------ gap kinds
def dead_zone_union(envelopes, lon0: float, lat0: float):
    """Union of the envelopes' minimum-range holes: the disc (or sector) inside each inner
    radius, in the LAEA centred on (lon0, lat0). Built from the radii, not from the polygons'
    holes, which terrain masking adds to."""
    discs = [dataclasses.replace(e, outer_km=e.inner_km, inner_km=0.0, outer_by_azimuth_km=None)
             for e in envelopes if not e.empty and e.inner_km > 0]
    if not discs:
        return _EMPTY
    return shapely.union_all(envelope_polygons(discs, lon0, lat0))


def gap_kind(gap, dead_zones) -> str:
    """``dead_zone`` when a gap lies inside the minimum-range holes (the blind spot straight
    above a battery that no other site covers), else ``open`` (see :data:`GAP_KINDS`)."""
    if dead_zones.is_empty:
        return "open"
    return "dead_zone" if shapely.difference(gap, dead_zones).area <= 1e-6 * gap.area else "open"


# ------------------------------------------------------------------------------ comparison
def compare_zone_tables(zones_a, zones_b, label_a: str, label_b: str):
    """Both zone tables and their difference (B minus A), per altitude and zone.

    Rows are matched on (altitude_m, zone); altitudes or zones present in only one table are
    left out of the difference rows. When the labels are equal they become ``A:label`` and
    ``B:label``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ZONE_COLUMNS`; the difference rows have ``scenario = "B - A"``.
    """
    import pandas as pd

    if label_a == label_b:
        label_a, label_b = f"A:{label_a}", f"B:{label_b}"
    za = zones_a.assign(scenario=label_a)
    zb = zones_b.assign(scenario=label_b)
    keys = ["altitude_m", "zone"]
    merged = za.merge(zb, on=keys, suffixes=("_a", "_b"))
    diff = merged[keys].copy()
    diff["scenario"] = f"{label_b} - {label_a}"
    diff["zone_kind"] = merged["zone_kind_a"]
    for col in ZONE_COLUMNS:
        if col in ("scenario", "altitude_m", "zone", "zone_kind"):
            continue
        diff[col] = merged[f"{col}_b"] - merged[f"{col}_a"]
    return pd.concat([za, zb, diff[list(ZONE_COLUMNS)]], ignore_index=True)
