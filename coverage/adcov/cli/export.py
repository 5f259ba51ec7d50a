"""``adcov export``: GIS layers as GeoJSON, GeoPackage or KML."""

from __future__ import annotations

import click

from ..formats import EXPORT
from .options import (Settings, analyze, emit, force_option, format_option, output_option,
                      pass_settings, resolve_scenario, scenario_options, target,
                      verbosity_options)

#: The export's layers (adcov.render.export.LAYERS; repeated here so that --help imports
#: nothing heavy; a test checks that they agree).
LAYER_NAMES = ("sites", "envelopes", "unions", "gaps", "zones", "borders")


@click.command()
@verbosity_options
@force_option
@click.argument("scenario", required=False)
@output_option("File to write: .geojson (RFC 7946), .gpkg (GeoPackage), .kml (KML 2.2) or "
               ".kmz (zipped KML); or - for standard output with -f.", required=True)
@format_option(EXPORT, default=None)
@click.option("--layers", "layer_list", metavar="LIST", default=None,
              help="Only these layers, comma-separated, from: " + ", ".join(LAYER_NAMES) +
                   " (default: all). Only what they need is computed: sites and envelopes "
                   "(and zones, borders) need no coverage analysis, so "
                   "`--layers sites,envelopes` writes the rings in a fraction of the time.")
@click.option("--3d", "three_d", is_flag=True,
              help="KML/KMZ: draw each envelope at its target altitude above the ground, so "
                   "Google Earth shows the coverage in 3D.")
@scenario_options
@pass_settings
def export(s: Settings, scenario, output, fmt, layer_list, three_d):
    """GIS layers: sites, envelopes, unions (depth >= 1, 2, 3), gaps, zones and border lines,
    per altitude, in WGS84. The format follows -f, else the file's extension.

    \b
    Examples:
      adcov export belarus-2023 -o coverage.gpkg     # QGIS / ArcGIS
      adcov export belarus-2023 -o coverage.kml      # Google Earth
      adcov export belarus-2023 -o rings.kml --layers sites,envelopes   # no analysis
      adcov export belarus-2023 -o coverage.kmz --3d # rings at their altitude, zipped
      adcov export my.toml -o - -f geojson | jq .
    """
    from pathlib import Path

    from ..errors import InputError
    from ..formats import extensions, format_for_path

    # A typo in the extension or a layer should not cost an analysis, nor reading the scenario.
    if fmt is None and output != "-" and format_for_path(output, EXPORT) is None \
            and not Path(output).exists():
        raise InputError(f"unknown export format; use one of {', '.join(extensions(EXPORT))}",
                         file=output, entry="output", value=Path(output).suffix)
    layers = _check_layers(layer_list)
    sc = resolve_scenario(scenario, s)
    out = target(s, output, choices=EXPORT, fmt=fmt, default=None, inputs=sc.input_paths)
    if three_d and out.fmt not in ("kml", "kmz"):
        raise InputError(f"draws KML in 3D; {out.fmt} has no altitude", entry="--3d")
    from ..render import export as gis

    source = _source(s, sc, layers)
    if out.fmt == "gpkg":
        def gpkg(path):
            path.unlink(missing_ok=True)  # GDAL creates the file itself
            gis.write_gpkg(source, path, layers=layers)

        emit(out, produce=gpkg, suffix=".gpkg")
    elif out.fmt == "geojson":
        emit(out, gis.to_geojson(source, layers=layers))
    elif out.fmt == "kmz":
        emit(out, gis.to_kmz(source, three_d=three_d, layers=layers))
    else:
        emit(out, gis.to_kml(source, three_d=three_d, layers=layers))


def _check_layers(text) -> tuple:
    """``--layers`` as layer names in the export's order; one line naming the option and the
    value otherwise (before anything is read or computed)."""
    from ..errors import InputError

    if text is None:
        return LAYER_NAMES
    given = [t.strip().lower() for t in text.split(",")]
    for name in given:
        if name not in LAYER_NAMES:
            raise InputError(f"unknown layer; choose from {', '.join(LAYER_NAMES)}",
                             entry="--layers", value=name or text)
    return tuple(n for n in LAYER_NAMES if n in given)


def _source(s: Settings, sc, layers):
    """The least that gives ``layers``: on a smooth Earth, the scenario's rings (sites and
    envelopes, with the region's zones for zones and borders); the full analysis for unions
    and gaps, or with a DEM (terrain masks the envelopes, and every layer says so)."""
    if any(n in ("unions", "gaps") for n in layers) or getattr(sc, "terrain", None):
        return analyze(s, sc)
    from ..render.export import Rings

    rings = Rings(sc)
    if any(n in ("zones", "borders") for n in layers):
        from ..pipeline import region_zones

        # The zones an analysis would use: the neighbours kept as far as the rings reach.
        return Rings(sc, region_zones=region_zones(sc, rings.reach_km))
    return rings
