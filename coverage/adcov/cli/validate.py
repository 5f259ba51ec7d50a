"""``adcov validate``: check a scenario file or a sites file and report every problem."""

from __future__ import annotations

import sys

import click

from .options import verbosity_options


@click.command()
@verbosity_options
@click.argument("scenario")
def validate(scenario):
    """Check a scenario file, or a sites file (.csv, .geojson, .json, .gpkg) read as a
    scenario, and report every problem found (exit 2 if any); tell how a sites file's region
    and altitudes were chosen, and warn about sites outside the region (notes and warnings do
    not fail it).

    \b
    Examples:
      adcov validate my-scenario.toml
      adcov validate sites.csv
    """
    from ..scenario import Scenario, scenario_path, validate_file

    path = scenario_path(scenario)
    problems = validate_file(path)
    if problems:
        # Every problem, not just the first, each on its own line as the group would print it.
        for p in problems:
            click.echo(f"adcov: error: {p.one_line()}", err=True)
        click.echo(f"{path}: {len(problems)} problem(s)", err=True)
        sys.exit(2)
    from ..sanity import check_sites

    sc = Scenario.resolve(scenario)
    for note in sc.notes:
        click.echo(f"adcov: note: {note}", err=True)
    warnings = check_sites(sc)
    for w in warnings:
        click.echo(f"adcov: warning: {w.message}", err=True)
    click.echo(f"{path}: OK" + (f" ({len(warnings)} warning(s))" if warnings else ""))
