"""``adcov stats``: coverage statistics per altitude and zone."""

from __future__ import annotations

import click

from .options import (Settings, analyze, emit, force_option, format_option, output_option,
                      pass_settings, resolve_scenario, scenario_options, target,
                      verbosity_options)

#: Above this many sites the pairwise overlap list is left out of ``stats`` unless asked for.
AUTO_OVERLAP_MAX_SITES = 200


@click.command()
@verbosity_options
@force_option
@click.argument("scenario", required=False)
@format_option()
@output_option()
@scenario_options
@click.option("--overlaps/--no-overlaps", default=None,
              help=f"Include pairwise site overlaps in JSON (default: when at most "
                   f"{AUTO_OVERLAP_MAX_SITES} sites).")
@pass_settings
def stats(s: Settings, scenario, fmt, output, overlaps):
    """Coverage statistics per altitude and zone (region, sectors, belts).

    CSV and Markdown give the zone table; JSON gives an object with the scenario, the model's
    assumptions, the zone table, per-site figures and pairwise overlaps. The format follows
    -f, else the output's extension (.md, .csv, .json), else Markdown.

    \b
    Examples:
      adcov stats                          # built-in belarus-2021, Markdown
      adcov stats belarus-2023 -o zones.csv
      adcov stats my-scenario.toml -o stats.json
      adcov stats sites.csv --region BLR --altitudes 500ft,1000ft,10000ft
    """
    sc = resolve_scenario(scenario, s)
    # Refuse a bad output before the analysis, not after it.
    out = target(s, output, fmt=fmt, inputs=sc.input_paths)
    from ..render import tables

    result = analyze(s, sc)
    # The records, not the DataFrame: the command does not need pandas (0.2 s to import).
    zones = result.table("zones")
    if out.fmt == "csv":
        text = tables.to_csv(zones)
    elif out.fmt == "md":
        text = tables.to_markdown(zones, title=f"{sc.name}: coverage by zone",
                                  group="altitude_m")
    else:
        want = overlaps if overlaps is not None else len(sc.sites) <= AUTO_OVERLAP_MAX_SITES
        text = tables.to_json(result.to_dict(overlaps=want))
    emit(out, text)
