"""Limits every radar-based model applies: the radar's vertical (elevation) limits."""

from __future__ import annotations

import dataclasses

from ..envelope import Limit
from ..radar import elevation_band_km

__all__ = ["with_elevation_limits", "empty_envelope"]


def with_elevation_limits(sites, envs) -> list:
    """Envelopes cut to the band of ground distance where the target's elevation lies within
    the system's ``min_elevation_deg`` and ``max_elevation_deg``
    (:func:`adcov.radar.elevation_band_km`): the cone of silence overhead pushes the inner
    radius out, the minimum elevation pulls the outer radius in (``limited_by = "elevation"``).
    """
    out = []
    for site, env in zip(sites, envs):
        sy = site.system
        if env.empty or (sy.min_elevation_deg is None and sy.max_elevation_deg is None):
            out.append(env)
            continue
        lo, hi = elevation_band_km(env.antenna_height_m, env.altitude_m,
                                   min_elevation_deg=sy.min_elevation_deg,
                                   max_elevation_deg=sy.max_elevation_deg,
                                   k_factor=env.k_factor, radius_m=env.earth_radius_m)
        if lo != lo or hi <= env.inner_km or lo >= env.outer_km:  # nan: no elevation allowed
            out.append(empty_envelope(env, Limit.ELEVATION))
            continue
        inner, outer, limit = max(env.inner_km, lo), env.outer_km, env.limited_by
        if hi < outer:
            outer, limit = hi, Limit.ELEVATION
        out.append(dataclasses.replace(env, inner_km=inner, outer_km=outer, limited_by=limit))
    return out


def empty_envelope(env, limit):
    """The same envelope, empty, for the given reason."""
    return dataclasses.replace(env, inner_km=0.0, outer_km=0.0, limited_by=limit)
