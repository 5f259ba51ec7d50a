"""``adcov profile``: covered fraction against target altitude."""

from __future__ import annotations

import click

from ..errors import InputError
from ..formats import PROFILE
from .options import (Progress, Settings, emit, force_option, format_option, output_option,
                      pass_settings, require, resolve_scenario, scenario_options, target,
                      verbosity_options)


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
@scenario_options
@pass_settings
def profile(s: Settings, scenario, output, fmt, points, feet):
    """Covered fraction against target altitude for the region and each sector, with the
    horizon-limited and range-limited regimes of the envelopes.

    \b
    Examples:
      adcov profile belarus-2023 -o profile.png
      adcov profile belarus-2021 -o profile.csv --points 60
      adcov profile belarus-2023 -o profile.svg --feet --altitudes 100ft,40km
    """
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
    if out.fmt == "csv":
        from ..render import tables

        emit(out, tables.to_csv(prof))
        return
    import io

    import matplotlib
    import matplotlib.pyplot as plt

    from ..render.plots import plot_profile

    fig = plot_profile(prof, title=sc.name, crossover=crossovers(sc), feet=feet)
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
