"""``adcov export``: GIS layers as GeoJSON, GeoPackage or KML."""

from __future__ import annotations

import click

from ..formats import EXPORT
from .options import (Settings, analyze, emit, force_option, format_option, output_option,
                      pass_settings, resolve_scenario, scenario_options, target,
                      verbosity_options)


@click.command()
@verbosity_options
@force_option
@click.argument("scenario", required=False)
@output_option("File to write: .geojson (RFC 7946), .gpkg (GeoPackage), .kml (KML 2.2) or "
               ".kmz (zipped KML); or - for standard output with -f.", required=True)
@format_option(EXPORT, default=None)
@click.option("--3d", "three_d", is_flag=True,
              help="KML/KMZ: draw each envelope at its target altitude above the ground, so "
                   "Google Earth shows the coverage in 3D.")
@scenario_options
@pass_settings
def export(s: Settings, scenario, output, fmt, three_d):
    """GIS layers: sites, envelopes, unions (depth >= 1, 2, 3), gaps, zones and border lines,
    per altitude, in WGS84. The format follows -f, else the file's extension.

    \b
    Examples:
      adcov export belarus-2023 -o coverage.gpkg     # QGIS / ArcGIS
      adcov export belarus-2023 -o coverage.kml      # Google Earth
      adcov export belarus-2023 -o coverage.kmz --3d # rings at their altitude, zipped
      adcov export my.toml -o - -f geojson | jq .
    """
    from pathlib import Path

    from ..errors import InputError
    from ..formats import extensions, format_for_path

    # A typo in the extension should not cost an analysis, nor reading the scenario.
    if fmt is None and output != "-" and format_for_path(output, EXPORT) is None \
            and not Path(output).exists():
        raise InputError(f"unknown export format; use one of {', '.join(extensions(EXPORT))}",
                         file=output, entry="output", value=Path(output).suffix)
    sc = resolve_scenario(scenario, s)
    out = target(s, output, choices=EXPORT, fmt=fmt, default=None, inputs=sc.input_paths)
    if three_d and out.fmt not in ("kml", "kmz"):
        raise InputError(f"draws KML in 3D; {out.fmt} has no altitude", entry="--3d")
    from ..render import export as gis

    result = analyze(s, sc)
    if out.fmt == "gpkg":
        def gpkg(path):
            path.unlink(missing_ok=True)  # GDAL creates the file itself
            gis.write_gpkg(result, path)

        emit(out, produce=gpkg, suffix=".gpkg")
    elif out.fmt == "geojson":
        emit(out, gis.to_geojson(result))
    elif out.fmt == "kmz":
        emit(out, gis.to_kmz(result, three_d=three_d))
    else:
        emit(out, gis.to_kml(result, three_d=three_d))
