"""Benchmark: `adcov map` on the built-in scenario and on a generated 1,000-site scenario.

For each case: the time to write the map (imports excluded, analysis included and reported
separately), its size, and, when Debian's chromium and chromedriver are installed, the time for
headless Chromium to load it from file with the network off, with the JavaScript errors and
the count of drawn envelopes. Results go to ``benchmarks/results/map.json`` and ``map.md``.

Targets (issue 3): the built-in scenario's map under 5 MB and written in under 2 s; the
1,000-site map still opens in the browser harness.

Run: ``python benchmarks/bench_map.py``.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_stats import generate  # noqa: E402  (same generated scenario as the stats benchmark)


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


def open_in_browser(path: Path) -> dict:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return {"browser": "not run: chromium/chromedriver not installed"}
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              f"--user-data-dir={tempfile.mkdtemp()}", "--window-size=1400,900"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        t = time.perf_counter()
        driver.get(path.as_uri())
        driver.execute_script("return document.readyState")
        load_s = time.perf_counter() - t
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        n_env = len(driver.find_elements("css selector", "path.adcov-envelope"))
        n_sites = len(driver.find_elements("css selector", ".adcov-site"))
        t = time.perf_counter()
        driver.find_elements("css selector", ".adcov-alt-btn")[0].click()
        switch_s = time.perf_counter() - t
        return {"browser_load_s": load_s, "js_errors": errors, "envelope_paths": n_env,
                "site_markers": n_sites, "altitude_switch_s": switch_s}
    finally:
        driver.quit()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    cases = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        gen = generate(args.sites, tmp / f"generated-{args.sites}.toml")
        for name, ref in (("belarus-2023", "belarus-2023"), (f"generated-{args.sites}", str(gen))):
            html = tmp / f"{name}.html"
            rec = write_map(ref, html)
            rec.update(open_in_browser(html))
            cases[name] = rec
    b = cases["belarus-2023"]
    report = {"date": time.strftime("%Y-%m-%d %H:%M:%S"),
              "machine": {"python": platform.python_version(), "platform": platform.platform()},
              "targets": {"builtin_size_mb": 5.0, "builtin_map_s": 2.0},
              "builtin_meets_targets": b["size_mb"] < 5.0 and b["map_s"] < 2.0,
              "cases": cases}
    (args.out / "map.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lines = ["# adcov map benchmark", "", f"{report['date']}, Python {platform.python_version()}", "",
             "| case | sites | altitudes | analyse s | map s | size MB | browser load s | JS errors | envelope paths shown |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for k, c in cases.items():
        lines.append(f"| {k} | {c['sites']} | {c['altitudes']} | {c['analyze_s']:.2f} | {c['map_s']:.2f} | "
                     f"{c['size_mb']:.2f} | {c.get('browser_load_s', float('nan')):.2f} | "
                     f"{len(c.get('js_errors', [])) if 'js_errors' in c else '-'} | {c.get('envelope_paths', '-')} |")
    lines += ["", "Targets: built-in map under 5 MB and written in under 2 s (map s, analysis "
              "excluded); the 1,000-site map opens in the browser harness."]
    (args.out / "map.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
