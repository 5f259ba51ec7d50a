"""adcov: air-defense coverage analysis.

Deployment sites and each system's range and altitude limits become geodesic envelopes per
target altitude, clipped to a country's borders and split by border sector, with coverage,
depth, gap and overlap statistics.

The distribution is called ``airdefense-coverage``; the import name is ``adcov`` (its source
lives in the repository's ``coverage/`` folder, as in a src layout). Importing ``adcov`` is
cheap: each name below loads its module on first use, so the command line starts without
numpy, shapely, pyproj or pandas.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "CoverageError": "errors", "InputError": "errors", "ScenarioError": "errors",
    "CatalogError": "errors", "RegionError": "errors",
    "gaussian_radius_m": "geodesy",
    "radar_horizon_km": "radar", "slant_range_km": "radar", "ground_range_for_slant_km": "radar",
    "Catalog": "catalog", "System": "catalog", "default_catalog": "catalog",
    "load_catalog": "catalog",
    "Scenario": "scenario", "Site": "scenario", "builtin_scenarios": "scenario",
    "validate_file": "scenario",
    "Envelope": "envelope", "Limit": "envelope",
    "envelope": "models", "envelopes": "models", "envelope_radii": "models",
    "analyze": "analysis", "Result": "analysis", "compare": "analysis",
    "altitude_profile": "profile",
    "run_uncertainty": "uncertainty", "UncertaintyResult": "uncertainty",
    "optimize": "optimize", "Placement": "optimize",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'adcov' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
