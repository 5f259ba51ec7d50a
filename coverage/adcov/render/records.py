"""Plain-data records shared by every rendering: what a site is, what the model assumed.

Maps, exports and tables describe a site with the same fields and the model with the same
words; they take them from here.
"""

from __future__ import annotations

import math

from .style import family, family_color

__all__ = ["SITE_FIELDS", "site_record", "assumptions_summary", "opening_altitude_index",
           "percent_text", "hidden_share"]

#: The fields of :func:`site_record`, in order.
SITE_FIELDS = ("name", "system", "system_name", "family", "color", "lon", "lat",
               "antenna_height_m", "azimuth_deg", "sector_width_deg", "max_range_km",
               "min_range_km", "max_altitude_m", "min_altitude_m", "source", "properties")


def site_record(site) -> dict:
    """A site as plain data: position, system, the limits and antenna height used, its source
    and its properties.

    ``azimuth_deg`` is None for a full-circle site; ``properties`` is a plain dict (name ->
    text or number) in the site's order.
    """
    sy = site.system
    fam = family(sy)
    width = site.effective_sector_width_deg
    return {
        "name": site.name, "system": sy.id, "system_name": sy.name, "family": fam,
        "color": family_color(fam), "lon": site.lon, "lat": site.lat,
        "antenna_height_m": site.effective_antenna_height_m,
        "azimuth_deg": site.azimuth_deg if width < 360 else None, "sector_width_deg": width,
        "max_range_km": sy.max_range_km, "min_range_km": sy.min_range_km,
        "max_altitude_m": sy.max_altitude_m, "min_altitude_m": sy.min_altitude_m,
        "source": site.source, "properties": dict(site.properties),
    }


def assumptions_summary(scenario, dem: str | None = None) -> str:
    """One sentence on what every figure rests on, for map panels and file descriptions.

    Parameters
    ----------
    scenario : Scenario
    dem : str, optional
        The DEM that masked the envelopes (``Result.dem``); None for a smooth Earth.

    Examples
    --------
    >>> from adcov import Scenario
    >>> text = assumptions_summary(Scenario.builtin("belarus-2021"))
    >>> "missile engagement envelopes; smooth Earth (no terrain)" in text
    True
    """
    mode = ("radar detection envelopes" if getattr(scenario, "mode", "engagement") == "detection"
            else "missile engagement envelopes")
    k = f"4/3-Earth radar horizon (k = {scenario.k_factor:.4g})"
    if dem:
        ref = getattr(scenario, "altitude_reference", None) or "agl"
        where = ("above the ground under the target" if ref == "agl"
                 else "above sea level (the DEM's datum)")
        ground = f"terrain masked ({dem}), {k}, target altitude {where}"
    else:
        ground = f"smooth Earth (no terrain), {k}, target altitude above the radar's ground"
    return (f"Notional, public-source approximation; {mode}; {ground}. "
            "Depth counts envelopes.")


def opening_altitude_index(altitudes) -> int:
    """Which altitude a rendering (map, KML) shows first: the one closest to 1 km on a log
    scale, low enough for the radar horizon to matter, high enough for most systems to reach.

    Examples
    --------
    >>> opening_altitude_index([50, 300, 1000, 5000])
    2
    >>> opening_altitude_index([20000, 100])   # |log 20| > |log 0.1|
    1
    """
    return min(range(len(altitudes)),
               key=lambda i: abs(math.log10(max(float(altitudes[i]), 1.0)) - 3.0))


def percent_text(share: float) -> str:
    """A share as a percentage that never rounds a nonzero share to 0 or a partial one to
    100: "<0.1 %", one decimal below 10 %, none above.

    Examples
    --------
    >>> [percent_text(x) for x in (0.0, 0.0004, 0.0512, 0.5, 0.99995, 1.0)]
    ['0.0 %', '<0.1 %', '5.1 %', '50 %', '>99.9 %', '100 %']
    """
    pct = 100.0 * float(share)
    if 0.0 < pct < 0.1:
        return "<0.1 %"
    if 99.9 < pct < 100.0:
        return ">99.9 %"
    return f"{pct:.1f} %" if pct < 10 else f"{pct:.0f} %"


def hidden_share(fractions, areas) -> float | None:
    """The share of some envelopes' smooth-Earth area that terrain hides: each masked
    envelope keeps ``1 - f`` of its smooth-Earth area, so that area is its masked area over
    ``1 - f``; an envelope hidden whole (f >= 0.999) or without a fraction counts as nothing.

    Parameters
    ----------
    fractions : iterable of float or None
        Each envelope's ``terrain_masked_fraction``.
    areas : iterable of float
        Each envelope's area after masking (any unit).

    Returns
    -------
    float or None
        None when no envelope has a smooth-Earth area to speak of.

    Examples
    --------
    >>> round(hidden_share([0.5, 0.0, None], [1.0, 2.0, 5.0]), 3)  # 2 and 2 whole: 1 of 4
    0.25
    """
    smooth = hidden = 0.0
    for f, a in zip(fractions, areas):
        if f is None or not f < 0.999:
            continue
        s = float(a) / (1.0 - f)
        smooth += s
        hidden += s * f
    return hidden / smooth if smooth > 0 else None
