"""``adcov export``: GIS layers as GeoJSON, GeoPackage or KML."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ..formats import EXPORT, extensions, format_for_path
from .options import (Settings, analyze, check_output, force_option, log, output_option,
                      pass_settings, resolve_scenario, verbosity_options)


@click.command()
@verbosity_options
@force_option
@click.argument("scenario", required=False)
@output_option("File to write: .geojson (RFC 7946), .gpkg (GeoPackage) or .kml (KML 2.2).",
               required=True)
@pass_settings
def export(s: Settings, scenario, output):
    """GIS layers: sites, envelopes, unions (depth >= 1, 2, 3), gaps, zones and border lines,
    per altitude, in WGS84. The format follows the file extension.

    \b
    Examples:
      adcov export belarus-2023 -o coverage.gpkg     # QGIS / ArcGIS
      adcov export belarus-2023 -o coverage.kml      # Google Earth
      adcov export my.toml -o coverage.geojson
    """
    from ..render.export import write

    # The format is checked first: a typo in the extension should not cost an analysis.
    suffix = Path(output).suffix.lower()
    if format_for_path(output, EXPORT) is None:
        raise InputError(f"unknown export format; use one of {', '.join(extensions(EXPORT))}",
                         file=output, entry="output", value=suffix)
    sc = resolve_scenario(scenario)
    path = check_output(s, output, sc.input_paths)
    write(analyze(s, sc), path)
    log.info("wrote %s", path)
