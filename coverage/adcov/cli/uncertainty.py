"""``adcov uncertainty``: how much the statistics move when the inputs are uncertain."""

from __future__ import annotations

import click

from .options import (Progress, Settings, distinct, emit, force_option, format_option, log,
                      output_option, pass_settings, resolve_scenario, scenario_options, target,
                      tiles_option, verbosity_options)


@click.command()
@verbosity_options
@force_option
@click.argument("scenario", required=False)
@click.option("--samples", type=click.IntRange(1, 1_000_000), default=200, show_default=True,
              help="Number of Monte Carlo samples.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True,
              help="Root seed: the same seed gives the same output, whatever --workers.")
@click.option("--from-sources", is_flag=True,
              help="Also draw each catalogued value over the spread of its cited sources "
                   "(e.g. Tor-M2's range: 12 or 15 km); see `adcov systems show ID`.")
@click.option("--workers", type=click.IntRange(1, 1024), default=None,
              help="Run on a dask.distributed LocalCluster of this many processes "
                   "(pip install 'airdefense-coverage[distributed]').")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run on a running dask cluster, e.g. tcp://host:8786 (its workers need "
                   "adcov installed).")
@format_option()
@output_option()
@click.option("--map", "map_path", type=click.Path(allow_dash=True),
              help="Also write an HTML map with the probability-of-coverage bands (the share "
                   "of samples covering each point: 50, 90 and 99 %).")
@click.option("--grid-km", type=click.FloatRange(0.5, 100.0), default=5.0, show_default=True,
              help="Spacing of the probability-of-coverage raster of --map.")
@tiles_option("Base map tiles for --map.")
@scenario_options
@pass_settings
def uncertainty(s: Settings, scenario, samples, seed, from_sources, workers, scheduler, fmt,
                output, map_path, grid_km, tiles):
    """How sure is the answer: per altitude and zone, p5, p50, p95 and the mean of
    covered_fraction, border_covered_fraction, mean_depth and largest_gap_km2 over SAMPLES
    draws of the uncertain inputs, beside the deterministic value.

    A site may give position_sigma_km (normal error) or position_radius_km (anywhere within
    the disc); a system's number may be a range [low, high] (drawn uniformly), in the catalog
    or the scenario's [systems] table. JSON gives the seed, the sample count, what was
    uncertain and rows {altitude_m, zone, statistic, p5, p50, p95, mean, deterministic}.

    \b
    Examples:
      adcov uncertainty belarus-2023 --from-sources --samples 200 --seed 1
      adcov uncertainty my.toml --samples 500 --seed 7 --workers 2 -o bands.json
      adcov uncertainty my.toml --scheduler tcp://10.0.0.5:8786 --samples 5000 -f csv
      adcov uncertainty my.toml --samples 100 --map how-sure.html
    """
    from ..errors import InputError

    if workers is not None and scheduler is not None:
        raise InputError("give --workers (a local cluster) or --scheduler (a running one), "
                         "not both", entry="--scheduler", value=scheduler)
    sc = resolve_scenario(scenario, s)
    out = target(s, output, fmt=fmt, inputs=sc.input_paths)
    map_out = None
    if map_path:
        from ..formats import MAP

        map_out = target(s, map_path, choices=MAP, default="html", inputs=sc.input_paths,
                         entry="--map")
        distinct(out, map_out)
    if workers is not None or scheduler is not None:
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            from ..uncertainty import DISTRIBUTED_EXTRA

            raise InputError("needs dask.distributed, which is not installed; install it "
                             f"with: {DISTRIBUTED_EXTRA}",
                             entry="--scheduler" if scheduler else "--workers")
    from ..uncertainty import run_uncertainty

    where = (f"on {workers} local workers" if workers else
             f"on the cluster at {scheduler}" if scheduler else "serially")
    log.info("sampling %s: %d samples, seed %d, %s", sc.label, samples, seed, where)
    with Progress(f"sampling {sc.label}", quiet=s.quiet) as bar:
        res = run_uncertainty(sc, samples=samples, seed=seed, workers=workers,
                              scheduler=scheduler, from_sources=from_sources,
                              grid_km=grid_km if map_out is not None else None, progress=bar)
    if res.inputs.empty:
        log.warning("warning: nothing in %s is uncertain (no position_sigma_km, "
                    "position_radius_km or [low, high] range%s): every sample is the "
                    "deterministic scenario", sc.label,
                    "" if from_sources else "; --from-sources draws the sources' spreads")
    if out.fmt == "csv":
        text = res.to_csv()
    elif out.fmt == "md":
        text = res.to_markdown()
    else:
        text = res.to_json()
    if map_out is not None:
        from ..analysis import analyze
        from ..render.uncertainty_map import uncertainty_map_html

        emit(map_out, uncertainty_map_html(analyze(res.scenario), res, tiles=tiles))
    emit(out, text)
