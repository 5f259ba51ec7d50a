"""Envelope models, one per analysis mode and system kind, chosen in one place.

As pvlib's ModelChain picks each model by name, :func:`model_for` picks the function that turns
sites of one system kind into envelopes in one analysis mode; :func:`envelopes` sends each site
to its model and keeps the sites' order. A model is a callable
``model(sites, altitude_m, *, k_factor) -> list[Envelope]``.

=================  ====================  ==========================
mode / kind         ``engagement``        ``radar``
=================  ====================  ==========================
``engagement``     :mod:`.engagement`    none (``limited_by = "mode"``)
``detection``      :mod:`.detection`     :mod:`.detection`
=================  ====================  ==========================

Terrain is not a model but a mask over any of them (:mod:`.terrain`).
"""

from __future__ import annotations

from typing import Callable, Sequence

from ..catalog import SYSTEM_KINDS
from ..constants import DEFAULT_K_FACTOR
from ..envelope import Envelope, Limit
from . import detection, engagement
from .engagement import envelope_radii
from .limits import empty_envelope

__all__ = ["MODES", "MODELS", "model_for", "envelopes", "envelope", "envelope_radii"]

#: Analysis modes: where missiles can engage, or where radars can detect.
MODES = ("engagement", "detection")


def _no_envelope(sites, altitude_m, *, k_factor=DEFAULT_K_FACTOR):
    """Sites with no envelope in this mode: empty, ``limited_by = "mode"`` (the geometry of
    their detection envelope is kept for the record)."""
    return [empty_envelope(e, Limit.MODE)
            for e in detection.envelopes(sites, altitude_m, k_factor=k_factor)]


#: (mode, system kind) -> envelope model.
MODELS: dict[tuple, Callable[..., list[Envelope]]] = {
    ("engagement", "engagement"): engagement.envelopes,
    ("engagement", "radar"): _no_envelope,
    ("detection", "engagement"): detection.envelopes,
    ("detection", "radar"): detection.envelopes,
}


def model_for(kind: str, mode: str = "engagement") -> Callable[..., list[Envelope]]:
    """The envelope model of a system kind (:data:`adcov.catalog.SYSTEM_KINDS`) in an analysis
    mode (:data:`MODES`).

    >>> model_for("engagement") is engagement.envelopes
    True
    >>> model_for("radar", "detection") is detection.envelopes
    True
    >>> model_for("sonar")
    Traceback (most recent call last):
    ...
    ValueError: no envelope model for system kind 'sonar' in mode 'engagement'; kinds are engagement, radar; modes are engagement, detection
    """
    try:
        return MODELS[(mode, kind)]
    except KeyError:
        raise ValueError(f"no envelope model for system kind {kind!r} in mode {mode!r}; kinds "
                         f"are {', '.join(SYSTEM_KINDS)}; modes are {', '.join(MODES)}") from None


def envelopes(sites: Sequence, altitude_m: float, *, k_factor: float = DEFAULT_K_FACTOR,
              mode: str = "engagement") -> list[Envelope]:
    """Envelopes of many sites at one target altitude, each from its model.

    Parameters
    ----------
    sites : sequence of Site
        The sites, each with its system.
    altitude_m : float
        Target altitude above the radars' ground. [m]
    k_factor : float, default 4/3
        Effective Earth radius factor for the radar horizon. [-]
    mode : {"engagement", "detection"}
        The analysis mode (:data:`MODES`).

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
        made = model_for(kind, mode)([sites[i] for i in idx], altitude_m, k_factor=k_factor)
        for i, e in zip(idx, made):
            out[i] = e
    return out


def envelope(site, altitude_m: float, *, k_factor: float = DEFAULT_K_FACTOR,
             mode: str = "engagement") -> Envelope:
    """Envelope of one site at one target altitude (see :func:`envelopes`).

    Parameters
    ----------
    site : Site
        The site and its system.
    altitude_m : float
        Target altitude above the radar's ground. [m]
    k_factor : float, default 4/3
        Effective Earth radius factor for the radar horizon. [-]
    mode : {"engagement", "detection"}
        The analysis mode.

    Returns
    -------
    Envelope
    """
    return envelopes([site], altitude_m, k_factor=k_factor, mode=mode)[0]
