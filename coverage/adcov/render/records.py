"""Plain-data records shared by every rendering: what a site is, what the model assumed.

Maps, exports and tables describe a site with the same fields and the model with the same
words; they take them from here.
"""

from __future__ import annotations

import math

from .style import family, family_color

__all__ = ["SITE_FIELDS", "site_record", "assumptions_summary", "opening_altitude_index"]

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
