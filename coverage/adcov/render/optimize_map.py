"""The map of a placement (:func:`adcov.optimize.optimize`): the comparison map of the scenario
with and without the proposed sites (:func:`adcov.render.maps.build_map`), with two layers on
top: every candidate coloured by what it would add alone, and the proposed sites, apart from
the existing ones, with their marginal gains.

Like every renderer it takes a result (here a :class:`~adcov.optimize.Placement`) and never
calls back into the analysis. User text reaches the page escaped.
"""

from __future__ import annotations

import html

import numpy as np

from .maps import build_map

__all__ = ["GAIN_RAMP", "PROPOSED_COLOR", "gain_color", "placement_map", "placement_map_html"]

#: Colours of the candidate-gain layer, from no gain to the largest gain (a sequential ramp
#: that stays readable for the common colour-vision deficiencies).
GAIN_RAMP = ("#f0f0f0", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
#: Colour of the proposed sites' markers.
PROPOSED_COLOR = "#d7301f"


def _safe(text: str) -> str:
    """Text for a folium tooltip, which lands as HTML inside a JavaScript template literal:
    markup, backticks, ``${`` and backslashes all become character references."""
    return (html.escape(str(text), quote=True).replace("`", "&#96;").replace("$", "&#36;")
            .replace("\\", "&#92;"))


def gain_color(gain, largest) -> str:
    """The ramp colour of a gain relative to the largest one (the lightest for none).

    >>> gain_color(0.0, 10.0), gain_color(10.0, 10.0)
    ('#f0f0f0', '#08306b')
    """
    if not largest > 0 or not gain > 0:
        return GAIN_RAMP[0]
    k = 1 + int(min(gain / largest, 1.0) * (len(GAIN_RAMP) - 2) + 0.5)
    return GAIN_RAMP[min(k, len(GAIN_RAMP) - 1)]


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
        with the change) with the layers "candidate gains" and "proposed sites".
    """
    import folium

    p = placement
    m = build_map(p.after_result, tiles=tiles, compare=p.before_result)
    unit = p.unit
    cand = p.candidates
    largest = float(cand["gain"].max()) if len(cand) else 0.0
    layer = folium.FeatureGroup(name=f"candidate gains ({unit}, each alone)", show=True)
    for r in cand.itertuples(index=False):
        tip = (f"{r.candidate}: +{r.gain:,.0f} {unit} alone"
               + (f"; chosen #{r.order}" if r.order else ""))
        folium.CircleMarker(location=(float(r.lat), float(r.lon)), radius=4, weight=0,
                            fill=True, fill_opacity=0.85,
                            fill_color=gain_color(float(r.gain), largest),
                            tooltip=_safe(tip)).add_to(layer)
    layer.add_to(m)
    proposed = folium.FeatureGroup(name="proposed sites", show=True)
    total = p.total if p.total > 0 else np.nan
    gain_col = "gain_km" if unit == "km" else "gain_km2"
    for r in p.chosen.to_dict(orient="records"):
        text = (f"#{r['order']} {r['name']} ({r['system']}): +{r[gain_col]:,.0f} {unit} "
                f"({r['gain_pp']:.2f} pp of {total:,.0f} {unit}) at {r['lat']:.4f} N, "
                f"{r['lon']:.4f} E")
        # A wide ring: the site's own marker (drawn by the base map above this pane) sits
        # in its middle.
        folium.CircleMarker(location=(r["lat"], r["lon"]), radius=16, color=PROPOSED_COLOR,
                            weight=4, fill=True, fill_color=PROPOSED_COLOR, fill_opacity=0.3,
                            tooltip=_safe(text)).add_to(proposed)
    proposed.add_to(m)
    folium.LayerControl(position="topleft", collapsed=False).add_to(m)
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
