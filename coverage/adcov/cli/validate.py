"""``adcov validate``: check a scenario file and report every problem."""

from __future__ import annotations

import sys

import click

from .options import verbosity_options


@click.command()
@verbosity_options
@click.argument("scenario")
def validate(scenario):
    """Check a scenario file and report every problem found (exit 2 if any).

    \b
    Example:
      adcov validate my-scenario.toml
    """
    from ..scenario import scenario_path, validate_file

    path = scenario_path(scenario)
    problems = validate_file(path)
    if not problems:
        click.echo(f"{path}: OK")
        return
    # Every problem, not just the first, each on its own line as the group would print it.
    for p in problems:
        click.echo(f"adcov: error: {p.one_line()}", err=True)
    click.echo(f"{path}: {len(problems)} problem(s)", err=True)
    sys.exit(2)
