"""adcov: air-defense coverage analysis.

Deployment sites and each system's range and altitude limits become geodesic engagement
envelopes per target altitude, clipped to a country's borders and split by border sector, with
coverage, depth, gap and overlap statistics.

The import name ``coverage`` is shared with coverage.py: the two cannot be installed in one
environment. The distribution is called ``airdefense-coverage``.
"""

from .errors import CatalogError, CoverageError, InputError, RegionError, ScenarioError
from .geodesy import gaussian_radius_m, radar_horizon_km, slant_range_km, ground_range_for_slant_km
from .catalog import Catalog, System, default_catalog, load_catalog
from .scenario import Scenario, Site, builtin_scenarios, validate_file
from .envelope import Envelope, envelope, envelope_radii, envelopes

__version__ = "0.1.0"

__all__ = [
    "CoverageError", "InputError", "ScenarioError", "CatalogError", "RegionError",
    "gaussian_radius_m", "radar_horizon_km", "slant_range_km", "ground_range_for_slant_km",
    "Catalog", "System", "default_catalog", "load_catalog",
    "Scenario", "Site", "builtin_scenarios", "validate_file",
    "Envelope", "envelope", "envelope_radii", "envelopes",
    "analyze", "Result",
]


def __getattr__(name):
    # The analysis pulls in pandas and geopandas; load it on first use so that
    # `import coverage` stays light for the plain functions.
    if name in ("analyze", "Result"):
        from . import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module 'coverage' has no attribute {name!r}")
