"""Requests per second of the shop's busiest pages, against a bare Flask app serving the same bytes.

    .venv/bin/python bench/pages.py                   # SQLite, 4 seconds per page and app
    .venv/bin/python bench/pages.py --seconds 10 --connections 8
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/pages.py

The shop runs under gunicorn with its own gunicorn.conf.py (2 workers) on a scratch database
holding the demo content (on PostgreSQL, created on that server and dropped afterwards), a
customer with an account, and a cart with one item. Beside it, under the same gunicorn
settings, a bare Flask app with no database renders through Jinja a template holding the same
bytes as each shop page: the most a Flask page of that size could do on this machine.

For each page the two are loaded in turn, twice each, from keep-alive connections on loopback
(a small asyncio load generator: wrk may not be installed). Prints, per page: the shop's and
the bare app's requests per second, their ratio, and the milliseconds of worker CPU each spends
per request (read from the gunicorn workers' /proc counters). Requests ask for no compression:
the figures are about building the page.

The last rows are floors rather than pages: what any page for a visitor with a session costs
before it shows anything of its own. Two routes exist only in the bench's copy of the shop:
/bench/nothing checks who is signed in and answers a few bytes, /bench/layout renders the
layout (header, cart count, footer) around no content.
"""

import argparse
import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from box_run import scratch_database  # noqa: E402

PASSWORD = "bench-password-1234"
EMAIL = "bench@example.com"
FILM_ARTICLE = "/blog/top-5-korean-movies-that-make-you-cry"
# Every request, the sign-in included, comes from the same browser: a signed-in session asked
# for by another browser is marked not fresh and its cookie set again on every response.
USER_AGENT = "bench"
# name, path, who asks: "anonymous" (no cookie), "cart" (one item), "customer" (signed in).
PAGES = [
    ("home", "/", "anonymous"),
    ("shop", "/shop", "anonymous"),
    ("product", "/products/magazine-issue-1-hallyu", "anonymous"),
    ("culture-box", "/culture-box", "anonymous"),
    ("blog", "/blog", "anonymous"),
    ("film article", FILM_ARTICLE, "anonymous"),
    ("cart, one item", "/cart", "cart"),
    ("account", "/account", "customer"),
    ("feed.xml", "/feed.xml", "anonymous"),
    ("floor: layout, cart", "/bench/layout", "cart"),
    ("floor: signed in", "/bench/nothing", "customer"),
    ("floor: layout, signed in", "/bench/layout", "customer"),
]


# -- the apps ------------------------------------------------------------------------------------


def shop_app():
    """The shop with the two floor routes. Built by gunicorn from `pages:shop_app()`."""
    from flask import render_template
    from flask_login import current_user

    from shop import create_app

    app = create_app()
    layout = app.jinja_env.from_string('{% extends "base.html" %}')

    @app.get("/bench/nothing")
    def nothing():
        return "signed in" if current_user.is_authenticated else "not signed in"

    @app.get("/bench/layout")
    def empty_layout():
        return render_template(layout)

    return app


def bare_app():
    """A Flask app with no database: /<name> renders templates/<name>.html from the folder in
    BENCH_BARE_TEMPLATES. Built by gunicorn from `pages:bare_app()`."""
    from flask import Flask, render_template

    app = Flask(__name__, template_folder=os.environ["BENCH_BARE_TEMPLATES"])

    @app.get("/health")
    def health():
        return "ok"

    @app.get("/<name>")
    def page(name: str):
        return render_template(f"{name}.html")

    return app


def _template_of(body: str) -> str:
    """The page's bytes as a template Jinja parses but leaves as they are."""
    return "{% raw %}" + body + "{% endraw %}" if ("{{" in body or "{%" in body or "{#" in body) else body


# -- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(url: str) -> None:
    """Migrate, seed the demo content and add the bench's customer, in this process."""
    from flask_migrate import upgrade

    from shop import create_app, seed
    from shop.accounts.models import User
    from shop.accounts.passwords import hash_password
    from shop.db_types import utcnow
    from shop.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        seed.load_all(app.config["SHOP_CONTENT_DIR"])
        db.session.add(
            User(email=EMAIL, name="Bench Customer", password_hash=hash_password(PASSWORD), email_confirmed_at=utcnow())
        )
        db.session.commit()
        db.engine.dispose()


class Server:
    """gunicorn with the shop's gunicorn.conf.py, its access log off."""

    def __init__(self, app: str, env: dict, instance: str):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), app],
            cwd=ROOT,
            env={
                **os.environ,
                **env,
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "WEB_ACCESS_LOG": "/dev/null",
                "WEB_MAX_REQUESTS": "0",  # no recycling in the middle of a measurement
                "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}",
            },
            stderr=open(Path(instance, "gunicorn.log"), "ab"),
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                if requests.get(self.base + "/health", timeout=10).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{app} did not start")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def cpu_seconds(self) -> float:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


# -- the load generator -------------------------------------------------------------------------

HEADER_END = b"\r\n\r\n"
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


async def _connection(port: int, request: bytes, stop_at: float, counts: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    done = errors = 0
    try:
        while time.perf_counter() < stop_at:
            writer.write(request)
            head = await reader.readuntil(HEADER_END)
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
            length = CONTENT_LENGTH.search(head)
            await reader.readexactly(int(length.group(1)) if length else 0)
            done += 1
    finally:
        writer.close()
    counts.append((done, errors))


async def _load(port: int, path: str, cookie: str, seconds: float, connections: int) -> tuple[int, int]:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: keep-alive", f"User-Agent: {USER_AGENT}"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    counts: list = []
    stop_at = time.perf_counter() + seconds
    await asyncio.gather(*(_connection(port, request, stop_at, counts) for _ in range(connections)))
    return sum(c[0] for c in counts), sum(c[1] for c in counts)


def measure(server: Server, path: str, cookie: str, seconds: float, connections: int) -> tuple[int, float, float]:
    """(requests, wall seconds, worker CPU seconds) for `seconds` of load."""
    cpu, started = server.cpu_seconds(), time.perf_counter()
    done, errors = asyncio.run(_load(server.port, path, cookie, seconds, connections))
    wall, cpu = time.perf_counter() - started, server.cpu_seconds() - cpu
    if errors:
        raise RuntimeError(f"{path}: {errors} responses were not 200")
    return done, wall, cpu


# -- the run ------------------------------------------------------------------------------------


def visitors(base: str) -> dict[str, str]:
    """The Cookie header of each kind of visitor: a cart with one item, a signed-in customer."""
    cart = requests.Session()
    cart.headers["User-Agent"] = USER_AGENT
    page = cart.get(base + "/products/magazine-issue-1-hallyu").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    variant = re.search(r'name="variant_id"[^>]*value="(\d+)"', page).group(1)
    added = cart.post(base + "/cart/add", data={"csrf_token": token, "variant_id": variant, "quantity": "1"})
    added.raise_for_status()
    customer = requests.Session()
    customer.headers["User-Agent"] = USER_AGENT
    page = customer.get(base + "/account/sign-in").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    signed_in = customer.post(
        base + "/account/sign-in",
        data={"csrf_token": token, "email": EMAIL, "password": PASSWORD},
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, "the bench customer could not sign in"
    customer.get(base + "/account")  # the welcome message, shown once

    def header(session: requests.Session) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in session.cookies)

    return {"anonymous": "", "cart": header(cart), "customer": header(customer)}


def run(seconds: float, connections: int, server_url: str | None, only: list[str]) -> None:
    url, drop = scratch_database(server_url)
    instance = tempfile.mkdtemp()
    shop = bare = None
    try:
        prepare(url)
        env = {"DATABASE_URL": url, "SHOP_CONTENT_DIR": str(ROOT / "content"), "MAIL_OUTBOX_DIR": instance}
        shop = Server("pages:shop_app()", env, instance)
        cookies = visitors(shop.base)
        pages = [page for page in PAGES if not only or page[0] in only]
        templates = tempfile.mkdtemp()
        sizes = {}
        for index, (_name, path, who) in enumerate(pages):
            headers = {"User-Agent": USER_AGENT} | ({"Cookie": cookies[who]} if cookies[who] else {})
            response = requests.get(shop.base + path, headers=headers)
            response.raise_for_status()
            # A customer's page that sets a cookie again on every request measures that instead.
            assert who == "anonymous" or "Set-Cookie" not in response.headers, f"{path} sets a cookie each time"
            sizes[index] = len(response.content)
            Path(templates, f"p{index}.html").write_text(_template_of(response.text), encoding="utf-8")
        bare = Server("pages:bare_app()", {"BENCH_BARE_TEMPLATES": templates}, instance)

        database = make_url(url).get_backend_name()
        print(f"{database}: {connections} connections, {seconds:g} s per page and app, load {os.getloadavg()[0]:.2f}")
        print(
            f"{'page':<24} {'KB':>5} {'shop req/s':>10} {'bare req/s':>10} {'ratio':>6} {'shop ms CPU':>11} {'bare ms CPU':>11}"
        )
        for index, (name, path, who) in enumerate(pages):
            totals = {"shop": [0, 0.0, 0.0], "bare": [0, 0.0, 0.0]}
            measure(shop, path, cookies[who], 0.5, connections)  # warm up both
            measure(bare, f"/p{index}", "", 0.5, connections)
            for _round in range(2):
                for label, server, target, cookie in (
                    ("shop", shop, path, cookies[who]),
                    ("bare", bare, f"/p{index}", ""),
                ):
                    done, wall, cpu = measure(server, target, cookie, seconds / 2, connections)
                    totals[label] = [a + b for a, b in zip(totals[label], (done, wall, cpu), strict=True)]
            shop_rps = totals["shop"][0] / totals["shop"][1]
            bare_rps = totals["bare"][0] / totals["bare"][1]
            shop_ms = totals["shop"][2] / max(totals["shop"][0], 1) * 1000
            bare_ms = totals["bare"][2] / max(totals["bare"][0], 1) * 1000
            print(
                f"{name:<24} {sizes[index] / 1024:5.1f} {shop_rps:10.0f} {bare_rps:10.0f} "
                f"{shop_rps / bare_rps:6.3f} {shop_ms:11.2f} {bare_ms:11.2f}"
            )
        print(f"load after: {os.getloadavg()[0]:.2f}")
    finally:
        for server in (shop, bare):
            if server is not None:
                server.stop()
        drop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4, help="load per page and app (default 4)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections (default 8)")
    parser.add_argument("--page", action="append", default=[], help="only this page (by name; repeatable)")
    arguments = parser.parse_args()
    run(arguments.seconds, arguments.connections, os.environ.get("BENCH_DATABASE_URL"), arguments.page)
