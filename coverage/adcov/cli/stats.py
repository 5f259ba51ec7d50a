"""``adcov stats``: coverage statistics per altitude and zone."""

from __future__ import annotations

import click

from .options import (Settings, analyze, check_output, emit, force_option, format_option,
                      output_option, pass_settings, resolve_scenario, verbosity_options)

#: Above this many sites the pairwise overlap list is left out of ``stats`` unless asked for.
AUTO_OVERLAP_MAX_SITES = 200


@click.command()
@verbosity_options
@force_option
@click.argument("scenario", required=False)
@format_option
@output_option()
@click.option("--overlaps/--no-overlaps", default=None,
              help=f"Include pairwise site overlaps in JSON (default: when at most "
                   f"{AUTO_OVERLAP_MAX_SITES} sites).")
@pass_settings
def stats(s: Settings, scenario, fmt, output, overlaps):
    """Coverage statistics per altitude and zone (region, sectors, belts).

    CSV and Markdown give the zone table; JSON gives an object with the scenario, the model's
    assumptions, the zone table, per-site figures and pairwise overlaps.

    \b
    Examples:
      adcov stats                          # built-in belarus-2021, Markdown
      adcov stats belarus-2023 -f csv -o zones.csv
      adcov stats my-scenario.toml -f json -o stats.json
    """
    from ..render import tables

    sc = resolve_scenario(scenario)
    # Refuse a bad output path before the analysis, not after it.
    if output not in (None, "-"):
        check_output(s, output, sc.input_paths)
    result = analyze(s, sc)
    if fmt == "csv":
        text = tables.to_csv(result.zones)
    elif fmt == "md":
        text = tables.to_markdown(result.zones, title=f"{sc.name}: coverage by zone",
                                  group="altitude_m")
    else:
        want = overlaps if overlaps is not None else len(sc.sites) <= AUTO_OVERLAP_MAX_SITES
        text = tables.to_json(result.to_dict(overlaps=want))
    emit(s, text, output, inputs=sc.input_paths)
