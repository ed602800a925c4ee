"""Open a page in headless Chromium (Debian's /usr/bin/chromium) and read back the DOM after its scripts ran."""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
import subprocess
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
VIRTUAL_TIME_BUDGET_MS = 10_000  # virtual time for scripts and timers before the DOM is dumped

ERROR_SINK = """<script>
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
window.addEventListener('unhandledrejection', function (e) { window.__errors.push(String(e.reason)); });
</script>"""

HOVER_PROBE = """<script>
function embedscopeProbe() {
  var out = {errors: window.__errors};
  out.resources = performance.getEntriesByType('resource').map(function (r) { return r.name; })
    .filter(function (name) { return name.indexOf('data:') !== 0; });
  try {
    out.plots = document.querySelectorAll('.js-plotly-plot').length;
    var map = window.embedscopeMaps[0], gd = map.plot, target = %(name)s;
    var row = map.names.indexOf(target), groups = map.groups(map.columnIndex), curve = -1, index = -1;
    groups.forEach(function (g, c) { var i = g.rows.indexOf(row); if (i >= 0 && curve < 0) { curve = c; index = i; } });
    var xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, trace = gd._fullData[curve];
    gd.scrollIntoView({block: 'center'});
    var rect = gd.getBoundingClientRect();
    var x = rect.left + xa._offset + xa.l2p(trace.x[index]), y = rect.top + ya._offset + ya.l2p(trace.y[index]);
    gd.on('plotly_hover', function (e) { out.hovered = String(map.names[map.rowOf(e.points[0])]); });
    gd.querySelector('.nsewdrag').dispatchEvent(new MouseEvent('mousemove', {clientX: x, clientY: y, bubbles: true}));
  } catch (err) { out.probeError = String(err); }
  setTimeout(function () {
    var box = document.getElementById('thumbnail-box');
    out.display = box.style.display;
    out.caption = box.querySelector('span').textContent;
    out.src = box.querySelector('img').getAttribute('src') || '';
    document.body.setAttribute('data-probe', JSON.stringify(out));
  }, 500);
}
var embedscopeWait = setInterval(function () {
  var maps = window.embedscopeMaps;
  if (maps && maps[0] && maps[0].ready) { clearInterval(embedscopeWait); setTimeout(embedscopeProbe, 300); }
}, 100);
</script>"""


def instrumented_copy(page: Path, target: Path, *, hover_name: str) -> Path:
    """``page`` with an error sink first in <head> and a probe that waits for the map, moves the mouse onto
    the point of sample ``hover_name``, then records what the page shows."""
    text = page.read_text(encoding="utf-8")
    text = text.replace('<meta charset="utf-8">', '<meta charset="utf-8">' + ERROR_SINK, 1)
    text = text.replace("</body>", HOVER_PROBE % {"name": json.dumps(hover_name)} + "</body>", 1)
    target.write_text(text, encoding="utf-8")
    return target


def dump_dom(page: Path, profile: Path) -> tuple[str, str]:
    """(DOM after scripts ran, Chromium's stderr with console messages)."""
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
        f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}", "--window-size=1280,2000", "--dump-dom", page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    return done.stdout, done.stderr


def page_payload(text: str, map_id: str = "sample-map") -> dict[str, Any]:
    """The JSON payload of a map of a report.html's text."""
    found = re.search(rf'<script type="application/json" id="{map_id}-data">(.*?)</script>', text, re.DOTALL)
    if found is None:
        raise AssertionError(f"no payload of {map_id} in the page")
    payload: dict[str, Any] = json.loads(found.group(1))
    return payload


def payload_names(payload: dict[str, Any]) -> list[str]:
    names: list[str] = json.loads(gzip.decompress(base64.b64decode(payload["names"])))
    return names


def probe_result(dom: str) -> dict[str, Any]:
    found = re.search(r'data-probe="([^"]*)"', dom)
    if found is None:
        raise AssertionError("the probe did not run: no data-probe attribute in the DOM")
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


def console_errors(stderr: str) -> list[str]:
    """Console lines that report a script error (GPU driver chatter of software WebGL is not one)."""
    lines = [line for line in stderr.splitlines() if "CONSOLE" in line and "WebGL" not in line]
    return [line for line in lines if "ERROR:CONSOLE" in line or "Uncaught" in line or "Error" in line]


CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
)


def chromium_driver(profile: Path, *, width: int = 1400, height: int = 1000, downloads: Path | None = None) -> Any:
    """A selenium WebDriver on Debian's chromium (chromium-driver), with a fresh profile and the browser's
    console log readable through ``driver.get_log("browser")``; downloads land in ``downloads`` (unasked)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if downloads is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                  "download.prompt_for_download": False})
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def full_page_screenshot(driver: Any, target: Path, *, width: int = 1400) -> Path:
    """A PNG of the whole page at ``width`` CSS pixels (the window grows to the page's height)."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, min(height + 120, 30_000))
    target.write_bytes(driver.get_screenshot_as_png())
    return target
