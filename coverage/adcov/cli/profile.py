"""``adcov profile``: covered fraction against target altitude."""

from __future__ import annotations

import click

from ..errors import InputError
from ..formats import PROFILE
from .options import (Progress, Settings, emit, force_option, format_option, log,
                      output_option, pass_settings, require, resolve_scenario, scenario_options,
                      target, verbosity_options)

#: Root seed of ``--samples`` when ``--seed`` is not given (as in ``adcov uncertainty``).
DEFAULT_SEED = 0


@click.command()
@verbosity_options
@force_option
@click.argument("scenario", required=False)
@output_option("profile.png, .svg or .pdf (the plot) or profile.csv (the numbers); - for "
               "standard output with -f.", required=True)
@format_option(PROFILE, default=None)
@click.option("--points", type=click.IntRange(25, 400), default=30, show_default=True,
              help="Log-spaced altitudes from 10 m to the highest ceiling, stretched to take in "
                   "the scenario's own altitudes, which are added.")
@click.option("--feet", is_flag=True,
              help="Add an altitude axis in feet on top of the plot (not for CSV, which is in "
                   "metres).")
@click.option("--samples", type=click.IntRange(1, 100_000), default=None,
              help="Also draw the uncertain inputs this many times (as `adcov uncertainty` "
                   "does) and shade each zone's p5-p95 band of the covered share; the CSV "
                   "gets p5, p50 and p95 columns.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=None,
              help=f"Root seed of --samples (default {DEFAULT_SEED}, and said so): the same "
                   "seed gives the same bytes.")
@click.option("--from-sources", is_flag=True,
              help="With --samples: also draw each catalogued value over the spread of its "
                   "cited sources.")
@scenario_options
@pass_settings
def profile(s: Settings, scenario, output, fmt, points, feet, samples, seed, from_sources):
    """Covered fraction against target altitude for the region and each sector, with the
    horizon-limited and range-limited regimes of the envelopes.

    \b
    Examples:
      adcov profile belarus-2023 -o profile.png
      adcov profile belarus-2021 -o profile.csv --points 60
      adcov profile belarus-2023 -o profile.svg --feet --altitudes 100ft,40km
      adcov profile belarus-2021 -o bands.svg --samples 200 --seed 1 --from-sources
    """
    if samples is None:
        for name, given in (("--seed", seed is not None), ("--from-sources", from_sources)):
            if given:
                raise InputError("sets how --samples draws the uncertain inputs; give "
                                 "--samples N too", entry=name)
    sc = resolve_scenario(scenario, s)
    out = target(s, output, choices=PROFILE, fmt=fmt, default=None, inputs=sc.input_paths)
    if out.fmt == "csv" and feet:
        raise InputError("adds a feet axis to a plot (png, svg, pdf); the CSV is in metres",
                         entry="--feet")
    if out.fmt != "csv":
        require("matplotlib", "plot")
    from ..profile import altitude_profile, crossovers

    with Progress("altitudes", quiet=s.quiet) as bar:
        prof = altitude_profile(sc, points=points, progress=bar)
    bands = None
    if samples is not None:
        bands = _bands(s, sc, prof, samples, seed, from_sources)
    if out.fmt == "csv":
        from ..render import tables

        if bands is not None:
            from ..profile import with_bands

            prof = with_bands(prof, bands)
            # rounded as covered_fraction is
            prof[["p5", "p50", "p95"]] = prof[["p5", "p50", "p95"]].round(4) + 0.0
        emit(out, tables.to_csv(prof))
        return
    import io

    import matplotlib
    import matplotlib.pyplot as plt

    from ..render.plots import plot_profile

    fig = plot_profile(prof, title=sc.name, crossover=crossovers(sc), feet=feet, bands=bands)
    buf = io.BytesIO()
    # No creator/date entries, and SVG ids from a fixed salt rather than a random one: the same
    # profile gives the same bytes on every run and whatever the version.
    meta = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
            "pdf": {"CreationDate": None, "Creator": None, "Producer": None}}[out.fmt]
    try:
        with matplotlib.rc_context({"svg.hashsalt": "adcov profile"}):
            fig.savefig(buf, format=out.fmt, dpi=120, metadata=meta)
    finally:
        plt.close(fig)
    emit(out, buf.getvalue())


def _bands(s: Settings, sc, prof, samples: int, seed, from_sources: bool):
    """The p5-p95 bands of ``samples`` draws on the profile's altitudes, the seed told."""
    from ..uncertainty import profile_bands, uncertain_inputs, with_source_ranges

    if seed is None:
        seed = DEFAULT_SEED
        log.warning("note: --samples without --seed: seed %d (give --seed S for another "
                    "draw; the same seed gives the same output)", seed)
    log.info("sampling %s: %d samples, seed %d", sc.label, samples, seed)
    if uncertain_inputs(with_source_ranges(sc) if from_sources else sc).empty:
        log.warning("warning: nothing in %s is uncertain (no position_sigma_km, "
                    "position_radius_km or [low, high] range%s): the bands are the line",
                    sc.label, "" if from_sources else "; --from-sources draws the sources' "
                    "spreads")
    with Progress(f"sampling {sc.label}", quiet=s.quiet) as bar:
        return profile_bands(sc, samples=samples, seed=seed,
                             altitudes_m=sorted(set(prof.altitude_m)),
                             from_sources=from_sources, progress=bar)
