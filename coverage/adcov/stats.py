"""Coverage statistics: the zone table, per-site figures and pairwise overlaps, computed once.

The overlay engine works in the region's equal-area (LAEA) projection on a grid of square cells.
Each envelope is cut into the cells it touches; a cell that an envelope covers completely is
counted, not cut. Within a cell the layers *covered by at least 1, 2, 3 envelopes* are built from
the few partial pieces only, and the zones (region, sector zones, belts, neighbours' territory) are
cut into the same cells once per analysis. Every figure is therefore exact polygon arithmetic on
small pieces: the cost grows with the length of envelope and zone boundaries, not with the number
of envelopes stacked over a point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import STRtree

from .borders import Zones
from .envelope import Envelope

__all__ = [
    "CELL_SIZE_M",
    "MAX_DEPTH",
    "ZONE_COLUMNS",
    "SITE_COLUMNS",
    "OVERLAP_COLUMNS",
    "Overlay",
    "AltitudeStats",
    "dead_zone_union",
    "gap_kind",
]

#: Side of the grid cells. Smaller cells mean more, cheaper pieces; 25 km balances both for
#: envelopes of 10 to 400 km over a country of Belarus's size. [m]
CELL_SIZE_M = 25_000.0
#: Depth layers computed (covered by at least 1, 2 and 3 envelopes).
MAX_DEPTH = 3
#: Points along covered boundaries are sampled this densely when measuring the forward reach. [m]
REACH_SPACING_M = 1000.0

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

_EMPTY = shapely.Polygon()


class _Grid:
    """Square cells over an extent, with a spatial index."""

    def __init__(self, bounds, cell_m: float):
        x0, y0, x1, y1 = bounds
        nx = max(1, math.ceil((x1 - x0) / cell_m))
        ny = max(1, math.ceil((y1 - y0) / cell_m))
        xs = x0 + cell_m * np.arange(nx)
        ys = y0 + cell_m * np.arange(ny)
        gx, gy = np.meshgrid(xs, ys)
        gx, gy = gx.ravel(), gy.ravel()
        self.boxes = shapely.box(gx, gy, gx + cell_m, gy + cell_m)
        self.x0, self.y0 = gx, gy
        self.cell_m = cell_m
        self.cell_area = cell_m * cell_m
        self.tree = STRtree(self.boxes)
        self.size = len(self.boxes)

    def cut(self, geom, cells: np.ndarray) -> np.ndarray:
        """``geom ∩ cell`` for each of ``cells``, by recursive halving.

        Intersecting a large geometry (a country with a long coast) with thousands of cells one
        by one costs cells x vertices; halving the block of cells and the geometry with it costs
        about vertices x log(cells).
        """
        if len(cells) <= 16 or shapely.get_num_coordinates(geom) <= 2000:
            return shapely.intersection(self.boxes[cells], geom)
        x0, y0 = self.x0[cells], self.y0[cells]
        if np.ptp(x0) >= np.ptp(y0):
            split = np.median(x0)
            low = x0 < split if (x0 < split).any() else x0 <= split
        else:
            split = np.median(y0)
            low = y0 < split if (y0 < split).any() else y0 <= split
        out = np.empty(len(cells), dtype=object)
        for part in (low, ~low):
            if not part.any():
                continue
            sub = cells[part]
            block = shapely.box(self.x0[sub].min(), self.y0[sub].min(),
                                self.x0[sub].max() + self.cell_m, self.y0[sub].max() + self.cell_m)
            out[part] = self.cut(shapely.intersection(geom, block), sub)
        return out


@dataclass
class _ZoneCells:
    """A zone cut into grid cells: its piece in each cell it touches."""

    name: str
    kind: str
    geom: object
    area_m2: float
    cells: np.ndarray          # cell indices
    full: np.ndarray           # the cell lies wholly inside the zone
    pieces: np.ndarray         # zone ∩ cell (the box itself when full)
    piece_area: np.ndarray
    lookup: np.ndarray = field(repr=False, default=None)   # cell index -> position, or -1

    @classmethod
    def build(cls, name, kind, geom, grid: _Grid) -> "_ZoneCells":
        shapely.prepare(geom)
        cells = np.sort(grid.tree.query(geom, predicate="intersects"))
        boxes = grid.boxes[cells]
        full = shapely.contains(geom, boxes)
        pieces = boxes.copy()
        cut = ~full
        if cut.any():
            pieces[cut] = grid.cut(geom, cells[cut])
        area = shapely.area(pieces)
        keep = area > 0
        cells, full, pieces, area = cells[keep], full[keep], pieces[keep], area[keep]
        lookup = np.full(grid.size, -1)
        lookup[cells] = np.arange(len(cells))
        return cls(name, kind, geom, float(shapely.area(geom)), cells, full, pieces, area, lookup)


@dataclass
class _LineCells:
    """A border line cut into grid cells."""

    cells: np.ndarray
    pieces: np.ndarray
    length: np.ndarray

    @classmethod
    def build(cls, geom, grid: _Grid) -> "_LineCells":
        if geom.is_empty:
            return cls(np.empty(0, int), np.empty(0, object), np.empty(0))
        cells = np.sort(grid.tree.query(geom, predicate="intersects"))
        pieces = grid.cut(geom, cells)
        length = shapely.length(pieces)
        keep = length > 0
        return cls(cells[keep], pieces[keep], length[keep])


@dataclass
class AltitudeStats:
    """Everything computed for one target altitude."""

    altitude_m: float
    envelopes: list
    polygons: np.ndarray           # LAEA polygons, one per envelope (empty where empty)
    zone_rows: list
    site_rows: list
    layer_pieces: list             # [depth>=1, depth>=2, depth>=3] pieces per cell
    gap_geoms: dict                # zone -> uncovered polygons (LAEA) larger than min_gap
    _overlay: "Overlay" = field(repr=False, default=None)
    _cell_data: dict = field(repr=False, default=None)
    _layers: dict = field(repr=False, default_factory=dict)

    def layer(self, depth: int):
        """Area covered by at least ``depth`` envelopes (1 = the union), LAEA. [m]

        Merged from the cell pieces once, then kept: maps, exports and comparisons share it.
        """
        if depth not in self._layers:
            pieces = self.layer_pieces[depth - 1]
            pieces = pieces[~shapely.is_empty(pieces)]
            self._layers[depth] = shapely.union_all(pieces) if len(pieces) else _EMPTY
        return self._layers[depth]

    def overlaps(self, scenario_label: str) -> list:
        """Area inside the region covered by both sites, for every pair that overlaps there."""
        return self._overlay._overlaps(self, scenario_label)


class Overlay:
    """The overlay of a scenario's envelopes with a region's zones, altitude by altitude.

    Parameters
    ----------
    zones : Zones
        The region's zones (LAEA).
    extent_polygons : sequence of shapely geometries
        Every envelope polygon of every altitude (LAEA), to size the grid.
    min_gap_km2 : float
        Uncovered parts smaller than this are not counted as gaps. [km2]
    cell_m : float
        Grid cell size. [m]
    """

    def __init__(self, zones: Zones, extent_polygons, *, min_gap_km2: float = 25.0,
                 cell_m: float = CELL_SIZE_M):
        self.zones = zones
        self.min_gap_m2 = min_gap_km2 * 1e6
        geoms = [zones.region_geom] + [g for g in extent_polygons if not g.is_empty]
        bounds = shapely.total_bounds(np.array(geoms, dtype=object))
        self.grid = _Grid(bounds, cell_m)
        g = self.grid
        self.region = _ZoneCells.build(zones.region, "region", zones.region_geom, g)
        self.zone_cells = [self.region]
        self.zone_cells += [_ZoneCells.build(k, "sector", z, g) for k, z in zones.sector_zones.items()]
        self.zone_cells += [_ZoneCells.build(f"{k}_belt", "belt", z, g) for k, z in zones.belts.items()]
        self.forward = {k: _ZoneCells.build(f"{k}_forward", "forward", z, g)
                        for k, z in zones.forward.items() if not z.is_empty}
        self.border = {k: _LineCells.build(line, g) for k, line in zones.border_lines.items()}
        self._region_boundary = zones.region_geom.boundary
        shapely.prepare(self._region_boundary)

    # ------------------------------------------------------------------ per altitude
    def altitude(self, envs: list[Envelope], polygons, scenario_label: str) -> AltitudeStats:
        """Zone rows, site rows and layer geometry for one altitude."""
        g = self.grid
        polygons = np.asarray(polygons, dtype=object)
        n = len(envs)
        live = np.flatnonzero(~shapely.is_empty(polygons)) if n else np.empty(0, int)
        shapely.prepare(polygons[live])
        if len(live):
            e_pos, c_idx = g.tree.query(polygons[live], predicate="intersects")
            e_idx = live[e_pos]
        else:
            e_idx = c_idx = np.empty(0, int)
        full = shapely.contains(polygons[e_idx], g.boxes[c_idx]) if len(e_idx) else np.empty(0, bool)
        part_e, part_c = e_idx[~full], c_idx[~full]
        part_pieces = shapely.intersection(polygons[part_e], g.boxes[part_c]) if len(part_e) else \
            np.empty(0, object)
        nonempty = shapely.area(part_pieces) > 0 if len(part_pieces) else np.empty(0, bool)
        part_e, part_c, part_pieces = part_e[nonempty], part_c[nonempty], part_pieces[nonempty]
        full_e, full_c = e_idx[full], c_idx[full]

        n_full = np.bincount(full_c, minlength=g.size)
        layers = [np.full(g.size, _EMPTY, dtype=object) for _ in range(MAX_DEPTH)]
        layer_full = [n_full > k for k in range(MAX_DEPTH)]
        order = np.argsort(part_c, kind="stable")
        part_e, part_c, part_pieces = part_e[order], part_c[order], part_pieces[order]
        starts = np.searchsorted(part_c, np.arange(g.size + 1))
        touched = np.union1d(full_c, part_c).astype(int)
        for c in touched:
            f = int(n_full[c])
            for k in range(min(f, MAX_DEPTH)):
                layers[k][c] = g.boxes[c]
            need = MAX_DEPTH - f
            if need <= 0:
                continue
            pcs = list(part_pieces[starts[c]:starts[c + 1]])
            if not pcs:
                continue
            sub = _depth_layers(pcs, need)
            for k in range(need):
                layers[f + k][c] = sub[k]

        cell_data = {
            "full_e": full_e, "full_c": full_c, "part_e": part_e, "part_c": part_c,
            "part_pieces": part_pieces, "n_full": n_full, "layers": layers,
            "layer_full": layer_full,
        }
        zone_rows, gap_geoms = [], {}
        for zc in self.zone_cells:
            row, gaps = self._zone_row(zc, cell_data)
            gap_geoms[zc.name] = gaps
            zone_rows.append(row)
        for row in zone_rows:
            row["scenario"] = scenario_label
            row["altitude_m"] = envs[0].altitude_m if envs else float("nan")
            if row["zone_kind"] == "sector":
                row.update(self._sector_extras(row["zone"], cell_data))
            else:
                row.update(border_km=np.nan, border_covered_km=np.nan,
                           border_covered_fraction=np.nan, forward_km2=np.nan,
                           forward_reach_km=np.nan)
        zone_rows = [{k: r[k] for k in ZONE_COLUMNS} for r in zone_rows]
        site_rows = self._site_rows(envs, cell_data, scenario_label)
        stats = AltitudeStats(
            altitude_m=envs[0].altitude_m if envs else float("nan"), envelopes=envs,
            polygons=polygons, zone_rows=zone_rows, site_rows=site_rows, layer_pieces=layers,
            gap_geoms=gap_geoms, _overlay=self, _cell_data=cell_data)
        return stats

    # ------------------------------------------------------------------ zones
    def _covered_in_zone(self, zc: _ZoneCells, layer, layer_full):
        """Area of zone ∩ layer, and the covered pieces, summed over the zone's cells."""
        cells = zc.cells
        lf = layer_full[cells]
        lg = layer[cells]
        lempty = shapely.is_empty(lg) & ~lf
        area = np.where(lf, zc.piece_area, 0.0)
        both = ~lf & ~lempty
        zone_full = zc.full & both
        area[zone_full] = shapely.area(lg[zone_full])
        cut = both & ~zc.full
        if cut.any():
            area[cut] = shapely.area(shapely.intersection(lg[cut], zc.pieces[cut]))
        return float(area.sum())

    def _zone_row(self, zc: _ZoneCells, cd) -> tuple[dict, list]:
        layers, layer_full = cd["layers"], cd["layer_full"]
        # Summed piece by piece, a fully covered zone can come out a few ulps above its area.
        covered = [min(self._covered_in_zone(zc, layers[k], layer_full[k]), zc.area_m2)
                   for k in range(MAX_DEPTH)]
        depth_sum = self._depth_integral(zc, cd)
        gaps = self._gaps(zc, layers[0], layer_full[0])
        gap_areas = [float(p.area) for p in gaps]
        area = zc.area_m2
        return {
            "zone": zc.name, "zone_kind": zc.kind, "area_km2": area / 1e6,
            "covered_km2": covered[0] / 1e6,
            "covered_fraction": covered[0] / area if area else np.nan,
            "mean_depth": depth_sum / area if area else np.nan,
            "depth2_km2": covered[1] / 1e6, "depth3_km2": covered[2] / 1e6,
            "gap_count": len(gaps),
            "largest_gap_km2": max(gap_areas) / 1e6 if gap_areas else 0.0,
        }, gaps

    def _depth_integral(self, zc: _ZoneCells, cd) -> float:
        """Sum over envelopes of the area of envelope ∩ zone: the integral of depth. [m2]"""
        total = 0.0
        pos = zc.lookup[cd["full_c"]]
        total += float(zc.piece_area[pos[pos >= 0]].sum())
        pos = zc.lookup[cd["part_c"]]
        inside = pos >= 0
        if inside.any():
            pcs = cd["part_pieces"][inside]
            p = pos[inside]
            zfull = zc.full[p]
            total += float(shapely.area(pcs[zfull]).sum())
            if (~zfull).any():
                total += float(shapely.area(
                    shapely.intersection(pcs[~zfull], zc.pieces[p[~zfull]])).sum())
        return total

    def _gaps(self, zc: _ZoneCells, layer, layer_full) -> list:
        """Connected uncovered parts of the zone larger than min_gap (LAEA polygons)."""
        cells = zc.cells
        lf = layer_full[cells]
        lg = layer[cells]
        open_ = ~lf
        if not open_.any():
            return []
        pieces = zc.pieces[open_]
        cover = lg[open_]
        has = ~shapely.is_empty(cover)
        pieces = pieces.copy()
        if has.any():
            pieces[has] = shapely.difference(pieces[has], cover[has])
        pieces = pieces[shapely.area(pieces) > 0]
        if not len(pieces):
            return []
        merged = shapely.union_all(pieces)
        parts = [p for p in shapely.get_parts(merged) if p.geom_type == "Polygon"]
        parts = [p for p in parts if p.area > self.min_gap_m2]
        parts.sort(key=lambda p: -p.area)
        return parts

    def _sector_extras(self, sector: str, cd) -> dict:
        layer, layer_full = cd["layers"][0], cd["layer_full"][0]
        lc = self.border[sector]
        total = float(lc.length.sum())
        covered = 0.0
        if len(lc.cells):
            lf = layer_full[lc.cells]
            lg = layer[lc.cells]
            covered += float(lc.length[lf].sum())
            rest = ~lf & ~shapely.is_empty(lg)
            if rest.any():
                covered += float(shapely.length(shapely.intersection(lc.pieces[rest], lg[rest])).sum())
        frac = covered / total if total > 0 else np.nan
        border_km = self.zones.border_km[sector]
        fwd_km2, reach = 0.0, 0.0
        if sector in self.forward:
            fz = self.forward[sector]
            fwd_km2 = self._covered_in_zone(fz, layer, layer_full) / 1e6
            reach = self._forward_reach(sector, fz, layer, layer_full) / 1000.0
        return {
            "border_km": border_km, "border_covered_km": border_km * frac if total else 0.0,
            "border_covered_fraction": frac, "forward_km2": fwd_km2, "forward_reach_km": reach,
        }

    def _forward_reach(self, sector, fz: _ZoneCells, layer, layer_full) -> float:
        """Farthest distance from the region of any covered point of the sector's neighbours'
        territory. Cells are visited farthest-first and the search stops once no cell can beat
        the best distance found. [m]

        The distance is to the region, not to the sector's border line: for most points the two
        are the same, but an exclave (Kaliningrad, Russian territory in the east sector of
        Belarus) lies far from its sector's border and close to the region.
        """
        line = self._region_boundary
        cells = fz.cells
        lf = layer_full[cells]
        lg = layer[cells]
        has = lf | ~shapely.is_empty(lg)
        if not has.any():
            return 0.0
        idx = np.flatnonzero(has)
        boxes = self.grid.boxes[cells[idx]]
        half_diag = math.sqrt(self.grid.cell_area / 2.0)
        bound = shapely.distance(shapely.centroid(boxes), line) + half_diag
        best = 0.0
        for o in np.argsort(-bound):
            if bound[o] <= best:
                break
            j = idx[o]
            piece = fz.pieces[j] if lf[j] else shapely.intersection(fz.pieces[j], lg[j])
            if piece.is_empty:
                continue
            pts = shapely.points(shapely.get_coordinates(
                shapely.segmentize(piece.boundary, REACH_SPACING_M)))
            d = shapely.distance(pts, line)
            if len(d):
                best = max(best, float(d.max()))
        return best

    # ------------------------------------------------------------------ sites
    def _site_rows(self, envs, cd, scenario_label) -> list:
        n = len(envs)
        rz = self.region
        covered = np.zeros(n)
        unique = np.zeros(n)
        n_full = cd["n_full"]
        layers = cd["layers"]
        # Wholly covered cells: the region's piece counts in full.
        pos = rz.lookup[cd["full_c"]]
        ok = pos >= 0
        fe, fc, fp = cd["full_e"][ok], cd["full_c"][ok], pos[ok]
        np.add.at(covered, fe, rz.piece_area[fp])
        # Unique where this envelope is the only full one: the region piece minus depth >= 2.
        solo = n_full[fc] == 1
        if solo.any():
            rp = rz.pieces[fp[solo]]
            l2 = layers[1][fc[solo]]
            rest = shapely.area(rp) - shapely.area(shapely.intersection(rp, l2))
            np.add.at(unique, fe[solo], rest)
        # Partly covered cells.
        pos = rz.lookup[cd["part_c"]]
        ok = pos >= 0
        pe, pc, pp, pcs = cd["part_e"][ok], cd["part_c"][ok], pos[ok], cd["part_pieces"][ok]
        if len(pe):
            in_region = np.where(rz.full[pp], pcs, shapely.intersection(pcs, rz.pieces[pp]))
            a = shapely.area(in_region)
            np.add.at(covered, pe, a)
            alone = n_full[pc] == 0
            if alone.any():
                l2 = layers[1][pc[alone]]
                dup = shapely.area(shapely.intersection(in_region[alone], l2))
                np.add.at(unique, pe[alone], a[alone] - dup)
        region_area = rz.area_m2
        rows = []
        for i, e in enumerate(envs):
            rows.append({
                "scenario": scenario_label, "altitude_m": e.altitude_m, "site": e.site,
                "system": e.system, "lon": e.lon, "lat": e.lat, "limited_by": e.limited_by,
                "outer_km": e.outer_km, "inner_km": e.inner_km, "horizon_km": e.horizon_km,
                "covered_km2": covered[i] / 1e6, "unique_km2": max(unique[i], 0.0) / 1e6,
                "loss_if_removed_fraction": max(unique[i], 0.0) / region_area,
            })
        return rows

    # ------------------------------------------------------------------ overlaps
    def _overlaps(self, st: AltitudeStats, scenario_label: str) -> list:
        cd = st._cell_data
        rz = self.region
        acc: dict[tuple[int, int], float] = {}
        by_cell: dict[int, list] = {}
        for e, c in zip(cd["full_e"], cd["full_c"]):
            if rz.lookup[c] >= 0:
                by_cell.setdefault(int(c), []).append((int(e), None))
        for e, c, p in zip(cd["part_e"], cd["part_c"], cd["part_pieces"]):
            pos = rz.lookup[c]
            if pos >= 0:
                piece = p if rz.full[pos] else shapely.intersection(p, rz.pieces[pos])
                if not piece.is_empty:
                    by_cell.setdefault(int(c), []).append((int(e), piece))
        for c, items in by_cell.items():
            items.sort(key=lambda t: t[0])
            a_region = float(rz.piece_area[rz.lookup[c]])
            for i in range(len(items)):
                ei, pi = items[i]
                for j in range(i + 1, len(items)):
                    ej, pj = items[j]
                    if pi is None and pj is None:
                        a = a_region
                    elif pi is None or pj is None:
                        a = float((pj if pi is None else pi).area)
                    else:
                        a = float(shapely.intersection(pi, pj).area)
                    if a > 0:
                        acc[(ei, ej)] = acc.get((ei, ej), 0.0) + a
        envs = st.envelopes
        rows = [{"scenario": scenario_label, "altitude_m": st.altitude_m,
                 "site_a": envs[i].site, "site_b": envs[j].site, "overlap_km2": a / 1e6}
                for (i, j), a in sorted(acc.items())]
        return rows


def dead_zone_union(polygons):
    """Union of the minimum-range holes of full-circle envelopes (LAEA polygons)."""
    holes = [shapely.Polygon(ring) for g in polygons if not g.is_empty
             for part in shapely.get_parts(g) for ring in part.interiors]
    return shapely.union_all(holes) if holes else _EMPTY


def gap_kind(gap, dead_zones) -> str:
    """``dead_zone`` when a gap lies inside the minimum-range holes (the blind spot straight
    above a battery that no other site covers), else ``open``."""
    if dead_zones.is_empty:
        return "open"
    return "dead_zone" if shapely.difference(gap, dead_zones).area <= 1e-6 * gap.area else "open"


def _depth_layers(pieces: list, need: int) -> list:
    """Areas covered by at least 1..need of the pieces, by divide and conquer.

    Depth >= k over A ∪ B is the union over i + j = k of (depth >= i over A) ∩ (depth >= j
    over B), where depth >= 0 is everywhere.
    """
    if len(pieces) == 1:
        return [pieces[0]] + [_EMPTY] * (need - 1)
    mid = len(pieces) // 2
    a = _depth_layers(pieces[:mid], need)
    b = _depth_layers(pieces[mid:], need)
    out = []
    for k in range(1, need + 1):
        terms = [a[k - 1], b[k - 1]]
        for i in range(1, k):
            ai, bj = a[i - 1], b[k - i - 1]
            if not ai.is_empty and not bj.is_empty:
                terms.append(shapely.intersection(ai, bj))
        terms = [t for t in terms if not t.is_empty]
        out.append(shapely.union_all(terms) if len(terms) > 1 else (terms[0] if terms else _EMPTY))
    return out
