"""``adcov map``: the interactive HTML map (the module is named after the command)."""

from __future__ import annotations

import click

from ..formats import MAP
from .options import (Settings, analyze, emit, force_option, output_option, pass_settings,
                      resolve_scenario, scenario_options, target, tiles_option,
                      verbosity_options)


@click.command("map")
@verbosity_options
@force_option
@click.argument("scenario", required=False)
@output_option("The HTML file to write (self-contained; opens offline), or - for standard "
               "output.", required=True)
@tiles_option("Base map tiles (the only thing the map loads from the network); "
              "'none' for a map that makes no request at all.")
@click.option("--compare", "compare_with", metavar="SCENARIO_B",
              help="Show what SCENARIO_B covers that SCENARIO does not, and the reverse.")
@scenario_options
@pass_settings
def map_command(s: Settings, scenario, output, tiles, compare_with):
    """Interactive HTML map: envelopes, union, gaps and depth per target altitude, sector
    zones, sites with popups, and the zone table of the shown altitude.

    \b
    Examples:
      adcov map -o map.html                          # built-in belarus-2021
      adcov map belarus-2023 --tiles none -o map.html
      adcov map belarus-2021 --compare belarus-2023 -o change.html
    """
    sc = resolve_scenario(scenario, s)
    other = (resolve_scenario(compare_with, s)
             if compare_with else None)
    inputs = sc.input_paths + (other.input_paths if other else [])
    out = target(s, output, choices=MAP, default="html", inputs=inputs)
    from ..render.maps import map_html

    result = analyze(s, sc)
    # The map is drawn for B with A as the reference: gained = B covers, A does not.
    if other is not None:
        text = map_html(analyze(s, other), tiles=tiles, compare=result)
    else:
        text = map_html(result, tiles=tiles)
    emit(out, text)
