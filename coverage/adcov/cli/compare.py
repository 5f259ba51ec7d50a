"""``adcov compare``: two scenarios' zone tables and their difference."""

from __future__ import annotations

import click

from .options import (Settings, analyze, emit, force_option, format_option, output_option,
                      pass_settings, resolve_scenario, verbosity_options)


@click.command()
@verbosity_options
@force_option
@click.argument("scenario_a")
@click.argument("scenario_b")
@format_option
@output_option()
@pass_settings
def compare(s: Settings, scenario_a, scenario_b, fmt, output):
    """Both scenarios' zone tables and their difference (B minus A).

    \b
    Example:
      adcov compare belarus-2021 belarus-2023 -f csv -o diff.csv
    """
    from ..analysis import compare as compare_results
    from ..render import tables

    a, b = resolve_scenario(scenario_a), resolve_scenario(scenario_b)
    table = compare_results(analyze(s, a), analyze(s, b))
    if fmt == "csv":
        text = tables.to_csv(table)
    elif fmt == "md":
        text = tables.to_markdown(table, title=f"{a.label} vs {b.label}", group="altitude_m")
    else:
        text = tables.to_json({"a": a.label, "b": b.label, "zones": table})
    emit(s, text, output, inputs=a.input_paths + b.input_paths)
