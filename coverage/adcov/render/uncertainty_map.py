"""The map of ``adcov uncertainty --map``: the scenario's map with probability-of-coverage bands.

The map is the one :func:`adcov.render.maps.build_map` draws for the deterministic result, with
one more layer: per altitude, where at least 50, 90 and 99 % of the samples cover a point
(:meth:`adcov.uncertainty.UncertaintyResult.coverage_bands`). It is added through the map
script's documented hook, ``window.adcov.addLayer``: it follows the altitude buttons, can be
switched off with its checkbox in the legend, and its swatch sits there too. The bands are numbers and polygons
only: no user text reaches the page through them.
"""

from __future__ import annotations

from ..projection import round_coordinates

__all__ = ["BAND_COLORS", "bands_data", "build_uncertainty_map", "uncertainty_map_html"]

#: Fill colour of each band, from the widest (50 %) to the surest (99 %).
BAND_COLORS = ("#dadaeb", "#9e9ac8", "#54278f")

_SCRIPT = r"""
(function () {
  var data = JSON.parse(document.getElementById("adcov-uncertainty-data").textContent);
  var api = window.adcov;
  if (!api || !api.addLayer) { return; }
  var perAltitude = {};
  data.altitudes.forEach(function (alt) { perAltitude[String(alt.altitude_m)] = alt.bands; });
  api.addLayer("pcover",
    "Probability of coverage (" + data.samples + " samples, seed " + data.seed + ")",
    perAltitude,
    function (f) {
      return {className: "adcov-pcover", color: f.properties.color, weight: 1,
              fillColor: f.properties.color, fillOpacity: 0.45};
    },
    {zIndex: 395,
     legend: data.levels.map(function (lv) {
       return {color: lv.color, label: "covered in >= " + Math.round(100 * lv.level) + " % of the samples"};
     }),
     tooltip: function (p) {
      return "Covered in at least " + Math.round(100 * p.level) + " % of " + data.samples +
        " samples: " + Math.round(p.area_km2) + " km²";
    }});
})();
"""


def bands_data(uncertainty, *, decimals: int = 4) -> dict:
    """The bands of an uncertainty result as the map script reads them.

    Parameters
    ----------
    uncertainty : UncertaintyResult
        Computed with a point grid (``grid_km``).
    decimals : int, default 4
        Coordinates rounded to this many decimals of a degree (4: about 10 m, well under a
        raster cell).

    Returns
    -------
    dict
        ``samples``, ``seed``, ``levels`` (level and colour) and ``altitudes``: per altitude a
        FeatureCollection of the bands, each feature with ``level``, ``area_km2`` and ``color``.
    """
    from shapely.geometry import mapping, shape

    levels = (0.5, 0.9, 0.99)  # adcov.uncertainty.BAND_LEVELS (a renderer imports no engine)
    colors = dict(zip(levels, BAND_COLORS))
    alts = []
    for alt, fc in uncertainty.coverage_bands(levels).items():
        feats = []
        for f in fc["features"]:
            geom = round_coordinates(shape(f["geometry"]), decimals)
            props = {**f["properties"], "color": colors[f["properties"]["level"]]}
            feats.append({"type": "Feature", "properties": props, "geometry": mapping(geom)})
        alts.append({"altitude_m": alt, "bands": {"type": "FeatureCollection",
                                                  "features": feats}})
    return {"samples": uncertainty.samples, "seed": uncertainty.seed,
            "levels": [{"level": lv, "color": c} for lv, c in colors.items()],
            "altitudes": alts}


def build_uncertainty_map(result, uncertainty, *, tiles: str = "osm"):
    """The map of a result (:func:`adcov.render.maps.build_map`) with the probability-of-
    coverage bands of an uncertainty run of the same scenario.

    Parameters
    ----------
    result : Result
        ``analyze`` of the scenario (its deterministic envelopes, gaps and table).
    uncertainty : UncertaintyResult
        ``run_uncertainty`` of the same scenario and altitudes, with ``grid_km``.
    tiles : str, default "osm"
        Base layer (see :func:`adcov.render.maps.build_map`).

    Returns
    -------
    folium.Map
    """
    from ..errors import InputError
    from .maps import add_layer_script, build_map

    if tuple(result.scenario.altitudes_m) != tuple(uncertainty.altitudes_m):
        raise InputError("the uncertainty run and the result have different altitudes",
                         entry="altitudes_m", value=list(uncertainty.altitudes_m))

    m = build_map(result, tiles=tiles)
    add_layer_script(m, "uncertainty", bands_data(uncertainty), _SCRIPT)
    return m


def uncertainty_map_html(result, uncertainty, *, tiles: str = "osm") -> str:
    """The map with the bands as one self-contained HTML document (see
    :func:`build_uncertainty_map`).

    Parameters
    ----------
    result : Result
        ``analyze`` of the scenario.
    uncertainty : UncertaintyResult
        ``run_uncertainty`` of it, with ``grid_km``.
    tiles : str, default "osm"
        Base layer.

    Returns
    -------
    str
    """
    return build_uncertainty_map(result, uncertainty, tiles=tiles).get_root().render()
