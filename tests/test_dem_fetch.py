"""``adcov dem fetch`` and :mod:`adcov.demfetch`: tile names worked out by hand, and downloads
from a local HTTP server on 127.0.0.1 that serves tiny GeoTIFF tiles under their Copernicus
names. No test reaches beyond this machine: a guard refuses any connection to another address.
"""

from __future__ import annotations

import ast
import http.server
import json
import math
import os
import re
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from adcov import demfetch
from adcov.cli import cli
from adcov.demfetch import (ATTRIBUTION, DownloadError, bbox_with_margin, fetch, region_bbox,
                            tile_bounds, tile_names)
from adcov.errors import InputError
from adcov.terrain import DEM

from conftest import WGS84

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = REPO_ROOT / "coverage" / "adcov"

N53E027 = "Copernicus_DSM_COG_30_N53_00_E027_00_DEM"
N53E028 = "Copernicus_DSM_COG_30_N53_00_E028_00_DEM"
N54E027 = "Copernicus_DSM_COG_30_N54_00_E027_00_DEM"
N54E028 = "Copernicus_DSM_COG_30_N54_00_E028_00_DEM"  # not served: "open sea"
SERVED = (N53E027, N53E028, N54E027)
BOX = "27,53,29,55"  # N53..N54 x E027..E028: three served tiles and one absent


def height(lon, lat):
    """The served terrain: a plane, so bilinear sampling between pixel centres is exact. [m]"""
    return 1000.0 * (lon - 27.0) + 100.0 * (lat - 53.0)


def write_tile(path: Path, name: str, *, pixels: int = 12, where: str | None = None):
    """A tiny GeoTIFF (EPSG:4326, ``pixels`` square, pixel-is-area) of tile ``name``'s square,
    or of tile ``where``'s square under the name ``name``."""
    import rasterio
    from rasterio.transform import Affine

    west, south, east, north = tile_bounds(where or name)
    step = 1.0 / pixels
    centres = (np.arange(pixels) + 0.5) * step
    lon, lat = np.meshgrid(west + centres, north - centres)
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", width=pixels, height=pixels, count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=Affine(step, 0.0, west, 0.0, -step, north),
                       compress="deflate") as ds:
        ds.write(height(lon, lat).astype("float32"), 1)


class Server:
    """A folder served on 127.0.0.1 (a random port) in a thread, recording every request."""

    def __init__(self, root: Path):
        self.root = root
        self.hits: list[tuple[str, str, int]] = []  # (method, path, status)
        self.bodies: dict[str, tuple[bytes, int | None]] = {}  # path -> (body, Content-Length)
        self.fail_status: int | None = None
        self.fail_next = 0
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(root), **kwargs)

            def log_message(self, *args):
                pass

            def send_response(self, code, message=None):
                server.hits.append((self.command, self.path, code))
                super().send_response(code, message)

            def do_GET(self):
                if server.fail_next > 0 or server.fail_status:
                    server.fail_next = max(0, server.fail_next - 1)
                    self.send_error(server.fail_status or 503)
                    return
                if self.path in server.bodies:
                    body, length = server.bodies[self.path]
                    self.send_response(200)
                    self.send_header("Content-Length", str(length or len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_GET()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/dem"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def path(self, name: str) -> str:
        return f"/dem/{name}/{name}.tif"

    def serve(self, name: str, **kwargs):
        write_tile(self.root / "dem" / name / f"{name}.tif", name, **kwargs)

    def downloads(self) -> list[str]:
        """Paths answered with a file."""
        return [p for method, p, code in self.hits if method == "GET" and code == 200]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """No connection beyond 127.0.0.1, no proxy, no retry pauses, a private cache."""
    real_connect = socket.socket.connect

    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1",
                                                                              "::1"):
            raise AssertionError(f"a test tried to reach {address!r}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                "all_proxy", "ADCOV_DEM_URL", "XDG_CACHE_HOME", "ADCOV_PROGRESS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("ADCOV_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(demfetch, "RETRY_DELAYS_S", (0.0, 0.0))


@pytest.fixture()
def server(tmp_path, monkeypatch):
    srv = Server(tmp_path / "www")
    for name in SERVED:
        srv.serve(name)
    monkeypatch.setenv("ADCOV_DEM_URL", srv.url)
    yield srv
    srv.close()


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def cached(tmp_path) -> list[str]:
    folder = tmp_path / "cache" / "dem" / "glo90"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# --------------------------------------------------------------------------- names and boxes
@pytest.mark.parametrize("box, expected", [
    ((27.5, 53.2, 28.5, 53.8), ["N53_00_E027", "N53_00_E028"]),
    # Edges on whole degrees do not reach into the next tile.
    ((27.0, 53.0, 29.0, 54.0), ["N53_00_E027", "N53_00_E028"]),
    # A point: the tile holding it.
    ((27.3, 53.6, 27.3, 53.6), ["N53_00_E027"]),
    # South and west: the name is the south-west corner.
    ((-72.5, -1.5, -71.5, 0.5), ["S02_00_W073", "S02_00_W072", "S01_00_W073", "S01_00_W072",
                                 "N00_00_W073", "N00_00_W072"]),
    ((-0.5, -0.5, 0.5, 0.5), ["S01_00_W001", "S01_00_E000", "N00_00_W001", "N00_00_E000"]),
    # Across the antimeridian (west > east), west to east.
    ((179.5, -16.5, -179.5, -16.2), ["S17_00_E179", "S17_00_W180"]),
    ((178.2, 65.1, -178.9, 65.3), ["N65_00_E178", "N65_00_E179", "N65_00_W180",
                                   "N65_00_W179"]),
    # The edges of the world.
    ((179.2, 10.2, 180.0, 10.4), ["N10_00_E179"]),
    ((-180.0, 89.5, -179.5, 90.0), ["N89_00_W180"]),
    ((10.5, -90.0, 10.6, -89.5), ["S90_00_E010"]),
])
def test_tile_names(box, expected):
    assert tile_names(*box) == [f"Copernicus_DSM_COG_30_{e}_00_DEM" for e in expected]


def test_tile_names_glo30():
    assert tile_names(27.5, 53.2, 27.6, 53.3, dataset="glo30") == [
        "Copernicus_DSM_COG_10_N53_00_E027_00_DEM"]
    assert tile_names(27.5, 53.2, 27.6, 53.3, dataset="GLO-30") == tile_names(
        27.5, 53.2, 27.6, 53.3, dataset="glo30")


@pytest.mark.parametrize("box, message", [
    ((27, 54, 28, 53), "south is greater than north"),
    ((200, 53, 201, 54), "a longitude is between -180 and 180 degrees"),
    ((27, -91, 28, 53), "a latitude is between -90 and 90 degrees"),
    ((math.nan, 53, 28, 54), "must be a finite number of degrees"),
    (("x", 53, 28, 54), "must be a finite number of degrees"),
])
def test_tile_names_refuse_a_bad_box(box, message):
    with pytest.raises(InputError, match=message):
        tile_names(*box)


def test_unknown_dataset():
    with pytest.raises(InputError, match="use one of glo90, glo30"):
        tile_names(27, 53, 28, 54, dataset="srtm")


def test_tile_bounds_round_trip():
    for lon, lat in [(27, 53), (-72, -1), (-180, -90), (179, 89), (0, 0), (-1, -1)]:
        (name,) = tile_names(lon + 0.5, lat + 0.5, lon + 0.5, lat + 0.5)
        assert tile_bounds(name) == (lon, lat, lon + 1, lat + 1)


def test_belarus_tiles_without_margin():
    # Belarus spans 23.17..32.72 E, 51.24..56.16 N.
    expected = {f"Copernicus_DSM_COG_30_N{lat}_00_E0{lon}_00_DEM"
                for lat in (51, 52, 53, 54, 55, 56)
                for lon in (23, 24, 25, 26, 27, 28, 29, 30, 31, 32)}
    assert set(tile_names(*region_bbox("BLR", 0))) == expected


def test_belarus_tiles_with_the_default_margin():
    # 100 km is 0.904 degree of latitude at the equator's 110.57 km a degree: 50.33..57.06 N,
    # rows N50..N57. At 57.06 N a degree of longitude is 60.7 km, so 100 km is 1.65 degree:
    # 21.52..34.37 E, columns E021..E034. 8 x 14 = 112 tiles.
    expected = {f"Copernicus_DSM_COG_30_N{lat}_00_E0{lon}_00_DEM"
                for lat in (50, 51, 52, 53, 54, 55, 56, 57)
                for lon in (21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34)}
    names = tile_names(*region_bbox("blr"))
    assert set(names) == expected and len(names) == 112
    assert region_bbox("Belarus") == region_bbox("BLR")


@pytest.mark.parametrize("margin_km", [50.0, 100.0, 300.0])
def test_the_margin_holds_every_point_that_near(margin_km):
    """Points ``margin_km`` from the box's corners and edge midpoints, in 16 directions along
    geodesics (pyproj, apart from the code's arithmetic), all lie in the grown box."""
    west, south, east, north = box = (23.165645, 51.235168, 32.719532, 56.156806)
    w, s, e, n = bbox_with_margin(*box, margin_km)
    for lon in (west, (west + east) / 2, east):
        for lat in (south, (south + north) / 2, north):
            for az in range(0, 360, 22):
                plon, plat, _ = WGS84.fwd(lon, lat, az, margin_km * 1000.0)
                assert w <= plon <= e and s <= plat <= n, (lon, lat, az)
    # ... and not much more: within 2 % of the margin on the equator side.
    assert (south - s) * 110.574 < margin_km * 1.02


def test_the_margin_crosses_the_antimeridian():
    w, s, e, n = bbox_with_margin(179.5, -17.0, 179.9, -16.0, 100)
    assert w > e and 178.0 < w < 179.0 and -180.0 < e < -179.0
    assert tile_names(w, s, e, n)[:3] == [f"Copernicus_DSM_COG_30_S18_00_{c}_00_DEM"
                                          for c in ("E178", "E179", "W180")]
    # Near a pole, or all the way round: every longitude.
    assert bbox_with_margin(10, 89.5, 11, 89.6, 100)[::2] == (-180.0, 180.0)
    assert bbox_with_margin(-179, 0, 179, 1, 200)[::2] == (-180.0, 180.0)
    with pytest.raises(InputError, match="0 km or more"):
        bbox_with_margin(27, 53, 28, 54, -1)


# --------------------------------------------------------------------------- downloads
def test_fetch_downloads_the_served_tiles(server, tmp_path):
    out = tmp_path / "dem"
    got = fetch(tile_names(27, 53, 29, 55), out)
    assert got.downloaded == SERVED and got.absent == (N54E028,)
    assert got.from_cache == () and got.present == () and got.tiles == tuple(sorted(SERVED))
    assert got.base_url == server.url and got.dataset == "glo90"
    assert got.bytes_downloaded == sum((server.root / "dem" / n / f"{n}.tif").stat().st_size
                                       for n in SERVED)
    assert sorted(server.downloads()) == sorted(server.path(n) for n in SERVED)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{n}.tif" for n in SERVED] + ["README.txt", "provenance.json"])
    for name in SERVED:
        assert (out / f"{name}.tif").read_bytes() == (
            server.root / "dem" / name / f"{name}.tif").read_bytes()
    assert cached(tmp_path) == sorted(f"{n}.tif" for n in SERVED)


def test_the_folder_opens_as_a_dem(server, tmp_path):
    out = tmp_path / "dem"
    fetch(tile_names(27, 53, 29, 55), out)
    dem = DEM.open(out)
    assert sorted(dem.files) == sorted(f"{n}.tif" for n in SERVED)
    lon, lat = np.array([27.3, 28.7, 27.6]), np.array([53.6, 53.2, 54.45])
    np.testing.assert_allclose(dem.sample(lon, lat), height(lon, lat), atol=0.01)
    assert np.isnan(dem.sample(28.5, 54.5))  # the absent tile


def test_provenance(server, tmp_path):
    out = tmp_path / "dem"
    fetch(tile_names(27, 53, 29, 55), out)
    data = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert data["attribution"] == ATTRIBUTION and data["source"] == server.url
    assert data["licence_url"].startswith("https://")
    assert data["absent"] == [N54E028]
    assert [t["tile"] for t in data["tiles"]] == sorted(SERVED)
    for t in data["tiles"]:
        body = (out / t["file"]).read_bytes()
        assert t["bytes"] == len(body) and t["dataset"] == "glo90"
        assert t["url"] == f"{server.url}/{t['tile']}/{t['tile']}.tif"
        import hashlib

        assert t["sha256"] == hashlib.sha256(body).hexdigest()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t["retrieved_utc"])
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert ATTRIBUTION in readme and "Copernicus DEM GLO-90" in readme
    for name in SERVED:
        assert f"{name}.tif" in readme and server.path(name) in readme
    assert "Absent at the source (1)" in readme and N54E028 in readme


def test_a_second_fetch_uses_the_cache(server, tmp_path):
    names = tile_names(27, 53, 29, 55)
    fetch(names, tmp_path / "one")
    assert len(server.downloads()) == 3
    again = fetch(names, tmp_path / "two")
    assert len(server.downloads()) == 3  # no new download
    assert again.from_cache == SERVED and again.downloaded == () and again.bytes_downloaded == 0
    assert again.absent == (N54E028,)
    for name in SERVED:
        assert (tmp_path / "two" / f"{name}.tif").read_bytes() == (
            tmp_path / "one" / f"{name}.tif").read_bytes()
    # Into a folder that has them: left as they are, nothing read from the server but the
    # absent tile's question.
    before = len(server.hits)
    third = fetch(names, tmp_path / "one")
    assert third.present == SERVED and third.from_cache == () and third.downloaded == ()
    assert server.hits[before:] == [("GET", server.path(N54E028), 404)]


def test_the_provenance_grows_with_each_fetch(server, tmp_path):
    out = tmp_path / "dem"
    fetch([N53E027], out)
    fetch([N53E028, N54E028], out)
    data = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert [t["tile"] for t in data["tiles"]] == [N53E027, N53E028]
    assert data["absent"] == [N54E028]


def test_a_damaged_cache_entry_is_downloaded_again(server, tmp_path):
    fetch([N53E027], tmp_path / "one")
    (tmp_path / "cache" / "dem" / "glo90" / f"{N53E027}.tif").write_bytes(b"garbage")
    got = fetch([N53E027], tmp_path / "two")
    assert got.downloaded == (N53E027,) and len(server.downloads()) == 2
    assert DEM.open(tmp_path / "two").files == (f"{N53E027}.tif",)


def test_a_file_that_is_not_a_geotiff_is_refused(server, tmp_path):
    server.bodies[server.path(N53E027)] = (b"<html>Not a tile</html>" * 50, None)
    out = tmp_path / "dem"
    with pytest.raises(DownloadError, match="not a readable GeoTIFF.*nothing kept"):
        fetch([N53E027], out)
    assert not out.exists()  # created by the call, left empty, removed
    assert cached(tmp_path) == []
    # Into a folder that exists: nothing left in it, not even a temporary file.
    out.mkdir()
    res = run("-q", "dem", "fetch", "--bbox", "27.2,53.2,27.8,53.8", "-o", out)
    assert res.exit_code == 1
    assert res.stderr.splitlines() == [
        f"adcov: error: {server.url}/{N53E027}/{N53E027}.tif: cannot download: not a readable "
        f"GeoTIFF ({res.stderr.split('GeoTIFF (', 1)[1].split(');')[0]}); nothing kept"]
    assert list(out.iterdir()) == []


def test_a_tile_of_another_square_is_refused(server, tmp_path):
    wrong = server.root / "dem" / N53E028 / f"{N53E028}.tif"
    write_tile(wrong, N53E028, where=N53E027)
    with pytest.raises(DownloadError, match=r"not of its tile's square \(28.0, 53.0, 29.0"):
        fetch([N53E028], tmp_path / "dem")
    assert not (tmp_path / "dem").exists()


def test_a_cut_download_is_retried_then_refused(server, tmp_path):
    body = (server.root / "dem" / N53E027 / f"{N53E027}.tif").read_bytes()
    server.bodies[server.path(N53E027)] = (body[:100], len(body))
    with pytest.raises(DownloadError, match="after 3 attempts"):
        fetch([N53E027], tmp_path / "dem")
    assert server.downloads() == [server.path(N53E027)] * 3
    assert not (tmp_path / "dem").exists()


def test_a_transient_failure_is_retried(server, tmp_path):
    server.fail_next = 2  # two 503 answers, then the tile
    got = fetch([N53E027], tmp_path / "dem")
    assert got.downloaded == (N53E027,)
    assert [code for _, _, code in server.hits] == [503, 503, 200]


def test_an_interrupted_fetch_leaves_only_whole_tiles(server, tmp_path, monkeypatch):
    """Ctrl-C in the middle of the second tile: the first tile is kept whole (with its
    provenance), the second leaves no partial or temporary file, in the folder or the cache."""
    real_get = demfetch._get

    def get(url, tmp, **kwargs):
        if N53E028 in url:
            tmp.write_bytes(b"half a tile")
            raise KeyboardInterrupt
        return real_get(url, tmp, **kwargs)

    monkeypatch.setattr(demfetch, "_get", get)
    out = tmp_path / "dem"
    with pytest.raises(KeyboardInterrupt):
        fetch([N53E027, N53E028], out)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{N53E027}.tif", "README.txt", "provenance.json"])
    data = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert [t["tile"] for t in data["tiles"]] == [N53E027]
    assert cached(tmp_path) == [f"{N53E027}.tif"]
    assert DEM.open(out).files == (f"{N53E027}.tif",)


def test_only_absent_tiles_is_an_error(server, tmp_path):
    out = tmp_path / "sea"
    res = run("-q", "dem", "fetch", "--bbox", "0.2,0.2,0.8,0.8", "-o", out)
    assert res.exit_code == 1
    assert res.stderr == (f"adcov: error: {server.url}: cannot download: none of the 1 tiles "
                          "exists there (only open sea in the box, or a wrong address)\n")
    assert not out.exists()


# --------------------------------------------------------------------------- the command
def test_the_command_end_to_end(server, tmp_path):
    out = tmp_path / "dem"
    res = run("dem", "fetch", "--bbox", BOX, "-o", out)
    assert res.exit_code == 0, res.stderr
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert lines[0] == (f"adcov: this command uses the network: up to 4 Copernicus DEM GLO-90 "
                        f"tiles for the box {BOX}, from {server.url} (no other adcov command "
                        "uses the network)")
    assert lines[1] == (f"adcov: {out}: 3 tiles: 3 downloaded ("
                        f"{sum((out / f'{n}.tif').stat().st_size for n in SERVED) / 1e6:.1f} "
                        "MB), 0 from the cache, 0 already there; 1 absent at the source (open "
                        "sea, or not published)")
    assert lines[2] == (f"adcov: Copernicus DEM GLO-90: {ATTRIBUTION}; licence and sources in "
                        f"{out / 'README.txt'}")
    assert lines[3] == (f"adcov: use it with `--dem {out}` on any command, or "
                        f"`terrain = \"{out}\"` in a scenario")
    assert len(lines) == 4
    np.testing.assert_allclose(DEM.open(out).sample(27.3, 53.6), height(27.3, 53.6), atol=0.01)
    again = run("dem", "fetch", "--bbox", BOX, "-o", tmp_path / "again", "-q")
    assert again.exit_code == 0 and again.stderr == "" and len(server.downloads()) == 3


def test_the_command_with_a_region_and_options(server, tmp_path):
    """--region takes a name in any case; --url and --cache beat the environment."""
    other = Server(tmp_path / "mirror")
    try:
        other.serve(N53E027)
        res = run("dem", "fetch", "--region", "belarus", "--margin-km", "0", "-o",
                  tmp_path / "dem", "--url", other.url + "/", "--cache", tmp_path / "c2")
        assert res.exit_code == 0, res.stderr
        assert res.stderr.startswith("adcov: this command uses the network: up to 60 Copernicus "
                                     "DEM GLO-90 tiles for BLR and 0 km around it, from "
                                     f"{other.url} (no other")
        assert "1 tiles: 1 downloaded" in res.stderr and "59 absent" in res.stderr
        assert len(other.hits) == 60 and server.hits == []
        assert os.listdir(tmp_path / "c2" / "dem" / "glo90") == [f"{N53E027}.tif"]
        assert cached(tmp_path) == []
    finally:
        other.close()


def test_the_glo30_dataset(server, tmp_path):
    name = "Copernicus_DSM_COG_10_N53_00_E027_00_DEM"
    server.serve(name)
    res = run("dem", "fetch", "--bbox", "27.1,53.1,27.2,53.2", "--dataset", "GLO30", "-o",
              tmp_path / "dem", "-q")
    assert res.exit_code == 0, res.stderr
    assert server.downloads() == [server.path(name)]
    assert os.listdir(tmp_path / "cache" / "dem" / "glo30") == [f"{name}.tif"]


def test_a_server_error_is_one_line_and_exit_1(server, tmp_path):
    server.fail_status = 500
    out = tmp_path / "dem"
    res = run("-q", "dem", "fetch", "--bbox", BOX, "-o", out)
    assert res.exit_code == 1
    assert res.stderr == (f"adcov: error: {server.url}/{N53E027}/{N53E027}.tif: cannot "
                          "download: HTTP 500 Internal Server Error (after 3 attempts)\n")
    assert len(server.hits) == 3  # stops at the first tile that fails
    assert not out.exists()
    # Without -q, the line about the network comes first, the error last.
    loud = run("dem", "fetch", "--bbox", BOX, "-o", out)
    assert loud.exit_code == 1
    assert loud.stderr.splitlines()[0].startswith("adcov: this command uses the network")
    assert loud.stderr.splitlines()[1:] == res.stderr.splitlines()


def test_no_server_is_one_line_and_exit_1(tmp_path, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    res = run("-q", "dem", "fetch", "--bbox", "27.2,53.2,27.8,53.8", "-o", tmp_path / "d",
              "--url", url)
    assert res.exit_code == 1
    assert res.stderr == (f"adcov: error: {url}/{N53E027}/{N53E027}.tif: cannot download: "
                          "Connection refused (after 3 attempts)\n")


@pytest.mark.parametrize("args, line", [
    (["--bbox", "27,53,29"],
     "--bbox: four numbers W,S,E,N in degrees, e.g. 23.2,51.3,32.8,56.2 (got '27,53,29')"),
    (["--bbox", "27,53,east,54"],
     "--bbox: four numbers W,S,E,N in degrees, e.g. 23.2,51.3,32.8,56.2 (got '27,53,east,54')"),
    (["--bbox", "27,55,29,53"], "--bbox: south is greater than north (got (27.0, 55.0, 29.0, "
                                "53.0))"),
    (["--bbox", "27,53,29,95"], "--bbox north: a latitude is between -90 and 90 degrees "
                                "(got 95.0)"),
    (["--bbox", "200,53,201,54"], "--bbox west: a longitude is between -180 and 180 degrees "
                                  "(got 200.0)"),
    (["--bbox", "32.8,51.3,23.2,56.2"],
     "--bbox: W > E is a box across the antimeridian, and this one would span 350.4 degrees "
     "of longitude; give W,S,E,N with W < E (got '32.8,51.3,23.2,56.2')"),
    (["--region", "BLR", "--bbox", "27,53,29,54"],
     "--region/--bbox: give one of --region CODE or --bbox W,S,E,N"),
    ([], "--region/--bbox: give one of --region CODE or --bbox W,S,E,N"),
    (["--region", "Atlantis"],
     "--region: unknown country (an ISO 3166-1 alpha-3 code or a country name expected); did "
     "you mean ALB (Albania)? (got 'Atlantis')"),
    (["--region", "BLR", "--margin-km", "-5"], "--margin-km: a margin is 0 km or more (got -5.0)"),
    (["--region", "BLR", "--url", "ftp://example.org/dem"],
     "--url: an address starting with https:// or http:// and a host name (got "
     "'ftp://example.org/dem')"),
])
def test_bad_arguments_are_one_line_and_exit_2(server, tmp_path, args, line):
    out = tmp_path / "dem"
    res = run("dem", "fetch", *args, "-o", out)
    assert res.exit_code == 2
    assert res.stderr == f"adcov: error: {line}\n"
    assert server.hits == [] and not out.exists()


def test_a_bad_address_in_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ADCOV_DEM_URL", "copernicus-dem-90m")
    res = run("dem", "fetch", "--region", "BLR", "-o", tmp_path / "dem")
    assert res.exit_code == 2
    assert res.stderr == ("adcov: error: ADCOV_DEM_URL: an address starting with https:// or "
                          "http:// and a host name (got 'copernicus-dem-90m')\n")


def test_an_output_that_is_a_file(server, tmp_path):
    out = tmp_path / "dem.tif"
    out.write_text("x", encoding="utf-8")
    res = run("dem", "fetch", "--bbox", BOX, "-o", out)
    assert res.exit_code == 2 and server.hits == []
    assert res.stderr.startswith("adcov: error: ")
    assert len(res.stderr.splitlines()) == 1


def test_the_progress_bar(server, tmp_path, monkeypatch):
    import itertools
    import time

    ticks = itertools.count(start=1000.0, step=10.0)
    monkeypatch.setattr(time, "perf_counter", lambda: float(next(ticks)))
    monkeypatch.setenv("ADCOV_PROGRESS", "1")
    res = run("dem", "fetch", "--bbox", BOX, "-o", tmp_path / "dem")
    assert res.exit_code == 0, res.stderr
    assert "\radcov: fetching Copernicus DEM GLO-90 [" in res.stderr
    assert f"] 0/4 {N53E027} " in res.stderr and " MB" in res.stderr
    assert f"[{'#' * 30}] 4/4 done" in res.stderr
    quiet = run("-q", "dem", "fetch", "--bbox", BOX, "-o", tmp_path / "dem2")
    assert quiet.exit_code == 0 and quiet.stderr == ""


# --------------------------------------------------------------------------- the network, here only
NETWORK_MODULES = {"urllib", "http", "socket", "ssl", "requests", "urllib3", "httpx", "aiohttp",
                   "ftplib", "smtplib", "imaplib", "poplib", "telnetlib", "xmlrpc",
                   "socketserver", "websockets"}
NETWORK_WORDS = re.compile(r"urllib|http\.client|\bsocket\b|\bimport requests\b|"
                           r"\brequests\.(get|post|put|head|Session|request)\b|urlopen")


def test_no_other_module_uses_the_network():
    """Only demfetch.py names a network module, by import or in its text."""
    by_text, by_import = set(), set()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        text = path.read_text(encoding="utf-8")
        if NETWORK_WORDS.search(text):
            by_text.add(rel)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                    node.func, "id", "")) in ("import_module", "__import__") and node.args
                  and isinstance(node.args[0], ast.Constant)):
                names = [str(node.args[0].value)]
            else:
                continue
            if any(n.split(".")[0] in NETWORK_MODULES for n in names):
                by_import.add(rel)
    assert by_text == {"demfetch.py"}
    assert by_import == {"demfetch.py"}


def test_the_help_and_the_import_open_nothing():
    """``adcov --help`` and ``adcov dem fetch --help`` load neither demfetch, rasterio nor a
    network module; importing demfetch loads no network module until a download."""
    probe = textwrap.dedent("""
        import json, sys
        from adcov.cli import main
        for args in (["--help"], ["dem", "fetch", "--help"]):
            try:
                main(args)
            except SystemExit:
                pass
        before = sorted(m for m in sys.modules if m.split(".")[0] in
                        {"rasterio", "http", "socket", "ssl"} or m in
                        {"adcov.demfetch", "urllib.request"})
        import adcov.demfetch
        after = sorted(m for m in sys.modules if m.split(".")[0] in
                       {"rasterio", "http", "socket", "ssl"} or m == "urllib.request")
        print(json.dumps([before, after]))
    """)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    before, after = json.loads(proc.stdout.splitlines()[-1])
    assert before == [] and after == []
