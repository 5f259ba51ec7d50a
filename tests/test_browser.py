"""The interactive map in a real browser: Debian's chromium, headless, network off, file:// URLs.

Acceptance: the built-in scenario's map, written by ``adcov map``, loads from a file with no
JavaScript error and no request but the file itself (with ``--tiles none``), draws one envelope
per non-empty envelope at the shown altitude and one marker per site, and its altitude buttons
and layer checkboxes change what is drawn and the zone table shown. Expected numbers are computed
here from the analysis (``adcov.envelope.envelopes``, ``Result.zones``), not read from the map.
User text must appear literally (popup, panel, document title) and never as markup.

One browser serves the whole module. Without chromium, chromedriver or selenium the tests FAIL
(they are the CI acceptance check); set ADCOV_SKIP_BROWSER=1 to skip them instead. Set
ADCOV_UPDATE_DOCS=1 to copy the screenshots to docs/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from adcov import Scenario, analyze, envelopes

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = REPO_ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--window-size=1400,900")
WIDTH, HEIGHT = 1400, 900
TILE_URL = re.compile(r"^https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png$")
HOSTILE_SITE = "<img src=x onerror=alert(1)>"
HOSTILE_SYSTEM = "<img src=x onerror=alert(3)>"
HOSTILE_SCENARIO = "<script>alert(2)</script>"
LAYERS = {  # checkbox data-kind -> what it draws
    "envelopes": "path.adcov-envelope", "union": "path.adcov-union",
    "depth2": "path.adcov-depth2", "depth3": "path.adcov-depth3", "gaps": "path.adcov-gap",
    "sites": ".adcov-site", "sectors": "path.adcov-sector",
}


# --------------------------------------------------------------------------- fixtures
def _find(name: str, default: str) -> str | None:
    if Path(default).exists():
        return default
    return shutil.which(name)


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """One headless chromium for the module; network emulated offline, 1400x900 viewport."""
    skip = os.environ.get("ADCOV_SKIP_BROWSER") == "1"
    problems = []
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        problems.append(f"selenium is not installed ({exc}); pip install selenium")
    chromium, chromedriver = _find("chromium", CHROMIUM), _find("chromedriver", CHROMEDRIVER)
    if chromium is None:
        problems.append(f"no chromium ({CHROMIUM} or on PATH); apt-get install chromium")
    if chromedriver is None:
        problems.append(f"no chromedriver ({CHROMEDRIVER} or on PATH); "
                        "apt-get install chromium-driver")
    if problems:
        msg = "browser tests cannot run: " + "; ".join(problems)
        if skip:
            pytest.skip(msg + " (ADCOV_SKIP_BROWSER=1)")
        pytest.fail(msg + ". Set ADCOV_SKIP_BROWSER=1 to skip them.", pytrace=False)

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    d = webdriver.Chrome(service=Service(chromedriver), options=opts)
    try:
        d.set_page_load_timeout(60)
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1,
                           "mobile": False})
        yield d
    finally:
        d.quit()


def _hostile_toml() -> str:
    q = lambda s: json.dumps(s)  # noqa: E731 - JSON strings are TOML basic strings
    return "\n".join([
        f"name = {q(HOSTILE_SCENARIO)}", 'region = "BLR"', "altitudes_m = [1000, 20000]", "",
        f"[systems.{q(HOSTILE_SYSTEM)}]", f"name = {q('<svg onload=alert(4)>')}",
        "max_range_km = 60", "min_range_km = 3", "max_altitude_m = 25000",
        "min_altitude_m = 10", "antenna_height_m = 20", "",
        "[[sites]]", f"name = {q(HOSTILE_SITE)}", f"system = {q(HOSTILE_SYSTEM)}",
        "lon = 27.56", "lat = 53.90", f"source = {q('<b onmouseover=alert(5)>src</b>')}", "",
        "[[sites]]", f"name = {q('<b>bold</b> & co')}", 'system = "Tor-M2"',
        "lon = 30.20", "lat = 55.19", ""])


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    """The maps under test, written by the CLI (in parallel: about 3 s in all)."""
    d = tmp_path_factory.mktemp("maps")
    hostile = d / "hostile.toml"
    hostile.write_text(_hostile_toml(), encoding="utf-8")
    jobs = {
        "none": ["belarus-2023", "--tiles", "none"],
        "osm": ["belarus-2023"],
        "hostile": [str(hostile), "--tiles", "none"],
        "compare": ["belarus-2021", "--compare", "belarus-2023", "--tiles", "none"],
    }
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = {k: subprocess.Popen([sys.executable, "-m", "adcov", "map", *args,
                                  "-o", str(d / f"{k}.html")], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
             for k, args in jobs.items()}
    out = {}
    for k, p in procs.items():
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, f"adcov map {' '.join(jobs[k])}: {stderr}"
        out[k] = d / f"{k}.html"
    return out


@dataclass
class Expected:
    """What the belarus-2023 map should show, from the analysis."""

    scenario: Scenario
    zones: object  # Result.zones
    envelope_count: dict  # altitude -> non-empty envelopes

    def table(self, altitude):
        return self.zones[self.zones.altitude_m == altitude]


@pytest.fixture(scope="module")
def expected():
    sc = Scenario.builtin("belarus-2023")
    counts = {h: sum(not e.empty for e in envelopes(sc.sites, h, k_factor=sc.k_factor))
              for h in sc.altitudes_m}
    return Expected(sc, analyze(sc).zones, counts)


# --------------------------------------------------------------------------- helpers
@dataclass
class Page:
    url: str
    log: list  # browser log entries
    requests: list  # URLs requested, Chromium's own chrome:// and data: left out

    def severe(self):
        return [e for e in self.log if e["level"] == "SEVERE"]


def load(driver, path: Path) -> Page:
    """Open a map from its file with the network off; return its log and its requests."""
    driver.get_log("browser"), driver.get_log("performance")  # drop what came before
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": True, "latency": 0, "downloadThroughput": -1,
                            "uploadThroughput": -1})
    url = path.resolve().as_uri()
    driver.get(url)
    deadline = time.monotonic() + 20
    while driver.execute_script("return document.readyState") != "complete":
        assert time.monotonic() < deadline, "the page did not finish loading"
        time.sleep(0.05)
    time.sleep(0.3)  # let late log entries arrive
    log = driver.get_log("browser")
    reqs = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            u = msg["params"]["request"]["url"]
            if not u.startswith(("chrome://", "data:")):
                reqs.append(u)
    return Page(url, log, reqs)


def count(driver, selector: str) -> int:
    return driver.execute_script("return document.querySelectorAll(arguments[0]).length",
                                 selector)


def panel_rows(driver) -> list[list[str]]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.adcov-panel tbody tr'))"
        ".map(tr => Array.from(tr.cells).map(td => td.textContent));")


def shown_altitude(driver) -> str:
    return driver.execute_script("return document.body.getAttribute('data-adcov-altitude')")


def active_buttons(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.adcov-alt-btn.adcov-active'))"
        ".map(b => b.getAttribute('data-altitude'));")


def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def expected_rows(zones) -> list[list[str]]:
    rows = []
    for r in zones.itertuples():
        gaps = str(r.gap_count) + (f" ({r.largest_gap_km2:,.0f} km²)" if r.gap_count else "")
        border = "" if r.border_covered_fraction != r.border_covered_fraction else \
            pct(r.border_covered_fraction)
        rows.append([r.zone, pct(r.covered_fraction), f"{r.mean_depth:.2f}", gaps, border])
    return rows


def union_bbox_area(driver) -> float:
    return driver.execute_script(
        "var p = document.querySelector('path.adcov-union'); if (!p) return 0;"
        "var b = p.getBBox(); return b.width * b.height;")


def assert_no_alert(driver):
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 - the property raises when there is none


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def screenshot(driver, path: Path, docs_name: str):
    data = driver.get_screenshot_as_png()
    path.write_bytes(data)
    assert png_size(data) == (WIDTH, HEIGHT)
    assert len(data) > 20_000, f"screenshot of {len(data)} bytes: a blank page?"
    if os.environ.get("ADCOV_UPDATE_DOCS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(path, DOCS / docs_name)


# --------------------------------------------------------------------------- acceptance
def test_builtin_map_offline_from_file(driver, maps, expected):
    page = load(driver, maps["none"])
    assert page.severe() == [], "JavaScript errors or failed loads"
    assert page.requests == [page.url], "requests other than the map file itself"
    assert driver.title == expected.scenario.name
    alt = float(shown_altitude(driver))
    assert alt == 1000.0  # the altitude closest to 1 km is shown first
    assert active_buttons(driver) == ["1000"]
    assert count(driver, "path.adcov-envelope") == expected.envelope_count[alt]
    assert count(driver, ".adcov-site") == len(expected.scenario.sites)
    assert count(driver, ".leaflet-tile") == 0
    assert count(driver, "path.adcov-sector") == len(expected.scenario.sectors)
    assert panel_rows(driver) == expected_rows(expected.table(alt))


def test_builtin_map_with_osm_tiles_only_requests_tiles(driver, maps, expected):
    page = load(driver, maps["osm"])
    others = [u for u in page.requests if u != page.url and not TILE_URL.match(u)]
    assert others == [], "requests other than the file and OSM tiles"
    assert any(TILE_URL.match(u) for u in page.requests), "no tile was even requested"
    not_tiles = [e for e in page.severe()
                 if not (e["source"] == "network" and TILE_URL.match(e["message"].split(" ")[0]))]
    assert not_tiles == [], "JavaScript errors or failed loads other than tiles"
    assert count(driver, "img.leaflet-tile") > 0
    assert count(driver, "path.adcov-envelope") == expected.envelope_count[1000.0]
    assert count(driver, ".adcov-site") == len(expected.scenario.sites)


def test_altitude_buttons_switch_layers_and_table(driver, maps, expected):
    load(driver, maps["none"])
    buttons = driver.execute_script(
        "return Array.from(document.querySelectorAll('.adcov-alt-btn'))"
        ".map(b => b.getAttribute('data-altitude'));")
    assert [float(b) for b in buttons] == list(expected.scenario.altitudes_m)
    from selenium.webdriver.common.by import By

    seen_first_rows, union_area, counts = set(), {}, {}
    for value in buttons + [buttons[2]]:  # every altitude, then back to the first one shown
        driver.find_element(By.CSS_SELECTOR, f'.adcov-alt-btn[data-altitude="{value}"]').click()
        h = float(value)
        assert shown_altitude(driver) == value
        assert active_buttons(driver) == [value]
        counts[h] = count(driver, "path.adcov-envelope")
        assert counts[h] == expected.envelope_count[h], h
        assert count(driver, ".adcov-site") == len(expected.scenario.sites)
        zones = expected.table(h)
        assert count(driver, "path.adcov-gap") == int(zones.gap_count.iloc[0])
        rows = panel_rows(driver)
        assert rows == expected_rows(zones), h
        west = zones[zones.zone == "west"].covered_fraction.iloc[0]
        assert [r[1] for r in rows if r[0] == "west"] == [pct(west)]
        seen_first_rows.add(tuple(rows[0]))
        union_area[h] = union_bbox_area(driver)
        alt_text = driver.execute_script(
            "return document.querySelector('.adcov-panel-alt').textContent")
        assert ("1 km" if h == 1000 else "") in alt_text
    assert len(seen_first_rows) > 1, "the first row of the table never changed"
    tor = sum(1 for s in expected.scenario.sites if s.system.max_altitude_m < 20000)
    assert tor == sum(1 for s in expected.scenario.sites if s.system.id == "Tor-M2") > 0
    assert counts[50.0] - counts[20000.0] == tor
    assert union_area[20000.0] > union_area[50.0] > 0


def test_layer_checkboxes_hide_and_show(driver, maps, expected):
    from selenium.webdriver.common.by import By

    load(driver, maps["none"])
    for kind, selector in LAYERS.items():
        box = driver.find_element(By.CSS_SELECTOR, f'input[data-kind="{kind}"]')
        assert box.is_selected(), kind
        before = count(driver, selector)
        assert before > 0, kind
        box.click()
        assert not box.is_selected()
        assert count(driver, selector) == 0, f"{kind} still drawn when unchecked"
        box.click()
        assert count(driver, selector) == before, f"{kind} not redrawn when checked again"
    # A hidden layer stays hidden across altitudes and comes back with the right altitude.
    gaps = driver.find_element(By.CSS_SELECTOR, 'input[data-kind="gaps"]')
    gaps.click()
    driver.find_element(By.CSS_SELECTOR, '.adcov-alt-btn[data-altitude="50"]').click()
    assert count(driver, "path.adcov-gap") == 0
    gaps.click()
    assert count(driver, "path.adcov-gap") == int(expected.table(50.0).gap_count.iloc[0]) > 0
    assert count(driver, "path.adcov-envelope") == expected.envelope_count[50.0]


def test_user_text_is_shown_literally_never_as_markup(driver, maps):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = load(driver, maps["hostile"])
    assert_no_alert(driver)
    assert page.severe() == []
    assert page.requests == [page.url], "an injected element made a request"
    assert driver.title == HOSTILE_SCENARIO
    title = driver.execute_script(
        "return document.querySelector('.adcov-panel .adcov-box-title').textContent")
    assert title == HOSTILE_SCENARIO
    driver.execute_script("window.__alerts = []; window.alert = function (m) {"
                          " window.__alerts.push(String(m)); };")
    markers = driver.find_elements(By.CSS_SELECTOR, ".adcov-site")
    assert len(markers) == 2
    target = [m for m in markers if m.get_attribute("title") == f"{HOSTILE_SITE} ({HOSTILE_SYSTEM})"]
    assert len(target) == 1, [m.get_attribute("title") for m in markers]
    target[0].click()
    popup = WebDriverWait(driver, 5).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))[0]
    time.sleep(0.3)  # an injected <img src=x> would fail and fire onerror by now
    text = popup.get_attribute("textContent")
    assert HOSTILE_SITE in text
    assert HOSTILE_SYSTEM in text and "<svg onload=alert(4)>" in text
    assert "<b onmouseover=alert(5)>src</b>" in text
    assert driver.execute_script("return window.__alerts") == []
    assert_no_alert(driver)
    # No element was made from user text: no image but Leaflet's tiles (none here), no
    # img[src=x], no inline event handler, no <b>/<svg>/<script> inside the map.
    assert count(driver, "img:not(.leaflet-tile)") == 0
    assert count(driver, 'img[src="x"]') == 0
    assert count(driver, "[onerror], [onload], [onmouseover]") == 0
    assert count(driver, ".leaflet-container b, .leaflet-container script") == 0
    assert count(driver, ".leaflet-popup svg") == 0
    legend = driver.execute_script(
        "return document.querySelector('.adcov-legend').textContent")
    assert HOSTILE_SYSTEM in legend  # the family of a custom system is its id
    logs = driver.get_log("browser")
    assert [e for e in logs if e["level"] == "SEVERE"] == []


def test_screenshot_builtin_map(driver, maps, expected, tmp_path):
    page = load(driver, maps["none"])
    assert page.severe() == []
    assert count(driver, "path.adcov-envelope") == expected.envelope_count[1000.0]
    screenshot(driver, tmp_path / "map-belarus-2023.png", "map-belarus-2023.png")


def test_screenshot_compare_map(driver, maps, tmp_path):
    page = load(driver, maps["compare"])
    assert page.severe() == []
    assert page.requests == [page.url]
    html_text = maps["compare"].read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="adcov-data">(.*?)</script>',
                                html_text, re.S).group(1))
    shown = data["altitudes"][data["meta"]["initial_index"]]
    assert count(driver, "path.adcov-gained") == len(shown["gained"]["features"]) > 0
    assert count(driver, "path.adcov-lost") == len(shown["lost"]["features"])
    assert count(driver, "path.adcov-depth2") == 0  # depth layers start hidden in a comparison
    head = driver.execute_script(
        "return Array.from(document.querySelectorAll('.adcov-panel thead th'))"
        ".map(th => th.textContent);")
    assert head[-1] == "Δ vs belarus-2021"
    screenshot(driver, tmp_path / "map-compare.png", "map-compare.png")
