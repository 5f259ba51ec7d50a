"""Benchmark: `adcov map` on the built-in scenario and on generated 1,000- and 5,000-site
scenarios.

For each case: the time to write the map (imports excluded, analysis reported separately), its
size, and, when Debian's chromium and chromedriver are installed, what a reader meets in
headless Chromium (1400x900, network off): the time from asking for the file to the first
painted frame of the finished map, the time an altitude switch takes to the next painted frame
(every altitude button in turn; the slowest reported), the JavaScript errors, the envelopes
drawn (SVG shapes, or those on the canvas at scale) and the site marks and clusters shown.

Targets: the built-in scenario's map under 5 MB and written in under 2 s (issue 3); the
5,000-site map under 20 MB, opening in under 5 s and switching altitude in under 1 s
(issue 12). Results go to ``benchmarks/results/map.json`` and ``map.md``.

Run: ``python benchmarks/bench_map.py`` (``--screenshots DIR`` also saves the 5,000-site map
at 1400x900 and 500x717).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import private_cache

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_stats import generate  # noqa: E402  (same generated scenario as the stats benchmark)

TARGETS = {"builtin_size_mb": 5.0, "builtin_map_s": 2.0, "scale_sites": 5000,
           "scale_size_mb": 20.0, "scale_open_s": 5.0, "scale_switch_s": 1.0}


def write_map(scenario_ref: str, out: Path) -> dict:
    from adcov.analysis import analyze
    from adcov.render.maps import map_html
    from adcov.scenario import Scenario

    t0 = time.perf_counter()
    sc = Scenario.resolve(scenario_ref)
    res = analyze(sc)
    t1 = time.perf_counter()
    text = map_html(res, tiles="none")
    out.write_text(text, encoding="utf-8")
    t2 = time.perf_counter()
    return {"sites": len(sc.sites), "altitudes": len(sc.altitudes_m), "analyze_s": t1 - t0,
            "map_s": t2 - t1, "total_s": t2 - t0, "size_mb": out.stat().st_size / 1e6}


# Resolves after two animation frames: whatever the page changed has been painted.
_PAINTED = """
var done = arguments[arguments.length - 1], t0 = arguments[0];
requestAnimationFrame(function () { requestAnimationFrame(function () {
  done(performance.now() - (t0 === null ? 0 : t0)); }); });
"""
_SWITCH = """
var done = arguments[arguments.length - 1], i = arguments[0];
var t0 = performance.now();
document.querySelectorAll('.adcov-alt-btn')[i].click();
requestAnimationFrame(function () { requestAnimationFrame(function () {
  done(performance.now() - t0); }); });
"""
_SHOWN = """
var a = window.adcov, n = 0;
a.map.eachLayer(function (l) { if (typeof l.count === 'function' && l.drawn !== undefined) { n += l.drawn; } });
return {svg: document.querySelectorAll('path.adcov-envelope').length, canvas: n,
        marks: document.querySelectorAll('.adcov-site').length,
        clusters: document.querySelectorAll('.adcov-cluster').length,
        badges: Array.prototype.filter.call(document.querySelectorAll('.adcov-badge'),
          function (b) { return getComputedStyle(b).visibility !== 'hidden'; }).length};
"""


def _driver(width=1400, height=900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              f"--user-data-dir={tempfile.mkdtemp()}", f"--window-size={width},{height}"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    driver.set_script_timeout(60)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1,
                            "mobile": False})
    return driver


def open_in_browser(path: Path, screenshots: Path | None = None) -> dict:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return {"browser": "not run: chromium/chromedriver not installed"}
    driver = _driver()
    try:
        driver.get("about:blank")
        t = time.perf_counter()
        driver.get(path.as_uri())
        driver.execute_async_script(_PAINTED, None)
        load_s = time.perf_counter() - t
        shown = driver.execute_script(_SHOWN)
        n = len(driver.find_elements("css selector", ".adcov-alt-btn"))
        switches = []
        for i in list(range(n)) + [driver.execute_script("return adcov.state.index")]:
            switches.append(driver.execute_async_script(_SWITCH, i) / 1000.0)
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        if screenshots is not None:
            screenshots.mkdir(parents=True, exist_ok=True)
            for w, h in ((1400, 900), (500, 717)):
                driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                       {"width": w, "height": h, "deviceScaleFactor": 1,
                                        "mobile": False})
                driver.get(path.as_uri())
                driver.execute_async_script(_PAINTED, None)
                driver.save_screenshot(str(screenshots / f"{path.stem}-{w}x{h}.png"))
        return {"browser_load_s": load_s, "js_errors": errors, "envelopes_shown": shown["svg"] + shown["canvas"],
                "svg_envelopes": shown["svg"], "canvas_envelopes": shown["canvas"],
                "site_marks": shown["marks"], "clusters": shown["clusters"],
                "badges_shown": shown["badges"], "altitude_switch_s": max(switches),
                "altitude_switches_s": switches}
    finally:
        driver.quit()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", default="1000,5000",
                    help="sizes of the generated scenarios, comma-separated")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--screenshots", type=Path, default=None)
    args = ap.parse_args(argv)
    private_cache()  # never the user's cache folder
    args.out.mkdir(parents=True, exist_ok=True)
    sizes = [int(x) for x in args.sites.split(",") if x]
    cases = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        refs = [("belarus-2023", "belarus-2023")]
        refs += [(f"generated-{n}", str(generate(n, tmp / f"generated-{n}.toml"))) for n in sizes]
        for name, ref in refs:
            html = tmp / f"{name}.html"
            rec = write_map(ref, html)
            shots = args.screenshots if name == f"generated-{TARGETS['scale_sites']}" else None
            rec.update(open_in_browser(html, shots))
            cases[name] = rec
            print(name, {k: v for k, v in rec.items() if k != "altitude_switches_s"}, flush=True)
    b = cases["belarus-2023"]
    big = cases.get(f"generated-{TARGETS['scale_sites']}")
    report = {"date": time.strftime("%Y-%m-%d %H:%M:%S"),
              "machine": {"python": platform.python_version(), "platform": platform.platform(),
                          "cpus": os.cpu_count()},
              "command": "python benchmarks/bench_map.py",
              "targets": TARGETS,
              "builtin_meets_targets": b["size_mb"] < 5.0 and b["map_s"] < 2.0,
              "scale_meets_targets": None if big is None or "browser_load_s" not in big else (
                  big["size_mb"] < TARGETS["scale_size_mb"]
                  and big["browser_load_s"] < TARGETS["scale_open_s"]
                  and big["altitude_switch_s"] < TARGETS["scale_switch_s"]
                  and not big["js_errors"]),
              "cases": cases}
    (args.out / "map.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    nan = float("nan")
    lines = ["# adcov map benchmark", "",
             f"{report['date']}, Python {platform.python_version()}, {os.cpu_count()} CPUs "
             f"({platform.platform()}); `python benchmarks/bench_map.py`", "",
             "| case | sites | altitudes | analyse s | map s | size MB | browser open s | "
             "altitude switch s (slowest) | JS errors | envelopes drawn | marks | clusters |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for k, c in cases.items():
        lines.append(f"| {k} | {c['sites']} | {c['altitudes']} | {c['analyze_s']:.2f} | "
                     f"{c['map_s']:.2f} | {c['size_mb']:.2f} | "
                     f"{c.get('browser_load_s', nan):.2f} | {c.get('altitude_switch_s', nan):.2f} | "
                     f"{len(c['js_errors']) if 'js_errors' in c else '-'} | "
                     f"{c.get('envelopes_shown', '-')} | {c.get('site_marks', '-')} | "
                     f"{c.get('clusters', '-')} |")
    lines += ["", "Targets: the built-in map under 5 MB and written in under 2 s (map s, analysis "
              "excluded); the 5,000-site map under 20 MB, open (first painted frame of the "
              "finished map, from asking for the file, headless Chromium at 1400x900, network "
              "off) in under 5 s, and every altitude switch painted in under 1 s. Built-in: "
              f"{'met' if report['builtin_meets_targets'] else 'NOT met'}; 5,000 sites: "
              f"{ {True: 'met', False: 'NOT met', None: 'not run'}[report['scale_meets_targets']] }."]
    (args.out / "map.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
