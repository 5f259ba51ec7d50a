"""Renderings of a result: maps (:mod:`.maps`), GIS exports (:mod:`.export`), tables
(:mod:`.tables`), plots (:mod:`.plots`), with shared styling in :mod:`.style`.

Renderers take a :class:`adcov.analysis.Result` (or its tables) and never call back into the
analysis.
"""
