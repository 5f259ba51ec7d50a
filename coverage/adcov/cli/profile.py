"""``adcov profile``: covered fraction against target altitude."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from .options import (Progress, Settings, check_output, force_option, log, output_option,
                      pass_settings, resolve_scenario, verbosity_options)


@click.command()
@verbosity_options
@force_option
@click.argument("scenario", required=False)
@output_option("profile.png (plot) or profile.csv (table).", required=True)
@click.option("--points", type=click.IntRange(25, 400), default=30, show_default=True,
              help="Log-spaced altitudes from 10 m to the highest ceiling (the scenario's own "
                   "altitudes are added).")
@pass_settings
def profile(s: Settings, scenario, output, points):
    """Covered fraction against target altitude for the region and each sector, with the
    horizon-limited and range-limited regimes of the envelopes.

    \b
    Examples:
      adcov profile belarus-2023 -o profile.png
      adcov profile belarus-2021 -o profile.csv --points 60
    """
    from .._io import write_atomic
    from ..profile import altitude_profile, crossovers
    from ..render.plots import plot_profile

    kind = Path(output).suffix.lower()
    if kind not in (".png", ".csv"):
        raise InputError("profile output must end in .png or .csv", file=output, entry="output",
                         value=kind)
    sc = resolve_scenario(scenario)
    path = check_output(s, output, sc.input_paths)
    with Progress("altitudes", quiet=s.quiet) as bar:
        prof = altitude_profile(sc, points=points, progress=bar)
    if kind == ".csv":
        from ..render import tables

        write_atomic(path, tables.to_csv(prof))
    else:
        import io

        fig = plot_profile(prof, title=sc.name, crossover=crossovers(sc))
        buf = io.BytesIO()
        # No "Software" entry: the same profile gives the same bytes whatever the version.
        fig.savefig(buf, format="png", dpi=120, metadata={"Software": None})
        write_atomic(path, buf.getvalue())
    log.info("wrote %s", path)
