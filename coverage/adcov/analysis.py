"""One orchestrator: ``analyze(scenario) -> Result``.

The result holds data: the zone table, the per-site table and (on demand) pairwise overlaps as
pandas DataFrames, and envelopes, coverage layers, gaps and zones as GeoDataFrames in WGS84, all
computed from the scenario's pieces (:mod:`adcov.pipeline`) by the functions of
:mod:`adcov.stats`. Maps, exports, tables and plots (:mod:`adcov.render`) take a result and
never call back into this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Mapping

import numpy as np
import shapely

from ._rows import Rows
from .borders import Zones
from .errors import InputError
from .overlay import CELL_SIZE_M, Cover, Frame
from .pipeline import cut_scenario
from .projection import area_km2, laea_to_lonlat
from .regions import country_name
from .scenario import Scenario
from .stats import (OVERLAP_COLUMNS, SITE_COLUMNS, TERRAIN_COLUMNS, ZONE_COLUMNS,
                    compare_zone_tables, dead_zone_union, extended_zone_gaps,
                    extended_site_rows, extended_zone_rows, gap_kind, overlap_rows, site_rows,
                    zone_gaps, zone_rows)

__all__ = ["analyze", "extend", "whatif", "Result", "AltitudeStats", "compare", "ASSUMPTIONS",
           "ENVELOPE_COLUMNS"]

#: What every number rests on, reported with every result.
ASSUMPTIONS = MappingProxyType({
    "earth_model": "WGS84 ellipsoid; geodesic rings (Karney) and equal-area (LAEA) overlays",
    "refraction": "effective Earth radius k * R, R the Gaussian radius at each site",
    "terrain": "smooth Earth: terrain masking is not modelled",
    "altitude_reference": "target altitude above the radar's ground level",
    "envelope": "min(slant-range limit, radar horizon) outside the min-range dead zone, "
                "empty above the ceiling or below the floor",
    "depth": "counts envelopes: several missiles of one battery are several envelopes",
})

#: Columns of :attr:`Result.envelopes` besides the geometry.
ENVELOPE_COLUMNS = ("altitude_m", "site", "system", "limited_by", "outer_km", "inner_km",
                    "horizon_km")



@dataclass(frozen=True, eq=False)
class AltitudeStats:
    """Everything computed for one target altitude (geometry in the region's LAEA).

    Attributes
    ----------
    altitude_m : float
        Target altitude. [m]
    cover : Cover
        The envelopes cut into cells (:mod:`adcov.overlay`).
    zone_rows, site_rows : tuple of dict
        Rows of the zone and per-site tables.
    gaps : Mapping
        Zone name -> its gaps (uncovered polygons over ``min_gap_km2``), largest first.
    lon0, lat0 : float
        Centre of the region's LAEA. [deg]
    """

    altitude_m: float
    cover: Cover
    zone_rows: tuple
    site_rows: tuple
    gaps: Mapping

    @property
    def envelopes(self) -> tuple:
        """The envelopes, one per site."""
        return self.cover.envelopes

    @property
    def polygons(self) -> np.ndarray:
        """The envelopes' polygons (LAEA; empty where empty)."""
        return self.cover.polygons

    def layer(self, depth: int):
        """The area covered by at least ``depth`` envelopes (1: the union), LAEA. [m]"""
        return self.cover.layer(depth)

    lon0: float = 0.0
    lat0: float = 0.0

    @cached_property
    def dead_zones(self):
        """Union of the envelopes' minimum-range holes (LAEA)."""
        return dead_zone_union(self.envelopes, self.lon0, self.lat0)

    @cached_property
    def gap_kinds(self) -> Mapping:
        """Zone name -> the kind of each of its gaps (:data:`adcov.stats.GAP_KINDS`), in the
        order of :attr:`gaps`."""
        return MappingProxyType({zone: tuple(gap_kind(p, self.dead_zones) for p in parts)
                                 for zone, parts in self.gaps.items()})


def analyze(scenario: Scenario, *, cell_m: float = CELL_SIZE_M, progress=None,
            also_sites=()) -> "Result":
    """Compute envelopes, coverage layers and statistics for every altitude of a scenario.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:meth:`Scenario.from_file` or :meth:`Scenario.builtin`).
    cell_m : float, optional
        Grid cell size of the overlay engine (does not change results beyond rounding). [m]
    progress : callable, optional
        Called as ``progress(done, total)`` after each of ``4 x altitudes`` steps (per
        altitude: cutting the envelopes, gaps, the zone rows, the site rows).
    also_sites : sequence of Site, optional
        Sites to be added later with :func:`extend`: the grid and the neighbours' zones take
        in their envelopes too (they are not analysed), so that ``extend`` can reuse them.

    Returns
    -------
    Result
    """
    # Progress in steps finer than one per altitude: cutting, gaps, zone rows and site rows.
    n_alt = len(scenario.altitudes_m)
    total = 4 * n_alt

    def step(done):
        if progress is not None:
            progress(done, total)

    pieces = cut_scenario(scenario, cell_m=cell_m, also_sites=also_sites,
                          progress=None if progress is None else (lambda i, n: step(i)))
    min_gap_m2 = scenario.min_gap_km2 * 1e6
    per_alt = []
    done = len(pieces.covers)
    for cover in pieces.covers:
        gaps = {zp.name: tuple(zone_gaps(zp, cover, min_gap_m2)) for zp in pieces.frame.zones}
        step(done := done + 1)
        zrows = tuple(zone_rows(pieces.frame, cover, pieces.zones, gaps, scenario=scenario.label))
        step(done := done + 1)
        srows = tuple(site_rows(pieces.frame, cover, scenario=scenario.label))
        step(done := done + 1)
        per_alt.append(AltitudeStats(
            altitude_m=cover.altitude_m, cover=cover, zone_rows=zrows, site_rows=srows,
            gaps=MappingProxyType(gaps), lon0=pieces.zones.lon0, lat0=pieces.zones.lat0))
    return Result(scenario=scenario, region_zones=pieces.zones, frame=pieces.frame,
                  altitude_stats=tuple(per_alt), cell_m=pieces.cell_m, dem=pieces.dem)


def _extends(a: "Result", more: Scenario) -> bool:
    """Is ``more`` the scenario of ``a`` with sites added and nothing else changed, on a
    smooth Earth (terrain masks are cut per site from a field: not worth the bookkeeping)?"""
    base = a.scenario
    same = ("region", "sectors", "altitudes_m", "k_factor", "belt_km", "min_gap_km2", "mode",
            "terrain", "altitude_reference", "catalog")
    n = len(base.sites)
    return (a.dem is None and not getattr(more, "terrain", None)
            and all(getattr(base, k, None) == getattr(more, k, None) for k in same)
            and len(more.sites) >= n and tuple(more.sites[:n]) == tuple(base.sites))


def extend(a: "Result", more: Scenario, *, progress=None) -> "Result":
    """The analysis of ``more``, a copy of ``a``'s scenario with sites added, from ``a``'s
    pieces: only the new envelopes are cut into cells, the depth layers are rebuilt only
    where they reach, and the zone rows are updated rather than measured again (see
    :func:`adcov.stats.extended_zone_rows`). Falls back to :func:`analyze` when anything
    else differs, when the new envelopes reach beyond ``a``'s grid or neighbours' zones, or
    with terrain.

    Parameters
    ----------
    a : Result
        The analysis of the base scenario.
    more : Scenario
        The base scenario with sites added (:meth:`Scenario.with_sites`).
    progress : callable, optional
        As for :func:`analyze`.

    Returns
    -------
    Result
        The same numbers as ``analyze(more)`` (to rounding), in a fraction of its time.
    """
    from .envelope import envelope_polygons
    from .models import envelopes
    from .overlay import extend_cover
    from .pipeline import region_zones, sites_in_region

    if not _extends(a, more):
        return analyze(more, cell_m=a.cell_m, progress=progress)
    new_sites = more.sites[len(a.scenario.sites):]
    mode = getattr(more, "mode", "engagement")
    per_alt = [envelopes(new_sites, st.altitude_m, k_factor=more.k_factor, mode=mode)
               for st in a.altitude_stats]
    zones = a.region_zones
    reach_a = max((e.outer_km for st in a.altitude_stats for e in st.envelopes), default=0.0)
    reach = max([reach_a] + [e.outer_km for envs in per_alt for e in envs])
    if region_zones(more, reach) is not zones:
        return analyze(more, cell_m=a.cell_m, progress=progress)
    polys = [envelope_polygons(envs, zones.lon0, zones.lat0) for envs in per_alt]
    g = a.frame.grid
    gx0, gy0 = float(g.x0.min()), float(g.y0.min())
    gx1, gy1 = float(g.x0.max()) + g.cell_m, float(g.y0.max()) + g.cell_m
    live = [p for ps in polys for p in ps if not p.is_empty]
    if live:
        x0, y0, x1, y1 = shapely.total_bounds(np.asarray(live, dtype=object))
        if x0 < gx0 or y0 < gy0 or x1 > gx1 or y1 > gy1:
            return analyze(more, cell_m=a.cell_m, progress=progress)
    inside = sites_in_region(more, zones)
    min_gap_m2 = more.min_gap_km2 * 1e6
    out = []
    total = 2 * len(per_alt)
    for i, (st, envs, ps) in enumerate(zip(a.altitude_stats, per_alt, polys)):
        cover, new_only, cells = extend_cover(a.frame, st.cover, envs, ps, counts_forward=inside)
        gaps = {name: tuple(extended_zone_gaps(parts, ps, min_gap_m2))
                for name, parts in st.gaps.items()}
        zrows = tuple(extended_zone_rows(a.frame, st.cover, cover, new_only, cells,
                                         st.zone_rows, zones, gaps, scenario=more.label))
        if progress is not None:
            progress(2 * i + 1, total)
        srows = tuple(extended_site_rows(a.frame, st.cover, cover, cells, st.site_rows,
                                         scenario=more.label))
        if progress is not None:
            progress(2 * i + 2, total)
        out.append(AltitudeStats(altitude_m=st.altitude_m, cover=cover, zone_rows=zrows,
                                 site_rows=srows, gaps=MappingProxyType(gaps), lon0=zones.lon0,
                                 lat0=zones.lat0))
    return Result(scenario=more, region_zones=zones, frame=a.frame, altitude_stats=tuple(out),
                  cell_m=a.cell_m, dem=None)


def whatif(scenario: Scenario, *sites, progress=None) -> tuple:
    """What would new sites change: the analyses of ``scenario`` and of it with ``sites``
    added, the second built on the first (:func:`extend`).

    Parameters
    ----------
    scenario : Scenario
    *sites : Site or mapping
        As for :meth:`Scenario.with_sites`.
    progress : callable, optional
        As for :func:`analyze` (the base scenario's analysis).

    Returns
    -------
    (Result, Result)
        Use :func:`compare` for the zone table of both and their difference.
    """
    more = scenario.with_sites(*sites)
    a = analyze(scenario, progress=progress, also_sites=more.sites[len(scenario.sites):])
    return a, extend(a, more)


@dataclass(frozen=True, eq=False)
class Result:
    """Everything :func:`analyze` computed for one scenario (data only).

    Attributes
    ----------
    scenario : Scenario
        The scenario analysed.
    region_zones : Zones
        Its region's zones (LAEA; shared and immutable).
    frame : Frame
        The zones cut into the overlay's cells.
    altitude_stats : tuple of AltitudeStats
        One per altitude, in order.
    cell_m : float
        The overlay's cell size. [m]
    dem : str or None
        The DEM that masked the envelopes (its description), or None on a smooth Earth.
    """

    scenario: Scenario
    region_zones: Zones = field(repr=False)
    frame: Frame = field(repr=False)
    altitude_stats: tuple = field(repr=False)
    cell_m: float = CELL_SIZE_M
    dem: str | None = None

    def __repr__(self) -> str:
        return (f"<Result {self.scenario.label!r}: {len(self.scenario.sites)} sites, "
                f"{len(self.altitude_stats)} altitudes, region {self.scenario.region}>")

    # ------------------------------------------------------------------ tables
    @cached_property
    def zones(self) -> pd.DataFrame:
        """The zone table: one row per altitude and zone (see README for the columns)."""
        return self.table("zones").frame()

    @cached_property
    def sites(self) -> pd.DataFrame:
        """Per-site figures: one row per altitude and site."""
        return self.table("sites").frame()

    @property
    def _terrain_columns(self) -> list:
        return list(TERRAIN_COLUMNS) if self.dem else []

    @cached_property
    def overlaps(self) -> pd.DataFrame:
        """Area inside the region covered by both sites of each overlapping pair, per altitude."""
        return self.table("overlaps").frame()

    @cached_property
    def _tables(self) -> dict:
        return {}

    def table(self, name: str) -> Rows:
        """One of the tables (``"zones"``, ``"sites"`` or ``"overlaps"``) as records, without
        pandas: :attr:`zones`, :attr:`sites` and :attr:`overlaps` are these as DataFrames."""
        if name not in self._tables:
            if name == "zones":
                rows = [r for st in self.altitude_stats for r in st.zone_rows]
                cols = ZONE_COLUMNS
            elif name == "sites":
                rows = [r for st in self.altitude_stats for r in st.site_rows]
                cols = tuple(SITE_COLUMNS) + tuple(self._terrain_columns)
            elif name == "overlaps":
                rows = [r for st in self.altitude_stats
                        for r in overlap_rows(self.frame, st.cover, scenario=self.scenario.label)]
                cols = OVERLAP_COLUMNS
            else:
                raise ValueError(f"no table {name!r}: zones, sites or overlaps")
            self._tables[name] = Rows(rows, cols)
        return self._tables[name]

    @property
    def assumptions(self) -> dict:
        """The model's assumptions and this scenario's settings."""
        s = self.scenario
        out = {**ASSUMPTIONS, "k_factor": s.k_factor, "belt_km": s.belt_km,
               "min_gap_km2": s.min_gap_km2, "region": s.region,
               "region_name": country_name(s.region),
               "sectors": {k: list(v) for k, v in s.sectors.items()},
               "altitudes_m": list(s.altitudes_m)}
        if s.mode == "detection":
            out["mode"] = "detection"
            out["envelope"] = ("min(radar detection range, radar horizon) from the search "
                               "radar's height, no missile altitude limits; elevation limits "
                               "where catalogued")
        if self.dem:
            ref = s.altitude_reference or "agl"
            out["terrain"] = (f"masked by the DEM ({self.dem}): minimum visible height along "
                              "geodesic rays with the d^2/(2kR) curvature correction; where the "
                              "DEM has no data, smooth Earth (outside_dem_fraction per envelope)")
            out["altitude_reference"] = {
                "agl": "target altitude above the ground under the target (agl)",
                "msl": "target altitude above sea level, the DEM's datum (msl); where the "
                       "ground is higher the target is not covered"}[ref]
        return out

    def at(self, altitude_m: float) -> AltitudeStats:
        """The statistics and pieces (LAEA geometry) of one altitude of the scenario.

        Parameters
        ----------
        altitude_m : float
            One of the scenario's target altitudes. [m]
        """
        for st in self.altitude_stats:
            if st.altitude_m == float(altitude_m):
                return st
        raise InputError(f"not an altitude of this scenario; altitudes: "
                         f"{', '.join(f'{a:g}' for a in self.scenario.altitudes_m)}",
                         entry="altitude_m", value=altitude_m)

    # ------------------------------------------------------------------ geometry (WGS84)
    def _to_wgs84(self, geoms):
        z = self.region_zones
        return [laea_to_lonlat(g, z.lon0, z.lat0) for g in geoms]

    @cached_property
    def envelopes(self):
        """GeoDataFrame of the non-empty envelopes of every altitude (WGS84)."""
        import geopandas as gpd

        recs, geoms = [], []
        for st in self.altitude_stats:
            for e, g in zip(st.envelopes, st.polygons):
                if g.is_empty:
                    continue
                rec = {"altitude_m": e.altitude_m, "site": e.site, "system": e.system,
                       "limited_by": str(e.limited_by), "outer_km": e.outer_km,
                       "inner_km": e.inner_km, "horizon_km": e.horizon_km}
                if self.dem:
                    rec.update(terrain_masked_fraction=e.terrain_masked_fraction,
                               outside_dem_fraction=e.outside_dem_fraction)
                recs.append(rec)
                geoms.append(g)
        return gpd.GeoDataFrame(recs, columns=list(ENVELOPE_COLUMNS) + self._terrain_columns,
                                geometry=list(self._to_wgs84(geoms)), crs="EPSG:4326")

    @cached_property
    def unions(self):
        """GeoDataFrame of the coverage layers: depth 1 (the union), 2 and 3, per altitude."""
        import geopandas as gpd

        recs, geoms = [], []
        for st in self.altitude_stats:
            for depth in (1, 2, 3):
                g = st.layer(depth)
                recs.append({"altitude_m": st.altitude_m, "min_depth": depth,
                             "area_km2": area_km2(g)})
                geoms.append(g)
        return gpd.GeoDataFrame(recs, geometry=list(self._to_wgs84(geoms)), crs="EPSG:4326")

    @cached_property
    def gaps(self):
        """GeoDataFrame of the region's and each zone's gaps (uncovered parts over min_gap).

        ``kind`` is ``dead_zone`` for a gap that lies inside some site's minimum-range hole
        (the blind spot straight above a battery that no other site covers), else ``open``.
        """
        import geopandas as gpd

        recs, geoms = [], []
        for st in self.altitude_stats:
            for zone, parts in st.gaps.items():
                for rank, (p, kind) in enumerate(zip(parts, st.gap_kinds[zone]), start=1):
                    recs.append({"altitude_m": st.altitude_m, "zone": zone, "rank": rank,
                                 "kind": kind, "area_km2": area_km2(p)})
                    geoms.append(p)
        return gpd.GeoDataFrame(recs, columns=["altitude_m", "zone", "rank", "kind", "area_km2"],
                                geometry=list(self._to_wgs84(geoms)), crs="EPSG:4326")

    @cached_property
    def zone_geometries(self):
        """GeoDataFrame of the region, sector zones, belts and border lines (WGS84)."""
        import geopandas as gpd

        z = self.region_zones
        recs, geoms = [{"zone": z.region, "zone_kind": "region"}], [z.region_geom]
        for k, g in z.sector_zones.items():
            recs.append({"zone": k, "zone_kind": "sector"}), geoms.append(g)
        for k, g in z.belts.items():
            recs.append({"zone": f"{k}_belt", "zone_kind": "belt"}), geoms.append(g)
        for k, g in z.border_lines.items():
            recs.append({"zone": f"{k}_border", "zone_kind": "border"}), geoms.append(g)
        return gpd.GeoDataFrame(recs, geometry=list(self._to_wgs84(geoms)), crs="EPSG:4326")

    # ------------------------------------------------------------------ renderings
    def map(self, *, tiles: str = "osm", compare: "Result | None" = None,
            detection: "Result | bool | None" = None):
        """Interactive folium map (self-contained; displays inline in Jupyter).

        With ``compare``, the map shows what this result covers that ``compare`` does not
        ("gained") and the reverse ("lost"). With ``detection=True`` (or a detection-mode
        result of the same scenario) the radars' detection envelopes are drawn as dashed
        outlines beside the engagement envelopes. See :func:`adcov.render.maps.build_map`.
        """
        from dataclasses import replace

        from .render.maps import build_map

        if detection is True:
            detection = analyze(replace(self.scenario, mode="detection"), cell_m=self.cell_m)
        return build_map(self, tiles=tiles, compare=compare, detection=detection or None)

    def profile(self, *, points: int = 30, altitudes_m=None):
        """Covered fraction against target altitude for the region and each sector, computed
        with this result's grid.

        Parameters
        ----------
        points : int, default 30
            Log-spaced altitudes from 10 m to the highest ceiling of the scenario's systems.
        altitudes_m : sequence of float, optional
            Explicit target altitudes instead. [m]

        Returns
        -------
        pandas.DataFrame
            See :func:`adcov.profile.altitude_profile`; plot it with
            :func:`adcov.render.plots.plot_profile`.
        """
        from .profile import altitude_profile

        return altitude_profile(self.scenario, altitudes_m, points=points, cell_m=self.cell_m)

    def to_file(self, path):
        """Write the GIS layers to ``path`` (.geojson, .gpkg or .kml; see
        :mod:`adcov.render.export`).

        Parameters
        ----------
        path : str or path-like
            Output file; its extension chooses the format. Written whole or not at all.

        Returns
        -------
        pathlib.Path
        """
        from .render.export import write

        return write(self, path)

    def to_dict(self, *, overlaps: bool = True) -> dict:
        """The statistics as plain data, rounded as in output files (the JSON of
        ``adcov stats --format json``)."""
        from .render.tables import records

        s = self.scenario
        return {
            "scenario": {"label": s.label, "name": s.name, "region": s.region,
                         "sites": len(s.sites), "description": s.description},
            "assumptions": self.assumptions,
            "zones": records(self.table("zones")),
            "sites": records(self.table("sites")),
            "overlaps": records(self.table("overlaps")) if overlaps else None,
        }


def compare(a: Result, b: Result) -> pd.DataFrame:
    """Both scenarios' zone tables and their difference (B minus A), per altitude and zone.

    Rows are matched on (altitude_m, zone); altitudes or zones present in only one scenario are
    left out of the difference rows. The regions must be the same.
    """
    if a.scenario.region != b.scenario.region:
        raise InputError(f"cannot compare scenarios of different regions ({a.scenario.region} "
                         f"and {b.scenario.region})", file=b.scenario.path, entry="region",
                         value=b.scenario.region)
    return compare_zone_tables(a.zones, b.zones, a.scenario.label, b.scenario.label)
