"""``adcov compare``: two scenarios' zone tables and their difference."""

from __future__ import annotations

import click

from .options import (Settings, analyze, emit, force_option, format_option, output_option,
                      pass_settings, resolve_scenario, scenario_options, target,
                      verbosity_options)


@click.command()
@verbosity_options
@force_option
@click.argument("scenario_a")
@click.argument("scenario_b")
@format_option()
@output_option()
@scenario_options
@pass_settings
def compare(s: Settings, scenario_a, scenario_b, fmt, output):
    """Both scenarios' zone tables and their difference (B minus A). --altitudes and --region
    apply to both.

    \b
    Example:
      adcov compare belarus-2021 belarus-2023 -o diff.csv
    """
    a = resolve_scenario(scenario_a, s)
    b = resolve_scenario(scenario_b, s)
    out = target(s, output, fmt=fmt, inputs=a.input_paths + b.input_paths)
    from ..analysis import compare as compare_results
    from ..render import tables

    table = compare_results(analyze(s, a), analyze(s, b))
    if out.fmt == "csv":
        text = tables.to_csv(table)
    elif out.fmt == "md":
        text = tables.to_markdown(table, title=f"{a.label} vs {b.label}", group="altitude_m")
    else:
        text = tables.to_json({"a": a.label, "b": b.label, "zones": table})
    emit(out, text)
