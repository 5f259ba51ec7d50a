"""Envelope models, one per system kind, chosen in one place.

As pvlib's ModelChain picks each model by name, :func:`model_for` picks the function that turns
sites of one system kind into envelopes; :func:`envelopes` sends each site to the model of its
system's kind and keeps the sites' order. A model is a callable
``model(sites, altitude_m, *, k_factor) -> list[Envelope]``.
"""

from __future__ import annotations

from typing import Callable, Sequence

from ..catalog import SYSTEM_KINDS
from ..constants import DEFAULT_K_FACTOR
from ..envelope import Envelope
from . import engagement
from .engagement import envelope_radii

__all__ = ["MODELS", "model_for", "envelopes", "envelope", "envelope_radii"]

#: System kind -> envelope model.
MODELS: dict[str, Callable[..., list[Envelope]]] = {engagement.KIND: engagement.envelopes}


def model_for(kind: str) -> Callable[..., list[Envelope]]:
    """The envelope model of a system kind (one of :data:`adcov.catalog.SYSTEM_KINDS`).

    >>> model_for("engagement") is engagement.envelopes
    True
    >>> model_for("sonar")
    Traceback (most recent call last):
    ...
    ValueError: no envelope model for system kind 'sonar'; kinds are engagement
    """
    try:
        return MODELS[kind]
    except KeyError:
        raise ValueError(f"no envelope model for system kind {kind!r}; kinds are "
                         f"{', '.join(SYSTEM_KINDS)}") from None


def envelopes(sites: Sequence, altitude_m: float, *,
              k_factor: float = DEFAULT_K_FACTOR) -> list[Envelope]:
    """Envelopes of many sites at one target altitude, each from its system kind's model.

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
        One per site, in order (empty envelopes included, with their ``limited_by``).
    """
    sites = list(sites)
    out: list = [None] * len(sites)
    by_kind: dict[str, list[int]] = {}
    for i, s in enumerate(sites):
        by_kind.setdefault(s.system.kind, []).append(i)
    for kind, idx in by_kind.items():
        made = model_for(kind)([sites[i] for i in idx], altitude_m, k_factor=k_factor)
        for i, e in zip(idx, made):
            out[i] = e
    return out


def envelope(site, altitude_m: float, *, k_factor: float = DEFAULT_K_FACTOR) -> Envelope:
    """Envelope of one site at one target altitude (see :func:`envelopes`).

    Parameters
    ----------
    site : Site
        The site and its system.
    altitude_m : float
        Target altitude above the radar's ground. [m]
    k_factor : float, default 4/3
        Effective Earth radius factor for the radar horizon. [-]

    Returns
    -------
    Envelope
    """
    return envelopes([site], altitude_m, k_factor=k_factor)[0]
