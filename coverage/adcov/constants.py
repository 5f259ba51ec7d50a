"""Physical and geodetic constants shared by the models (plain Python: importing this module
costs nothing).

Units are in the names: ``_M`` metres, ``_DEG`` degrees, dimensionless otherwise.
"""

from __future__ import annotations

__all__ = ["WGS84_A_M", "WGS84_F", "WGS84_E2", "MEAN_EARTH_RADIUS_M", "DEFAULT_K_FACTOR"]

#: WGS84 semi-major axis (NIMA TR8350.2, table 3.1). [m]
WGS84_A_M = 6378137.0
#: WGS84 flattening. [-]
WGS84_F = 1 / 298.257223563
#: WGS84 first eccentricity squared. [-]
WGS84_E2 = WGS84_F * (2 - WGS84_F)
#: IUGG mean Earth radius, used by published radar-horizon tables. [m]
MEAN_EARTH_RADIUS_M = 6371000.0
#: Effective Earth radius factor of the standard atmosphere (4/3 Earth). [-]
DEFAULT_K_FACTOR = 4.0 / 3.0
