"""Plots: coverage against target altitude.

matplotlib is imported inside the functions that draw, so importing this module needs it not.
"""

from __future__ import annotations

__all__ = ["plot_profile"]


def plot_profile(profile: pd.DataFrame, *, title: str = "", crossover=None):
    """Covered fraction against target altitude (log axis), one line per zone, with the regimes
    of the envelopes underneath. Returns a matplotlib Figure.

    Parameters
    ----------
    profile : DataFrame
        From :func:`altitude_profile`.
    title : str
        Figure title.
    crossover : DataFrame, optional
        From :func:`crossovers`: drawn as dotted vertical lines.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("plots need matplotlib: pip install 'airdefense-coverage[plot]'") from exc

    fig, (ax, axr) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]}, layout="constrained")
    for zone, part in profile.groupby("zone", sort=False):
        kind = part.zone_kind.iloc[0]
        ax.plot(part.altitude_m, part.covered_fraction * 100, marker="o", ms=3,
                lw=2.6 if kind == "region" else 1.6, ls="-" if kind == "region" else "--",
                label=f"{zone} ({'region' if kind == 'region' else 'sector'})")
    lo, hi = profile.altitude_m.min(), profile.altitude_m.max()
    if crossover is not None:
        inside = crossover.dropna()
        inside = inside[(inside.crossover_altitude_m >= lo) & (inside.crossover_altitude_m <= hi)]
        for rec in inside.itertuples():
            ax.axvline(rec.crossover_altitude_m, color="0.5", lw=0.8, ls=":")
            ax.text(rec.crossover_altitude_m, 101, rec.system, rotation=90, fontsize=7,
                    va="bottom", ha="center", color="0.35")
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 100)
    ax.set_ylabel("covered [%]")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    if title:
        ax.set_title(title, fontsize=10, pad=38 if crossover is not None else 6)

    per_alt = profile.drop_duplicates("altitude_m")
    total = (per_alt.n_range + per_alt.n_horizon + per_alt.n_empty).replace(0, 1)
    axr.stackplot(per_alt.altitude_m, per_alt.n_horizon / total * 100,
                  per_alt.n_range / total * 100, per_alt.n_empty / total * 100,
                  labels=["horizon-limited", "range-limited", "empty (ceiling, floor)"],
                  colors=["#9ecae1", "#fdae6b", "#d9d9d9"])
    axr.set_ylabel("envelopes [%]")
    axr.set_xlabel("target altitude above the radar's ground [m] (log scale)")
    axr.set_ylim(0, 100)
    axr.legend(loc="upper left", fontsize=7, ncol=3)
    return fig
