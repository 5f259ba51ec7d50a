"""How sure is the answer: Monte Carlo over the uncertain inputs of a scenario.

Public-source inputs are uncertain. A site's position is known to a town (``position_sigma_km``:
an isotropic normal error; ``position_radius_km``: anywhere within a disc), and a system's
numbers may be ranges ``[low, high]`` (:attr:`adcov.catalog.System.ranges`, drawn uniformly),
or, with ``from_sources``, the spread of the values its cited sources give
(:meth:`adcov.catalog.System.with_source_ranges`). :func:`run_uncertainty` draws ``samples``
scenarios and measures each with the exact polygon engine, giving per altitude and zone the 5th,
50th and 95th percentiles and the mean of each statistic beside the deterministic value (the one
``adcov stats`` gives), and optionally the share of samples covering each point of a grid
(:meth:`UncertaintyResult.coverage_bands` draws it as bands at 50, 90 and 99 %).

Sampling
--------
Sample ``i`` uses its own generator, ``numpy.random.default_rng(SeedSequence(seed).spawn(N)[i])``,
so a sample's values do not depend on which process computes it, nor on how samples are batched:
the same seed gives the same numbers serially, on a local cluster of any size, or on a remote
dask cluster. Within a sample, each uncertain system field is drawn once (every site of that
system shares the draw: the sources disagree about the system, not about one battery), in the
order the sites first use the systems and the fields are listed in
:data:`adcov.catalog.NUMERIC_FIELDS`; then each uncertain place's displacement, in site order
(sites at one place with the same error, such as the missiles of one battery, move together).
A displacement moves the site along a WGS84 geodesic.

Cost
----
What does not change between samples is computed once per process: the region's zones, the grid
and the zones cut into it (:func:`adcov.pipeline.cut_scenario` on the nominal scenario), and the
envelopes of the sites whose inputs are certain. A sample recomputes the envelopes of the
uncertain sites only, cuts all envelopes into the frame's cells once per altitude
(:func:`adcov.overlay.cut_envelopes`) and measures them with :mod:`adcov.stats`.

Scale-out
---------
``workers=W`` runs the batches on a dask.distributed ``LocalCluster`` of W single-threaded
processes; ``scheduler="tcp://host:8786"`` on a running cluster (whose workers must have
``adcov`` installed). Without either nothing of dask is imported; dask is an optional extra
(``pip install 'airdefense-coverage[distributed]'``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Mapping

import numpy as np
import shapely

from .catalog import NUMERIC_FIELDS, FieldRanges
from .errors import InputError
from .models import envelopes
from .envelope import envelope_polygons
from .overlay import CELL_SIZE_M, cut_envelopes
from .pipeline import cut_scenario
from .stats import border_covered_m, zone_figures, zone_gaps

__all__ = [
    "UNCERTAINTY_STATISTICS",
    "QUANTILES",
    "BAND_LEVELS",
    "ROW_KEYS",
    "DISTRIBUTED_EXTRA",
    "UncertainInputs",
    "uncertain_inputs",
    "with_source_ranges",
    "draw_sites",
    "run_uncertainty",
    "UncertaintyResult",
    "profile_bands",
]

#: Statistics of the zone table that get bands (see :data:`adcov.stats.ZONE_COLUMNS`).
UNCERTAINTY_STATISTICS = ("covered_fraction", "border_covered_fraction", "mean_depth",
                          "largest_gap_km2")
#: Percentiles reported. [%]
QUANTILES = (5.0, 50.0, 95.0)
#: Probability-of-coverage levels drawn as bands: the share of samples covering a point. [-]
BAND_LEVELS = (0.5, 0.9, 0.99)
#: Keys of a row of the uncertainty table.
ROW_KEYS = ("altitude_m", "zone", "statistic", "p5", "p50", "p95", "mean", "deterministic")
#: How to install what ``workers`` and ``scheduler`` need.
DISTRIBUTED_EXTRA = "pip install 'airdefense-coverage[distributed]'"

#: Decimals of each statistic in rendered output (as in ``adcov stats``).
_DECIMALS = {"covered_fraction": 4, "border_covered_fraction": 4, "mean_depth": 3,
             "largest_gap_km2": 1}
_SECTOR_ONLY = {"border_covered_fraction"}


# ------------------------------------------------------------------------------ inputs
@dataclass(frozen=True)
class UncertainInputs:
    """What is uncertain in a scenario, in the order samples draw it.

    Attributes
    ----------
    systems : tuple of (str, FieldRanges)
        Per system id (in the order the sites first use them): its uncertain fields and their
        ``(low, high)``.
    sites : tuple of (tuple of int, str, float)
        Per uncertain place: the indices of its sites in the scenario, ``"normal"``
        (``position_sigma_km``) or ``"disc"`` (``position_radius_km``), and the sigma or
        radius [km]. Sites at one place with the same position error (the missiles of one
        battery) move together: one draw per place.
    """

    systems: tuple = ()
    sites: tuple = ()

    @property
    def empty(self) -> bool:
        """Nothing is uncertain: every sample is the deterministic scenario."""
        return not self.systems and not self.sites

    def describe(self, scenario) -> dict:
        """The uncertain inputs as plain data (for JSON and the Markdown header)."""
        systems = {}
        for s in scenario.sites:
            systems.setdefault(s.system.id, s.system)
        return {
            "systems": [{"system": sid, "field": f, "low": lo, "high": hi,
                         "nominal": getattr(systems[sid], f)}
                        for sid, ranges in self.systems for f, (lo, hi) in ranges.items()],
            "sites": [{"site": scenario.sites[i].name,
                       ("position_sigma_km" if kind == "normal" else "position_radius_km"): km}
                      for idx, kind, km in self.sites for i in idx],
        }


def with_source_ranges(scenario):
    """The scenario with each site's system given a range wherever its cited sources disagree
    (:meth:`adcov.catalog.System.with_source_ranges`), keeping ranges already given.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    Scenario
        Equal in every deterministic respect: only the systems' ranges differ.
    """
    sites = tuple(dataclasses.replace(s, system=s.system.with_source_ranges())
                  if s.system.alternatives else s for s in scenario.sites)
    return dataclasses.replace(scenario, sites=sites)


def uncertain_inputs(scenario) -> UncertainInputs:
    """The uncertain inputs of a scenario: systems with ranges, sites with a position error.

    A site that overrides its antenna height (or sector width) uses that value, not the
    system's range of it.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    UncertainInputs
    """
    systems, seen = [], set()
    for s in scenario.sites:
        sid = s.system.id
        if sid in seen:
            continue
        seen.add(sid)
        if s.system.ranges:
            systems.append((sid, FieldRanges(s.system.ranges)))
    places: dict = {}
    for i, s in enumerate(scenario.sites):
        if s.position_sigma_km:
            key = (s.lon, s.lat, "normal", float(s.position_sigma_km))
        elif s.position_radius_km:
            key = (s.lon, s.lat, "disc", float(s.position_radius_km))
        else:
            continue
        places.setdefault(key, []).append(i)
    sites = tuple((tuple(idx), key[2], key[3]) for key, idx in places.items())
    return UncertainInputs(tuple(systems), sites)


def draw_sites(sites, inputs: UncertainInputs, rng) -> tuple:
    """One sample of the sites: drawn system values and displaced positions.

    Parameters
    ----------
    sites : sequence of Site
        The scenario's sites.
    inputs : UncertainInputs
        From :func:`uncertain_inputs` for these sites.
    rng : numpy.random.Generator
        The sample's generator.

    Returns
    -------
    tuple of Site
        The sites of this sample, each with a system without ranges.
    """
    from pyproj import Geod

    drawn = {}
    for sid, ranges in inputs.systems:
        drawn[sid] = {f: float(rng.uniform(lo, hi)) for f, (lo, hi) in ranges.items()}
    moves = {}
    if inputs.sites:
        idx, az, dist = [], [], []
        for group, kind, km in inputs.sites:
            if kind == "normal":
                dx, dy = rng.normal(0.0, km, 2)
            else:
                r = km * math.sqrt(rng.random())
                theta = 2.0 * math.pi * rng.random()
                dx, dy = r * math.sin(theta), r * math.cos(theta)
            idx.append(group)
            az.append(math.degrees(math.atan2(dx, dy)))
            dist.append(math.hypot(dx, dy) * 1000.0)
        lons = [sites[g[0]].lon for g in idx]
        lats = [sites[g[0]].lat for g in idx]
        lon2, lat2, _ = Geod(ellps="WGS84").fwd(lons, lats, az, dist)
        moves = {i: (float(x), float(y)) for g, x, y in zip(idx, lon2, lat2) for i in g}
    systems = {}
    out = []
    for i, s in enumerate(sites):
        changes = {}
        sid = s.system.id
        if sid in drawn:
            if sid not in systems:
                systems[sid] = dataclasses.replace(s.system, ranges=FieldRanges(), **drawn[sid])
            changes["system"] = systems[sid]
        if i in moves:
            changes["lon"], changes["lat"] = moves[i]
        out.append(dataclasses.replace(s, **changes) if changes else s)
    return tuple(out)


# ------------------------------------------------------------------------------ the work
@dataclass(frozen=True)
class _Job:
    """Everything a process needs to compute samples: hashable, so that a worker prepares it
    once (:func:`_context`)."""

    scenario: object
    inputs: UncertainInputs
    altitudes_m: tuple
    statistics: tuple
    cell_m: float
    grid_km: float | None
    margin_km: float


_CONTEXTS: dict = {}


def _context(job: _Job) -> "_Context":
    ctx = _CONTEXTS.get(job)
    if ctx is None:
        _CONTEXTS.clear()  # one job at a time per process: frames are large
        ctx = _CONTEXTS[job] = _Context(job)
    return ctx


class _Context:
    """The parts of a computation that every sample shares (built once per process)."""

    def __init__(self, job: _Job):
        sc = job.scenario
        self.job = job
        self.pieces = cut_scenario(sc, job.altitudes_m, cell_m=job.cell_m)
        self.frame = self.pieces.frame
        self.zones = self.pieces.zones
        varying = {i for group, _, _ in job.inputs.sites for i in group}
        uncertain_systems = {sid for sid, _ in job.inputs.systems}
        varying |= {i for i, s in enumerate(sc.sites) if s.system.id in uncertain_systems}
        self.varying = np.array(sorted(varying), dtype=int)
        self.points = _PointGrid(self.frame, self.zones, job.grid_km, job.margin_km) \
            if job.grid_km else None

    def measure(self, cover) -> np.ndarray:
        """The statistics of one altitude's cover: (zones, statistics)."""
        frame = self.frame
        stats = self.job.statistics
        min_gap_m2 = self.job.scenario.min_gap_km2 * 1e6
        out = np.full((len(frame.zones), len(stats)), np.nan)
        # Computed as the zone table computes them (the region from its sectors), so that the
        # deterministic values are exactly those of `adcov stats`.
        figures = (zone_figures(frame, cover, depths=1, integral="mean_depth" in stats)
                   if {"covered_fraction", "mean_depth"} & set(stats) else None)
        for z, zp in enumerate(frame.zones):
            area = zp.area_m2
            for k, name in enumerate(stats):
                if name == "covered_fraction":
                    out[z, k] = figures[zp.name][0][0] / area if area else np.nan
                elif name == "mean_depth":
                    out[z, k] = figures[zp.name][1] / area if area else np.nan
                elif name == "largest_gap_km2":
                    gaps = [float(p.area) for p in zone_gaps(zp, cover, min_gap_m2)]
                    out[z, k] = max(gaps) / 1e6 if gaps else 0.0
                elif name == "border_covered_fraction" and zp.kind == "sector":
                    covered_m, total_m = border_covered_m(frame, cover, zp.name)
                    out[z, k] = covered_m / total_m if total_m > 0 else np.nan
        return out

    def deterministic(self) -> np.ndarray:
        """The statistics of the nominal scenario: (altitudes, zones, statistics)."""
        return np.stack([self.measure(c) for c in self.pieces.covers])

    def sample(self, seed_seq) -> tuple[np.ndarray, np.ndarray | None]:
        """One sample: its statistics (altitudes, zones, statistics) and, with a point grid,
        which points it covers (altitudes, points)."""
        job = self.job
        sc = job.scenario
        rng = np.random.default_rng(seed_seq)
        sites = draw_sites(sc.sites, job.inputs, rng)
        stats = []
        covered = [] if self.points is not None else None
        for cover in self.pieces.covers:
            if len(self.varying):
                envs = list(cover.envelopes)
                polys = np.array(cover.polygons, dtype=object)
                new = envelopes([sites[i] for i in self.varying], cover.altitude_m,
                                k_factor=sc.k_factor, mode=sc.mode)
                new_polys = envelope_polygons(new, self.zones.lon0, self.zones.lat0)
                for j, i in enumerate(self.varying):
                    envs[i] = new[j]
                    polys[i] = new_polys[j]
                cover = cut_envelopes(self.frame, envs, polys, altitude_m=cover.altitude_m)
            stats.append(self.measure(cover))
            if covered is not None:
                covered.append(self.points.covered(cover))
        return np.stack(stats), (np.stack(covered) if covered is not None else None)


class _PointGrid:
    """Cell centres of a raster over the region (and a margin), each located in the frame's
    grid once, so that a sample's cover says which it covers without cutting anything."""

    def __init__(self, frame, zones, grid_km: float, margin_km: float):
        g = frame.grid
        step = float(grid_km) * 1000.0
        margin = float(margin_km) * 1000.0
        rx0, ry0, rx1, ry1 = shapely.bounds(zones.region_geom)
        gx0, gy0 = float(g.x0.min()), float(g.y0.min())
        gx1, gy1 = float(g.x0.max()) + g.cell_m, float(g.y0.max()) + g.cell_m
        x0, y0 = max(rx0 - margin, gx0), max(ry0 - margin, gy0)
        x1, y1 = min(rx1 + margin, gx1), min(ry1 + margin, gy1)
        self.nx = max(1, int(math.ceil((x1 - x0) / step)))
        self.ny = max(1, int(math.ceil((y1 - y0) / step)))
        self.x0, self.y_top, self.step = x0, y0 + self.ny * step, step
        # Row 0 is the northernmost row (as a raster is stored).
        cx = x0 + (np.arange(self.nx) + 0.5) * step
        cy = self.y_top - (np.arange(self.ny) + 0.5) * step
        xx, yy = np.meshgrid(cx, cy)
        self.x, self.y = xx.ravel(), yy.ravel()
        inside = (self.x >= gx0) & (self.x < gx1) & (self.y >= gy0) & (self.y < gy1)
        ncols = int(round((g.x0.max() - gx0) / g.cell_m)) + 1
        ix = np.floor((self.x - gx0) / g.cell_m).astype(int)
        iy = np.floor((self.y - gy0) / g.cell_m).astype(int)
        self.cell = np.where(inside, iy * ncols + ix, -1)
        self.inside = inside
        self.lon0, self.lat0 = zones.lon0, zones.lat0

    @property
    def size(self) -> int:
        return len(self.x)

    def covered(self, cover) -> np.ndarray:
        """Which points the cover's union covers (points off the grid: no)."""
        out = np.zeros(self.size, dtype=bool)
        ok = np.flatnonzero(self.inside)
        cells = self.cell[ok]
        full = cover.layer_full[0][cells]
        out[ok[full]] = True
        part = ~full
        pieces = cover.layers[0][cells[part]]
        has = ~shapely.is_empty(pieces)
        if has.any():
            sel = ok[part][has]
            # intersects, not contains: a point on a cell edge lies on its piece's boundary
            out[sel] = shapely.intersects_xy(pieces[has], self.x[sel], self.y[sel])
        return out


def _run_batch(job: _Job, seeds) -> tuple[np.ndarray, np.ndarray | None]:
    """Samples of one batch: stacked statistics, and per point how many of them cover it."""
    ctx = _context(job)
    stats, counts = [], None
    for seed_seq in seeds:
        st, cov = ctx.sample(seed_seq)
        stats.append(st)
        if cov is not None:
            counts = cov.astype(np.int32) if counts is None else counts + cov
    return np.stack(stats), counts


def _batches(n: int, parts: int) -> list[tuple[int, int]]:
    size = max(1, math.ceil(n / max(1, parts)))
    return [(i, min(n, i + size)) for i in range(0, n, size)]


def _serial(job, seeds, progress):
    out = []
    for a, b in _batches(len(seeds), max(1, len(seeds) // 10)):
        out.append(_run_batch(job, seeds[a:b]))
        if progress is not None:
            progress(b, len(seeds))
    return out


def _require_distributed(entry: str):
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        raise InputError("needs dask.distributed, which is not installed; install it with: "
                         f"{DISTRIBUTED_EXTRA}", entry=entry)


def _local_cluster(workers: int):
    """A LocalCluster of single-threaded worker processes, quiet, without a dashboard."""
    import logging

    from dask.distributed import LocalCluster

    return LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                        dashboard_address=None, silence_logs=logging.ERROR)


class _QuietDask:
    """dask.distributed logs every worker's start and stop at INFO; adcov's own messages go
    to the same handler, so for the run its loggers report warnings only (or, with ``-vv``,
    everything)."""

    NAMES = ("distributed", "dask")

    def __init__(self):
        self.saved = None

    def __enter__(self):
        import logging

        if logging.getLogger("adcov").isEnabledFor(logging.DEBUG):
            return self
        import distributed  # noqa: F401 - sets up its loggers, whose levels are saved here

        names = [n for n in list(logging.root.manager.loggerDict)
                 if n.split(".")[0] in self.NAMES]
        self.saved = {n: logging.getLogger(n).level for n in {*self.NAMES, *names}}
        for n in self.saved:
            logging.getLogger(n).setLevel(logging.WARNING)
        return self

    def __exit__(self, *exc):
        import logging

        for n, level in (self.saved or {}).items():
            logging.getLogger(n).setLevel(level)
        self.saved = None
        return False


def _distributed(job, seeds, cluster, scheduler, batch_size, progress):
    from dask.distributed import Client, as_completed

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="15s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach a dask scheduler there ({type(exc).__name__})",
                             entry="--scheduler", value=scheduler) from None
    else:
        client = Client(cluster)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        parts = max(1, math.ceil(len(seeds) / batch_size)) if batch_size else 4 * n_workers
        spans = _batches(len(seeds), parts)
        job_f = client.scatter(job, broadcast=True)
        futures = [client.submit(_run_batch, job_f, seeds[a:b], pure=False) for a, b in spans]
        span_of = {f.key: span for f, span in zip(futures, spans)}
        done = 0
        for fut in as_completed(futures):
            a, b = span_of[fut.key]
            done += b - a
            if progress is not None:
                progress(done, len(seeds))
        return client.gather(futures)
    finally:
        client.close()


def run_uncertainty(scenario, *, samples: int, seed: int, workers: int | None = None,
                    scheduler: str | None = None, from_sources: bool = False,
                    altitudes_m=None, statistics=UNCERTAINTY_STATISTICS,
                    grid_km: float | None = None, margin_km: float = 100.0,
                    cell_m: float = CELL_SIZE_M, batch_size: int | None = None,
                    progress=None) -> "UncertaintyResult":
    """Draw ``samples`` versions of a scenario's uncertain inputs and measure each.

    Parameters
    ----------
    scenario : Scenario
        Sites may give ``position_sigma_km`` or ``position_radius_km``; systems may have
        ranges. Without a DEM (terrain is not sampled yet).
    samples : int
        Number of samples (at least 1). [-]
    seed : int
        Root seed: sample ``i`` draws from ``SeedSequence(seed).spawn(samples)[i]``. [-]
    workers : int, optional
        Run on a dask.distributed LocalCluster of this many processes.
    scheduler : str, optional
        Run on the dask cluster whose scheduler listens here, e.g. ``tcp://host:8786``.
    from_sources : bool, default False
        Also draw each catalogued value over the spread of its cited sources.
    altitudes_m : sequence of float, optional
        Target altitudes (default: the scenario's). [m]
    statistics : sequence of str
        Which of :data:`UNCERTAINTY_STATISTICS` to measure (fewer is faster).
    grid_km : float, optional
        Also count, on a raster of this spacing over the region and ``margin_km`` around it,
        how many samples cover each point (:meth:`UncertaintyResult.coverage_bands`). [km]
    margin_km : float, default 100
        How far beyond the region's bounding box the raster reaches. [km]
    cell_m : float, optional
        Grid cell size of the overlay engine. [m]
    batch_size : int, optional
        Samples per dask task (default: four tasks per worker).
    progress : callable, optional
        ``progress(done, total)`` as samples finish.

    Returns
    -------
    UncertaintyResult
        The same for the same seed whatever ``workers`` or ``scheduler``.

    Raises
    ------
    InputError
        For bad arguments, a scenario with a DEM, or dask missing when asked for.
    """
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise InputError("must be a whole number of at least 1", entry="samples", value=samples)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError("must be a whole number of at least 0", entry="seed", value=seed)
    if workers is not None and scheduler is not None:
        raise InputError("give --workers (a local cluster) or --scheduler (a running one), "
                         "not both", entry="--scheduler", value=scheduler)
    if workers is not None and (isinstance(workers, bool) or int(workers) < 1):
        raise InputError("must be at least 1", entry="--workers", value=workers)
    statistics = tuple(statistics)
    unknown = [s for s in statistics if s not in UNCERTAINTY_STATISTICS]
    if unknown or not statistics:
        raise InputError(f"statistics are some of {', '.join(UNCERTAINTY_STATISTICS)}",
                         entry="statistics", value=unknown or statistics)
    if getattr(scenario, "terrain", ()):
        raise InputError("uncertainty is computed on a smooth Earth for now: run it without a "
                         "DEM (terrain)", entry="terrain", value=str(scenario.terrain[0]))
    if grid_km is not None and not (0 < float(grid_km) <= 1000):
        raise InputError("must be > 0 and <= 1000", entry="grid_km", value=grid_km)
    if from_sources:
        scenario = with_source_ranges(scenario)
    alts = tuple(float(a) for a in (scenario.altitudes_m if altitudes_m is None
                                    else np.unique(np.asarray(altitudes_m, dtype=float))))
    inputs = uncertain_inputs(scenario)
    job = _Job(scenario, inputs, alts, statistics, float(cell_m),
               None if grid_km is None else float(grid_km), float(margin_km))
    starting = None
    quiet = _QuietDask()
    if workers is not None or scheduler is not None:
        _require_distributed("--scheduler" if scheduler is not None else "--workers")
        quiet.__enter__()
    if workers is not None:
        # The worker processes start while this one computes the deterministic values.
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(1)
        starting = pool.submit(_local_cluster, workers)
        pool.shutdown(wait=False)
    cluster = None
    try:
        ctx = _context(job)  # the deterministic values, here
        deterministic = ctx.deterministic()
        seeds = np.random.SeedSequence(int(seed)).spawn(int(samples))
        if starting is not None:
            cluster = starting.result()
        if workers is None and scheduler is None:
            parts = _serial(job, seeds, progress)
        else:
            parts = _distributed(job, seeds, cluster, scheduler, batch_size, progress)
    finally:
        try:
            if starting is not None:
                if cluster is None and starting.exception() is None:
                    cluster = starting.result()
                if cluster is not None:
                    cluster.close()
        finally:
            quiet.__exit__()
    values = np.concatenate([p[0] for p in parts])
    counts = None
    if job.grid_km:
        counts = np.sum([p[1] for p in parts], axis=0, dtype=np.int64)
    values.flags.writeable = False
    zones = tuple((zp.name, zp.kind, zp.area_m2 / 1e6) for zp in ctx.frame.zones)
    grid = None
    if counts is not None:
        counts = np.asarray(counts)
        counts.flags.writeable = False
        p = ctx.points
        grid = MappingProxyType({"x0": p.x0, "y_top": p.y_top, "step_m": p.step, "nx": p.nx,
                                 "ny": p.ny, "lon0": p.lon0, "lat0": p.lat0})
    return UncertaintyResult(scenario=scenario, seed=int(seed), samples=int(samples),
                             from_sources=bool(from_sources), inputs=inputs, altitudes_m=alts,
                             statistics=statistics, zones=zones, values=values,
                             deterministic=deterministic, counts=counts, grid=grid)


# ------------------------------------------------------------------------------ results
@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """What :func:`run_uncertainty` found (data only).

    Attributes
    ----------
    scenario : Scenario
        The scenario sampled (with ranges from the sources when asked for).
    seed, samples : int
        The root seed and the number of samples.
    from_sources : bool
        Whether the sources' spreads were drawn.
    inputs : UncertainInputs
        What was uncertain.
    altitudes_m : tuple of float
        Target altitudes. [m]
    statistics : tuple of str
        The statistics measured.
    zones : tuple of (str, str, float)
        Zone name, kind and area [km2], in the zone table's order.
    values : ndarray
        Every sample's statistics: (samples, altitudes, zones, statistics); NaN where a
        statistic does not apply (a border outside the sector zones).
    deterministic : ndarray
        The nominal scenario's statistics: (altitudes, zones, statistics).
    counts : ndarray or None
        Per altitude and raster point, how many samples cover it (with ``grid_km``).
    grid : Mapping or None
        The raster: its top-left corner ``x0``, ``y_top`` and spacing ``step_m`` in the
        region's LAEA centred on ``lon0``, ``lat0``, and its size ``nx`` x ``ny``.
    """

    scenario: object
    seed: int
    samples: int
    from_sources: bool
    inputs: UncertainInputs
    altitudes_m: tuple
    statistics: tuple
    zones: tuple
    values: np.ndarray = field(repr=False)
    deterministic: np.ndarray = field(repr=False)
    counts: np.ndarray | None = field(default=None, repr=False)
    grid: Mapping | None = field(default=None, repr=False)

    @cached_property
    def table(self):
        """Per altitude, zone and statistic: p5, p50, p95, mean and the deterministic value
        (full precision), with ``zone_kind``."""
        import pandas as pd

        q = np.percentile(self.values, QUANTILES, axis=0) if self.samples else None
        mean = self.values.mean(axis=0)
        rows = []
        for a, alt in enumerate(self.altitudes_m):
            for z, (zone, kind, _) in enumerate(self.zones):
                for k, stat in enumerate(self.statistics):
                    if stat in _SECTOR_ONLY and kind != "sector":
                        continue
                    rows.append({"altitude_m": alt, "zone": zone, "zone_kind": kind,
                                 "statistic": stat, "p5": float(q[0, a, z, k]),
                                 "p50": float(q[1, a, z, k]), "p95": float(q[2, a, z, k]),
                                 "mean": float(mean[a, z, k]),
                                 "deterministic": float(self.deterministic[a, z, k])})
        return pd.DataFrame(rows, columns=["altitude_m", "zone", "zone_kind", *ROW_KEYS[2:]])

    def rows(self) -> list[dict]:
        """The table as rows of :data:`ROW_KEYS`, rounded as in output files (fractions to
        1e-4, mean depth to 1e-3, areas to 0.1 km2; None where undefined)."""
        out = []
        for r in self.table.itertuples(index=False):
            d = _DECIMALS[r.statistic]
            rec = {"altitude_m": round(float(r.altitude_m), 1), "zone": r.zone,
                   "statistic": r.statistic}
            for key in ROW_KEYS[3:]:
                v = float(getattr(r, key))
                rec[key] = round(v, d) + 0.0 if math.isfinite(v) else None
            out.append(rec)
        return out

    def to_dict(self) -> dict:
        """The result as plain data: the JSON of ``adcov uncertainty -f json``."""
        sc = self.scenario
        return {
            "scenario": {"label": sc.label, "name": sc.name, "region": sc.region,
                         "sites": len(sc.sites)},
            "seed": self.seed,
            "samples": self.samples,
            "from_sources": self.from_sources,
            "quantiles": [int(q) for q in QUANTILES],
            "sampling": ("one numpy SeedSequence child per sample (SeedSequence(seed)"
                         ".spawn(samples)); a system's uncertain field is drawn once per sample "
                         "for all its sites, uniformly over its range; a site's position error "
                         "is isotropic normal (position_sigma_km) or uniform over a disc "
                         "(position_radius_km), along a WGS84 geodesic"),
            "uncertain_inputs": self.inputs.describe(sc),
            "zones": [{"zone": z, "zone_kind": k, "area_km2": round(a, 1)}
                      for z, k, a in self.zones],
            "rows": self.rows(),
        }

    def to_json(self) -> str:
        """The JSON document (see :meth:`to_dict`)."""
        import json

        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    def to_csv(self) -> str:
        """CSV: one row per altitude, zone and statistic, with the seed and sample count."""
        import io

        buf = io.StringIO()
        buf.write(",".join([*ROW_KEYS, "seed", "samples"]) + "\n")
        for r in self.rows():
            cells = [_csv_cell(r[k]) for k in ROW_KEYS] + [str(self.seed), str(self.samples)]
            buf.write(",".join(cells) + "\n")
        return buf.getvalue()

    def to_markdown(self) -> str:
        """Markdown: what was uncertain, then one table per altitude."""
        from .render.tables import _md_text

        sc = self.scenario
        info = self.inputs.describe(sc)
        lines = [f"# {_md_text(sc.name)}: how sure is the answer", "",
                 f"{self.samples} samples, seed {self.seed}"
                 + (", spreads of the cited sources drawn" if self.from_sources else "")
                 + "; p5, p50, p95 and mean over the samples beside the deterministic value.",
                 ""]
        if info["systems"] or info["sites"]:
            lines.append("Uncertain inputs:")
            lines.append("")
            for s in info["systems"]:
                lines.append(f"- {_md_text(s['system'])} {s['field']}: {s['low']:g} to "
                             f"{s['high']:g} (uniform; nominal {s['nominal']:g})")
            for s in info["sites"]:
                key, km = next((k, v) for k, v in s.items() if k != "site")
                what = "normal, sigma" if key == "position_sigma_km" else "uniform disc, radius"
                lines.append(f"- {_md_text(s['site'])} position: {what} {km:g} km")
        else:
            lines.append("Nothing is uncertain: every sample is the deterministic scenario.")
        lines.append("")
        rows = self.rows()
        for alt in self.altitudes_m:
            lines += [f"## altitude_m = {alt:g}", "",
                      "| zone | statistic | p5 | p50 | p95 | mean | deterministic |",
                      "|---|---|---:|---:|---:|---:|---:|"]
            for r in rows:
                if r["altitude_m"] == round(alt, 1):
                    lines.append("| " + " | ".join(
                        [_md_text(r["zone"]), r["statistic"]]
                        + [_md_num(r[k]) for k in ROW_KEYS[3:]]) + " |")
            lines.append("")
        return "\n".join(lines)

    # -------------------------------------------------------------- probability of coverage
    def map(self, *, tiles: str = "osm"):
        """The scenario's interactive map with the probability-of-coverage bands (needs
        ``grid_km``); see :func:`adcov.render.uncertainty_map.build_uncertainty_map`.

        Parameters
        ----------
        tiles : str, default "osm"
            Base layer (``"none"`` for no tiles at all).

        Returns
        -------
        folium.Map
        """
        from .analysis import analyze
        from .render.uncertainty_map import build_uncertainty_map

        scenario = dataclasses.replace(self.scenario, altitudes_m=self.altitudes_m)
        return build_uncertainty_map(analyze(scenario), self, tiles=tiles)

    def probability(self, altitude_m: float) -> np.ndarray:
        """Share of samples covering each raster point at one altitude, as a (ny, nx) array
        whose row 0 is the northernmost (needs ``grid_km``).

        Parameters
        ----------
        altitude_m : float
            One of :attr:`altitudes_m`. [m]
        """
        if self.counts is None:
            raise InputError("was computed without a point grid: pass grid_km",
                             entry="grid_km")
        a = self._altitude_index(altitude_m)
        g = self.grid
        return (self.counts[a] / float(self.samples)).reshape(g["ny"], g["nx"])

    def coverage_bands(self, levels=BAND_LEVELS) -> dict:
        """Probability-of-coverage bands per altitude, as GeoJSON-able data (WGS84).

        Parameters
        ----------
        levels : sequence of float, default (0.5, 0.9, 0.99)
            Shares of samples: the band of level p is where at least p of the samples cover
            a point (raster cells of ``grid_km``). [-]

        Returns
        -------
        dict
            Altitude [m] -> a GeoJSON FeatureCollection with one (Multi)Polygon feature per
            level that some point reaches, properties ``level`` and ``area_km2``, lowest
            level first (the bands nest).
        """
        from rasterio.features import shapes
        from rasterio.transform import Affine
        from shapely.geometry import mapping, shape

        from .projection import area_km2, laea_to_lonlat

        g = self.grid
        if g is None:
            raise InputError("was computed without a point grid: pass grid_km",
                             entry="grid_km")
        transform = Affine(g["step_m"], 0.0, g["x0"], 0.0, -g["step_m"], g["y_top"])
        out = {}
        for alt in self.altitudes_m:
            share = self.probability(alt)
            feats = []
            for level in sorted(float(x) for x in levels):
                # Compare counts, not floating shares: "at least 99 % of 200 samples" is 198.
                need = math.ceil(level * self.samples - 1e-9)
                mask = (self.counts[self._altitude_index(alt)] >= need).reshape(share.shape)
                if not mask.any():
                    continue
                polys = [shape(geom) for geom, val in
                         shapes(mask.astype(np.uint8), mask=mask, transform=transform,
                                connectivity=4) if val == 1]
                merged = shapely.union_all(polys)
                ll = laea_to_lonlat(merged, g["lon0"], g["lat0"])
                feats.append({"type": "Feature",
                              "properties": {"level": level, "area_km2": round(area_km2(merged), 1)},
                              "geometry": mapping(ll)})
            out[alt] = {"type": "FeatureCollection", "features": feats}
        return out

    def _altitude_index(self, altitude_m) -> int:
        for i, a in enumerate(self.altitudes_m):
            if a == float(altitude_m):
                return i
        raise InputError("not an altitude of this result; altitudes: "
                         + ", ".join(f"{a:g}" for a in self.altitudes_m), entry="altitude_m",
                         value=altitude_m)


def _csv_cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        from .render.tables import neutralise_formula

        text = str(neutralise_formula(v))
        return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"\n') \
            else text
    return repr(float(v)) if not float(v).is_integer() else f"{v:g}"


def _md_num(v) -> str:
    return "" if v is None else f"{v:g}"


# ------------------------------------------------------------------------------ profile
def profile_bands(scenario, *, samples: int, seed: int, altitudes_m=None, points: int = 30,
                  workers: int | None = None, scheduler: str | None = None,
                  from_sources: bool = False, progress=None):
    """p5-p95 bands of the covered fraction against target altitude (for ``adcov profile
    --samples N``): the region and each sector zone.

    Parameters
    ----------
    scenario : Scenario
    samples : int
        Number of samples. [-]
    seed : int
        Root seed. [-]
    altitudes_m : sequence of float, optional
        Target altitudes; default :func:`adcov.profile.profile_altitudes`. [m]
    points : int, default 30
        Number of log-spaced altitudes when ``altitudes_m`` is not given. [-]
    workers, scheduler : optional
        As for :func:`run_uncertainty`.
    from_sources : bool, default False
        Also draw the spreads of the cited sources.
    progress : callable, optional
        ``progress(done, total)`` as samples finish.

    Returns
    -------
    pandas.DataFrame
        One row per altitude and zone (region and sectors): ``altitude_m``, ``zone``,
        ``zone_kind``, ``p5``, ``p50``, ``p95``, ``mean`` and ``deterministic`` covered
        fraction, and ``seed``, ``samples``.
    """
    from .profile import profile_altitudes

    alts = profile_altitudes(scenario, points) if altitudes_m is None else altitudes_m
    res = run_uncertainty(scenario, samples=samples, seed=seed, workers=workers,
                          scheduler=scheduler, from_sources=from_sources, altitudes_m=alts,
                          statistics=("covered_fraction",), progress=progress)
    t = res.table
    t = t[t.zone_kind.isin(["region", "sector"])].drop(columns="statistic")
    return t.assign(seed=res.seed, samples=res.samples).reset_index(drop=True)
