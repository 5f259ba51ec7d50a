"""``adcov profile``: covered fraction against target altitude."""

from __future__ import annotations

import click

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
              help="Log-spaced altitudes from 10 m to the highest ceiling (the scenario's own "
                   "altitudes are added).")
@scenario_options
@pass_settings
def profile(s: Settings, scenario, output, fmt, points, altitudes, region):
    """Covered fraction against target altitude for the region and each sector, with the
    horizon-limited and range-limited regimes of the envelopes.

    \b
    Examples:
      adcov profile belarus-2023 -o profile.png
      adcov profile belarus-2021 -o profile.csv --points 60
    """
    sc = resolve_scenario(scenario, altitudes=altitudes, region=region)
    out = target(s, output, choices=PROFILE, fmt=fmt, default=None, inputs=sc.input_paths)
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

    from ..render.plots import plot_profile

    fig = plot_profile(prof, title=sc.name, crossover=crossovers(sc))
    buf = io.BytesIO()
    # No creator/date entries: the same profile gives the same bytes whatever the version.
    meta = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
            "pdf": {"CreationDate": None, "Creator": None, "Producer": None}}[out.fmt]
    fig.savefig(buf, format=out.fmt, dpi=120, metadata=meta)
    emit(out, buf.getvalue())
