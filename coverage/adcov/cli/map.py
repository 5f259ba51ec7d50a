"""``adcov map``: the interactive HTML map (the module is named after the command)."""

from __future__ import annotations

from dataclasses import replace

import click

from ..errors import InputError
from ..formats import MAP
from .options import (Progress, Settings, analyze, emit, force_option, output_option,
                      pass_settings, resolve_scenario, scenario_options, target, tiles_option,
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
              help="Show what SCENARIO_B covers that SCENARIO does not, and the reverse. "
                   "Envelopes are then drawn as outlines: the only fills are gained and lost.")
@click.option("--detection-outlines", is_flag=True,
              help="Both modes on one map: also draw each site's radar detection envelope "
                   "(from its detection range, no missile altitude limits) as a dashed "
                   "outline beside the engagement envelopes, as a layer of its own. The zone "
                   "table stays that of the engagement envelopes. Not with --mode detection.")
@scenario_options
@pass_settings
def map_command(s: Settings, scenario, output, tiles, compare_with, detection_outlines):
    """Interactive HTML map: envelopes, union, gaps and depth per target altitude, sector
    zones, sites with popups, and the zone table of the shown altitude.

    \b
    Examples:
      adcov map -o map.html                          # built-in belarus-2021
      adcov map belarus-2023 --tiles none -o map.html
      adcov map belarus-2021 --compare belarus-2023 -o change.html
      adcov map belarus-2023 --detection-outlines -o both-modes.html
    """
    sc = resolve_scenario(scenario, s)
    if detection_outlines and sc.mode == "detection":
        raise InputError("the map is of detection envelopes already; --detection-outlines "
                         "adds them to an engagement map", entry="--detection-outlines",
                         value="--mode detection")
    other = (resolve_scenario(compare_with, s)
             if compare_with else None)
    inputs = sc.input_paths + (other.input_paths if other else [])
    out = target(s, output, choices=MAP, default="html", inputs=inputs)
    from ..render.maps import map_html

    result = analyze(s, sc)
    # The map is drawn for B with A as the reference: gained = B covers, A does not.
    shown = analyze(s, other) if other is not None else result
    detection = (analyze(s, replace(shown.scenario, mode="detection"))
                 if detection_outlines else None)
    # The map's data is built per altitude and layer: a bar of its own after the analysis.
    with Progress(f"drawing the map of {shown.scenario.label}", quiet=s.quiet) as bar:
        text = map_html(shown, tiles=tiles, compare=result if other is not None else None,
                        detection=detection, progress=bar)
    emit(out, text)
