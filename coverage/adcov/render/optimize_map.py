"""The map of a placement (:func:`adcov.optimize.optimize`): the comparison map of the scenario
with and without the proposed sites (:func:`adcov.render.maps.build_map`), with two layers on
top: every candidate coloured by what it would add alone, and the proposed sites, apart from
the existing ones, with their marginal gains.

Like every renderer it takes a result (here a :class:`~adcov.optimize.Placement`) and never
calls back into the analysis. The two layers join the map's legend through its documented hook
(``window.adcov.addLayer``); their text travels as JSON in a script block (``<``, ``>`` and
``&`` escaped) and is shown as text, never as markup.
"""

from __future__ import annotations

import numpy as np

from .maps import add_layer_script, build_map

__all__ = ["GAIN_RAMP", "PROPOSED_COLOR", "gain_color", "placement_data", "placement_map",
           "placement_map_html"]

#: Colours of the candidate-gain layer, from no gain to the largest gain (a sequential ramp
#: that stays readable for the common colour-vision deficiencies).
GAIN_RAMP = ("#f0f0f0", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
#: Colour of the proposed sites' markers.
PROPOSED_COLOR = "#d7301f"


def gain_color(gain, largest) -> str:
    """The ramp colour of a gain relative to the largest one (the lightest for none).

    >>> gain_color(0.0, 10.0), gain_color(10.0, 10.0)
    ('#f0f0f0', '#08306b')
    """
    if not largest > 0 or not gain > 0:
        return GAIN_RAMP[0]
    k = 1 + int(min(gain / largest, 1.0) * (len(GAIN_RAMP) - 2) + 0.5)
    return GAIN_RAMP[min(k, len(GAIN_RAMP) - 1)]


_SCRIPT = r"""
(function () {
  var data = JSON.parse(document.getElementById("adcov-placement-data").textContent);
  var api = window.adcov;
  if (!api || !api.addLayer) { return; }
  var n = api.data.altitudes.length;
  function every(fc) { var out = []; for (var i = 0; i < n; i++) { out.push(fc); } return out; }
  api.addLayer("candidates", "Candidate gains (" + data.unit + ", each alone)",
    every(data.candidates),
    function (f) {
      return {className: "adcov-candidate", radius: 4, weight: 0, fillColor: f.properties.color,
              fillOpacity: 0.85};
    },
    {zIndex: 399, legend: data.ramp, tooltip: function (p) { return p.text; }});
  api.addLayer("proposed", "Proposed sites, with their gains", every(data.proposed),
    {className: "adcov-proposed", radius: 16, color: data.color, weight: 4,
     fillColor: data.color, fillOpacity: 0.3},
    {zIndex: 399, tooltip: function (p) { return p.text; }});
})();
"""


def placement_data(placement) -> dict:
    """The two layers of a placement's map as plain data: every candidate with its gain alone
    (coloured by :func:`gain_color`) and the proposed sites with their marginal gains.

    Parameters
    ----------
    placement : Placement
        From :func:`adcov.optimize.optimize`.

    Returns
    -------
    dict
        ``unit``, ``color``, ``ramp`` (legend rows), ``candidates`` and ``proposed``
        (GeoJSON FeatureCollections of points, each with its tooltip ``text``).
    """
    p = placement
    unit = p.unit
    cand = p.candidates
    largest = float(cand["gain"].max()) if len(cand) else 0.0

    def point(lon, lat, props):
        return {"type": "Feature", "properties": props,
                "geometry": {"type": "Point", "coordinates": [round(float(lon), 5),
                                                              round(float(lat), 5)]}}

    cands = [point(r.lon, r.lat, {
        "color": gain_color(float(r.gain), largest),
        "text": (f"{r.candidate}: +{r.gain:,.0f} {unit} alone"
                 + (f"; chosen #{r.order}" if r.order else ""))})
        for r in cand.itertuples(index=False)]
    total = p.total if p.total > 0 else np.nan
    gain_col = "gain_km" if unit == "km" else "gain_km2"
    proposed = [point(r["lon"], r["lat"], {"text": (
        f"#{r['order']} {r['name']} ({r['system']}): +{r[gain_col]:,.0f} {unit} "
        f"({r['gain_pp']:.2f} pp of {total:,.0f} {unit}) at {r['lat']:.4f} N, "
        f"{r['lon']:.4f} E")}) for r in p.chosen.to_dict(orient="records")]
    ramp = [{"color": GAIN_RAMP[0], "label": "no gain"}] + [
        {"color": c, "label": f"up to {100 * (k + 1) / (len(GAIN_RAMP) - 1):.0f} % of the "
                              f"largest gain ({largest:,.0f} {unit})"}
        for k, c in enumerate(GAIN_RAMP[1:])]
    return {"unit": unit, "color": PROPOSED_COLOR, "ramp": ramp,
            "candidates": {"type": "FeatureCollection", "features": cands},
            "proposed": {"type": "FeatureCollection", "features": proposed}}


def placement_map(placement, *, tiles: str = "osm"):
    """A folium map of a placement.

    Parameters
    ----------
    placement : Placement
        From :func:`adcov.optimize.optimize`.
    tiles : str, default "osm"
        Base layer (see :data:`adcov.render.style.TILES`; ``"none"`` for none).

    Returns
    -------
    folium.Map
        The comparison map (what the proposed sites add, per altitude, and the zone table
        with the change) with two more layers in its legend, through the map's documented
        hook (``window.adcov.addLayer``): "candidate gains" and "proposed sites".
    """
    p = placement
    m = build_map(p.after_result, tiles=tiles, compare=p.before_result)
    add_layer_script(m, "placement", placement_data(p), _SCRIPT)
    return m


def placement_map_html(placement, *, tiles: str = "osm") -> str:
    """The placement's map as one self-contained HTML document (see :func:`placement_map`).

    Parameters
    ----------
    placement : Placement
        From :func:`adcov.optimize.optimize`.
    tiles : str, default "osm"
        Base layer.
    """
    return placement_map(placement, tiles=tiles).get_root().render()
