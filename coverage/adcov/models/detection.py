"""The detection model: where a site's search radar sees a target at a given altitude.

The envelope is the smooth-Earth disc (or sector) out to the shorter of the radar's detection
range (a slant range) and the radar horizon, from the search radar's antenna height
(``detection_antenna_height_m``, else the site's antenna height), with no missile altitude gate
and no minimum range; the radar's elevation limits apply. A missile system without a catalogued
detection range has no detection envelope (``limited_by = "mode"``).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..constants import DEFAULT_K_FACTOR
from ..envelope import Envelope, Limit
from .engagement import build, envelope_radii
from .limits import empty_envelope, with_elevation_limits

__all__ = ["MODE", "detection_antenna_height_m", "envelopes"]

#: The analysis mode this model serves.
MODE = "detection"


def detection_antenna_height_m(site) -> float:
    """The search radar's height: the site's override, else the system's detection antenna
    height, else its antenna height. [m]"""
    if site.antenna_height_m is not None:
        return site.antenna_height_m
    sy = site.system
    return sy.antenna_height_m if sy.detection_antenna_height_m is None \
        else sy.detection_antenna_height_m


def envelopes(sites: Sequence, altitude_m: float, *, k_factor=DEFAULT_K_FACTOR) -> list[Envelope]:
    """Detection envelopes of many sites at one target altitude.

    Parameters
    ----------
    sites : sequence of Site
        The sites, each with its system.
    altitude_m : float
        Target altitude above the radars' ground. [m]
    k_factor : float, default 4/3
        Effective Earth radius factor for the radar horizon. [-]

    Returns
    -------
    list of Envelope
        One per site, in order.
    """
    sites = list(sites)
    if not sites:
        return []
    rng = [s.system.detection_range_km for s in sites]
    has = np.array([r is not None for r in rng])
    ha = np.array([detection_antenna_height_m(s) for s in sites])
    r = envelope_radii([x if x is not None else 1.0 for x in rng], 0.0, math.inf, 0.0, ha,
                       altitude_m, [s.lat for s in sites], k_factor=k_factor)
    envs = build(sites, altitude_m, r, ha, k_factor, MODE)
    envs = [e if ok else empty_envelope(e, Limit.MODE) for e, ok in zip(envs, has)]
    return with_elevation_limits(sites, envs)
