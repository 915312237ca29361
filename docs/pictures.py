"""README's pictures of the viewer, made from today's `kg viz`: `python docs/pictures.py` (from the checkout).

It draws the seed's graph (exports/graph.html, as `kg build && kg viz` writes it) and the development set's graph
(seeds/ and tests/corpus/, built into a temporary store) in headless Chromium at 1400x900, uses the page as a
person would (search, choose a hit, open a quote, open the time list) and writes one PNG per state into docs/,
with docs/pictures.json recording the hash of the viewer's code they show. tests/test_docs.py fails when that
code has changed since: run this script again and commit the pictures with the change.

Needs the dev extras (Playwright) and Debian's Chromium (`apt-get install chromium`); runs offline.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
#: The modules that make the page: when one changes, the pictures are out of date.
VIEWER_CODE = ("kg/outputs/viz.py", "kg/outputs/layout.py", "kg/outputs/network.py", "kg/outputs/panel.py")
RECORD = DOCS / "pictures.json"


def viewer_hash() -> str:
    """The hash of the viewer's code, as the pictures record it."""
    h = hashlib.sha256()
    for name in VIEWER_CODE:
        h.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    return h.hexdigest()


def _kg(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "kg.cli", *args], cwd=cwd, check=True, capture_output=True)


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _kg("build", cwd=ROOT)
        _kg("viz", cwd=ROOT)
        store, dev = work / "store", work / "dev.html"
        _kg("build", "seeds", "tests/corpus", "--store", str(store), "-o", str(work / "dev.ttl"), cwd=ROOT)
        _kg("viz", "--store", str(store), "-o", str(dev), cwd=ROOT)
        shots: list[str] = []
        with sync_playwright() as p:
            browser = p.chromium.launch_persistent_context(
                str(work / "profile"),
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu"],
                viewport={"width": 1400, "height": 900},
            )
            browser.route(re.compile(r"^(?!file:)"), lambda route: route.abort())
            page = browser.new_page()

            def opened(path: Path) -> None:
                page.goto(path.as_uri())
                page.wait_for_function("() => window.kgStable === true")
                page.wait_for_timeout(300)

            def shot(name: str) -> None:
                page.screenshot(path=str(DOCS / name))
                shots.append(name)

            opened(ROOT / "exports" / "graph.html")
            shot("viewer-seed.png")
            page.fill("#kg-search", "sir david")
            page.wait_for_selector("#kg-hits li")
            shot("viewer-search.png")
            page.press("#kg-search", "Enter")
            page.wait_for_selector("#kg-facts")
            page.wait_for_timeout(600)
            shot("viewer-focus.png")
            page.click("button.kg-quote >> nth=0")
            page.wait_for_selector("#kg-doc-text mark")
            page.wait_for_timeout(300)
            shot("viewer-document.png")
            page.keyboard.press("Escape")
            page.click("#kg-time-button")
            page.wait_for_selector("#kg-time li")
            shot("viewer-time.png")
            opened(dev)
            shot("viewer-development-set.png")
            browser.close()
    RECORD.write_text(
        json.dumps({"viewer": viewer_hash(), "pictures": shots}, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(shots)} pictures into docs/ and {RECORD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
