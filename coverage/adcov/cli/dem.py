"""``adcov dem``: digital elevation models; ``adcov dem fetch`` downloads Copernicus DEM tiles,
the only thing adcov does over the network."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError
from .options import Progress, Settings, log, pass_settings, verbosity_options


class _TileBar(Progress):
    """The shared progress bar with the tile in hand after it: the bar fills per tile and,
    within a tile, per chunk received; called as ``bar(done, total, detail)``."""

    def __init__(self, label: str, quiet: bool = False):
        super().__init__(label, quiet)
        self.drawn = 0

    def __call__(self, done: float, total: int, detail: str = ""):
        if not self.enabled or (not self.shown and self.clock() - self.start < 1.0):
            return
        self.shown = True
        width = 30
        filled = int(width * done / max(total, 1))
        line = (f"\radcov: {self.label} [{'#' * filled}{'.' * (width - filled)}] "
                f"{int(done)}/{total} {detail}")
        # Spaces over what is left of a longer line drawn before.
        sys.stderr.write(line.ljust(self.drawn))
        sys.stderr.flush()
        self.drawn = len(line)


def _say(s: Settings, text: str) -> None:
    if not s.quiet:
        click.echo(f"adcov: {text}", err=True)


def _as_option(exc: InputError, entry: str, *, inner: bool = True) -> InputError:
    """The same error, named by the command-line option it came from (and, with ``inner``, by
    the part of the option's value)."""
    inner = f" {exc.entry}" if inner and exc.entry and exc.entry not in entry else ""
    kw = {"value": exc.value} if exc.has_value else {}
    return InputError(exc.message, entry=f"{entry}{inner}", **kw)


def _parse_bbox(text: str) -> tuple[float, float, float, float]:
    parts = text.replace(",", " ").split()
    try:
        box = tuple(float(p) for p in parts)
    except ValueError:
        box = ()
    if len(box) != 4:
        raise InputError("four numbers W,S,E,N in degrees, e.g. 23.2,51.3,32.8,56.2",
                         entry="--bbox", value=text)
    w, _, e, _ = box
    if w > e and (e - w) % 360.0 > 180.0:
        raise InputError(f"W > E is a box across the antimeridian, and this one would span "
                         f"{(e - w) % 360.0:.1f} degrees of longitude; give W,S,E,N with W < E",
                         entry="--bbox", value=text)
    return box


@click.group()
def dem():
    """Digital elevation models for terrain masking.

    \b
    Examples:
      adcov dem fetch --region BLR -o dem/
      adcov dem fetch --bbox 23,51,33,57 --dataset glo30 -o dem30/
    """


@dem.command()
@verbosity_options
@click.option("--region", metavar="REGION",
              help="A region's bounding box and --margin-km around it: an ISO3 code in any "
                   "case or a country name (see `adcov regions`).")
@click.option("--bbox", metavar="W,S,E,N",
              help="A box instead: west, south, east, north in degrees (W > E crosses the "
                   "antimeridian); e.g. --bbox=-73,-2,-71,1 for negative longitudes.")
@click.option("--dataset", type=click.Choice(["glo90", "glo30"], case_sensitive=False),
              default="glo90", show_default=True,
              help="Copernicus DEM GLO-90 (3 arc-second, about 90 m) or "
                   "GLO-30 (1 arc-second, about 30 m: 9 times the pixels).")
@click.option("-o", "--output", "out_dir", required=True, metavar="DIR",
              help="The folder to fill (created if missing); tiles already in it are kept.")
@click.option("--margin-km", type=float, default=None, metavar="KM",
              help="Terrain beyond the box, so that envelopes reaching past the border have "
                   "terrain under them [default: 100 with --region, 0 with --bbox].")
@click.option("--cache", metavar="DIR",
              help="The download cache [default: $ADCOV_CACHE, else ~/.cache/adcov]; tiles "
                   "are kept in its dem/DATASET/ folder and copied from there next time.")
@click.option("--url", metavar="URL",
              help="Download from this address instead (a mirror holding NAME/NAME.tif) "
                   "[default: $ADCOV_DEM_URL, else the dataset's public AWS bucket].")
@pass_settings
def fetch(s: Settings, region, bbox, dataset, out_dir, margin_km, cache, url):
    """Download the Copernicus DEM tiles of a region or a box into a folder, for --dem.

    This is the only adcov command that uses the network. It downloads 1 x 1 degree
    Cloud-Optimised GeoTIFF tiles from the public AWS open-data bucket (no account needed)
    through a local cache; tiles of open sea do not exist there and are counted as absent. The
    folder gets a README.txt and a provenance.json with the sources, the checksums and the
    licence's attribution (Copernicus DEM: free, with attribution).

    \b
    Examples:
      adcov dem fetch --region BLR -o dem/
      adcov dem fetch --region belarus --margin-km 300 -o dem/
      adcov dem fetch --bbox 23,51,33,57 --dataset glo30 -o dem30/
      adcov stats --dem dem/
    """
    from .. import demfetch

    if (region is None) == (bbox is None):
        raise InputError("give one of --region CODE or --bbox W,S,E,N", entry="--region/--bbox")
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise InputError("exists and is not a folder", file=out_dir, entry="-o")
    try:
        base = demfetch.resolve_base_url(dataset, url)
    except InputError as exc:
        raise _as_option(exc, "--url") if url else exc from None
    if margin_km is None:
        margin_km = demfetch.DEFAULT_MARGIN_KM if region is not None else 0.0
    if region is not None:
        from ..regions import check_region

        code = check_region(region, entry="--region")
        what = f"{code} and {margin_km:g} km around it"
        entry = "--region"
    else:
        code, what, entry = None, f"the box {bbox}" + (
            f" and {margin_km:g} km around it" if margin_km else ""), "--bbox"
    try:
        box = (demfetch.region_bbox(code, margin_km) if code else
               demfetch.bbox_with_margin(*_parse_bbox(bbox), margin_km))
        names = demfetch.tile_names(*box, dataset=dataset)
    except InputError as exc:
        if exc.entry == "margin_km":
            raise _as_option(exc, "--margin-km", inner=False) from None
        raise (exc if exc.entry and exc.entry.startswith("--") else _as_option(exc, entry)
               ) from None
    title = demfetch.DATASETS[dataset.lower()].title

    _say(s, f"this command uses the network: up to {len(names)} {title} tiles for {what}, "
            f"from {base} (no other adcov command uses the network)")
    if code and box[0] == -180.0 and box[2] == 180.0:
        log.warning("warning: %s's bounding box spans every longitude; --bbox W,S,E,N fetches "
                    "only the part you need", code)

    try:
        with _TileBar(f"fetching {title}", quiet=s.quiet) as bar:
            result = demfetch.fetch(names, out_dir, base_url=base, cache_dir=cache,
                                    progress=bar)
    except demfetch.DownloadError as exc:
        click.echo(f"adcov: error: {_printable(str(exc))}", err=True)
        raise click.exceptions.Exit(1) from None

    parts = [f"{len(result.downloaded)} downloaded ({result.bytes_downloaded / 1e6:.1f} MB)",
             f"{len(result.from_cache)} from the cache", f"{len(result.present)} already there"]
    _say(s, f"{out_dir}: {len(result.tiles)} tiles: {', '.join(parts)}; "
            f"{len(result.absent)} absent at the source (open sea, or not published)")
    _say(s, f"{title}: {demfetch.ATTRIBUTION}; licence and sources in "
            f"{Path(out_dir) / demfetch.PROVENANCE_FILES[0]}")
    _say(s, f"use it with `--dem {out_dir}` on any command, or `terrain = \"{out_dir}\"` in a "
            "scenario")


def _printable(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else repr(c)[1:-1] for c in text).split())
