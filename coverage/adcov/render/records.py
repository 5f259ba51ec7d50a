"""Plain-data records shared by every rendering: what a site is, what the model assumed.

Maps, exports and tables describe a site with the same fields and the model with the same
words; they take them from here.
"""

from __future__ import annotations

from .style import family, family_color

__all__ = ["SITE_FIELDS", "site_record", "assumptions_summary"]

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


def assumptions_summary(scenario) -> str:
    """One sentence on what every figure rests on, for map panels and file descriptions."""
    return ("Notional, public-source approximation; smooth Earth (no terrain), 4/3-Earth radar "
            f"horizon (k = {scenario.k_factor:.4g}), target altitude above the radar's ground. "
            "Depth counts envelopes.")
