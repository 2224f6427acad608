"""Lighthouse's four scores (mobile) for the shop's main pages, served as in production.

    .venv/bin/python bench/lighthouse.py
    .venv/bin/python bench/lighthouse.py --page / --page /shop

Starts the shop under gunicorn on a free port with the demo content (a scratch SQLite
database), then runs `npx --yes lighthouse@12` for each page with the system Chromium
(CHROME_PATH, /usr/bin/chromium unless set), headless, with Lighthouse's default mobile
preset. Needs Node.js and the npm registry the first time (npx installs Lighthouse). Prints
performance, accessibility, best practices and SEO per page, and what kept a score below 100.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pages import FILM_ARTICLE, ROOT, Server, prepare, scratch_database

PAGES = ["/", FILM_ARTICLE, "/culture-box", "/products/magazine-issue-1-hallyu", "/shop", "/blog", "/search"]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


def lighthouse(url: str, chrome: str) -> dict:
    command = [
        "npx",
        "--yes",
        "lighthouse@12",
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=--headless --no-sandbox",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "CHROME_PATH": chrome}, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse failed for {url}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def shortfalls(report: dict) -> list[str]:
    """The audits that cost a point, by title."""
    found = []
    for category in report["categories"].values():
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                found.append(f"{category['id']}: {audit['title']} ({audit.get('displayValue', audit['score'])})")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", action="append", default=[], help="only this path (repeatable)")
    arguments = parser.parse_args()
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not shutil.which("npx"):
        print("npx is not installed: install Node.js (it brings npm and npx) to run Lighthouse.")
        return 1
    if not Path(chrome).exists():
        print(f"No Chromium at {chrome}: install it (apt-get install chromium) or set CHROME_PATH.")
        return 1
    url, drop = scratch_database(None)
    instance = tempfile.mkdtemp()
    shop = None
    try:
        prepare(url)
        shop = Server("shop:create_app()", {"DATABASE_URL": url, "MAIL_OUTBOX_DIR": instance}, instance)
        print(f"{'page':<48} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5}")
        for path in arguments.page or PAGES:
            try:
                report = lighthouse(shop.base + path, chrome)
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                print(f"{path:<48} {error}")
                continue
            scores = [report["categories"][name]["score"] for name in CATEGORIES]
            print(f"{path:<48} " + " ".join(f"{round((s or 0) * 100):>5}" for s in scores))
            for line in shortfalls(report):
                print(f"    {line}")
    finally:
        if shop is not None:
            shop.stop()
        drop()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
