"""Serving for real: hashed static files, HTTP caching of pages, the health check, the
production headers, the process commands and the gunicorn settings."""

import importlib.util
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from shop import create_app
from shop.jobs import cli as jobs_cli
from shop.jobs import queue

from .accounts.factories import make_user, sign_in
from .test_config import production_env

ROOT = Path(__file__).resolve().parent.parent
HASHED_CSS = re.compile(r'href="(/static/css/shop\.[0-9a-f]{10}\.css)"')


# -- static files ---------------------------------------------------------------------------


def test_pages_link_static_files_by_content_hash_cached_for_a_year(client):
    page = client.get("/blog").get_data(as_text=True)
    href = HASHED_CSS.search(page).group(1)
    response = client.get(href)
    assert response.status_code == 200
    assert response.data == (ROOT / "static/css/shop.css").read_bytes()
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable and response.cache_control.public


def test_the_plain_name_still_works_for_an_hour(client):
    response = client.get("/static/css/shop.css")
    assert response.status_code == 200
    assert response.cache_control.max_age == 3600
    assert not response.cache_control.immutable


@pytest.mark.parametrize("path", ["/static/css/shop.0123456789.css", "/static/../pyproject.toml", "/static/nope.css"])
def test_a_stale_hash_or_a_path_outside_static_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_hash_changes_with_the_bytes(tmp_path):
    from shop.assets import build_manifest

    (tmp_path / "a.css").write_text("body{}")
    before = build_manifest(tmp_path)["a.css"]
    (tmp_path / "a.css").write_text("body{color:red}")
    after = build_manifest(tmp_path)["a.css"]
    assert before != after and before.startswith("a.") and before.endswith(".css")


def test_the_layout_links_follow_the_mount_point_of_each_request(client):
    # Worked out once per process and mount point: a shop mounted under a path (SCRIPT_NAME)
    # and one at the root, served by the same process, each keep their own.
    mounted = client.get("/blog", environ_overrides={"SCRIPT_NAME": "/boutique"}).text
    assert 'href="/boutique/shop"' in mounted and HASHED_CSS.search(mounted) is None
    assert re.search(r'href="/boutique/static/css/shop\.[0-9a-f]{10}\.css"', mounted)
    at_root = client.get("/blog").text
    assert 'href="/shop"' in at_root and "/boutique" not in at_root and HASHED_CSS.search(at_root)


# -- pages ----------------------------------------------------------------------------------


def test_a_visitor_without_a_session_gets_a_shared_short_cache_and_an_etag(seeded, client):
    response = client.get("/blog")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.cache_control.public and response.cache_control.max_age == 60
    assert "Cookie" in response.vary
    assert response.headers["ETag"]
    again = client.get("/blog", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_page_that_starts_a_session_is_private(seeded, app, client):
    app.config["WTF_CSRF_ENABLED"] = True  # a CSRF-protected form: its token starts a session
    response = client.get("/account/sign-in")
    assert "Set-Cookie" in response.headers
    assert response.cache_control.private and response.cache_control.no_cache
    assert not response.cache_control.public


def test_a_visitor_with_a_cart_is_never_served_a_shared_copy(seeded, client):
    with client.session_transaction() as session:
        session["anything"] = 1
    response = client.get("/blog")
    assert response.cache_control.private and not response.cache_control.public


def test_a_signed_in_customer_is_never_served_a_shared_copy(seeded, client, app):
    with app.app_context():
        make_user()
    sign_in(client)
    client.get("/blog")  # shows the welcome message once
    response = client.get("/blog")
    assert response.cache_control.private and response.cache_control.no_cache
    etag = response.headers["ETag"]
    assert client.get("/blog", headers={"If-None-Match": etag}).status_code == 304


def test_forms_posts_and_errors_are_not_made_cacheable(seeded, client):
    assert not client.get("/no-such-page").cache_control.public
    assert "ETag" not in client.post("/cart/add", data={}).headers


# -- health ---------------------------------------------------------------------------------


def test_health_is_ok_when_the_database_and_queue_answer(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}
    assert response.cache_control.no_store


def test_health_fails_when_the_queue_is_unreachable(client, monkeypatch):
    def unreachable(app):
        raise ConnectionError("queue down")

    monkeypatch.setattr(queue, "pending", unreachable)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ok", "queue": "unreachable"}


def test_health_fails_when_the_database_is_unreachable(client, monkeypatch):
    from shop import health

    monkeypatch.setattr(health, "text", lambda sql: text("SELECT * FROM no_such_table"))
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "unreachable", "queue": "ok"}


# -- production headers ---------------------------------------------------------------------


def test_production_sends_strict_transport_security(monkeypatch):
    production_env(monkeypatch)
    response = create_app().test_client().get("/robots.txt")
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"


def test_hsts_preload_is_opt_in(monkeypatch):
    production_env(monkeypatch, HSTS_PRELOAD="true", HSTS_MAX_AGE="31536000")
    response = create_app().test_client().get("/robots.txt")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/robots.txt").headers


# -- processes ------------------------------------------------------------------------------


class FakeConsumer:
    def __init__(self, calls, **kwargs):
        calls.append(kwargs)

    def run(self):
        pass


@pytest.mark.parametrize(
    "args, expected",
    [
        (["jobs", "worker", "--no-schedule", "--threads", "4"], {"workers": 4, "periodic": False}),
        (["jobs", "worker"], {"workers": 2, "periodic": True}),
        (["jobs", "scheduler"], {"workers": 1, "periodic": True}),
    ],
)
def test_every_consumer_knows_the_schedule_and_one_runs_it(app, runner, monkeypatch, args, expected):
    calls, registered = [], []
    huey = queue.get_huey(app)
    monkeypatch.setattr(huey, "create_consumer", lambda **kwargs: FakeConsumer(calls, **kwargs))
    monkeypatch.setattr(jobs_cli.tasks, "register", lambda huey, app: registered.append(huey))
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert registered == [huey]
    assert calls == [{"worker_type": "thread", **expected}]


def test_the_procfile_runs_web_worker_and_scheduler_apart():
    processes = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    assert set(processes) == {"release", "web", "worker", "scheduler"}
    assert "gunicorn --config gunicorn.conf.py" in processes["web"]
    assert "--no-schedule" in processes["worker"]
    assert "jobs scheduler" in processes["scheduler"]


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "9100")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("WEB_THREADS", "3")
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert (conf.bind, conf.workers, conf.threads) == ("0.0.0.0:9100", 5, 3)
    assert conf.accesslog == "-" and conf.timeout == 30


def test_make_run_takes_a_port():
    commands = subprocess.run(
        ["make", "-n", "run", "PORT=8000"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "--port 8000" in commands
    assert "http://127.0.0.1:8000" in commands  # emailed links follow unless SHOP_BASE_URL is set


def test_every_setting_the_shop_reads_is_documented_for_deployers():
    config = (ROOT / "shop/config.py").read_text()
    settings = set(re.findall(r'env(?:\.get\(|\[)"([A-Z_]+)"', config))
    deploy = (ROOT / "docs/deploy.md").read_text()
    assert settings and not {name for name in settings if f"`{name}`" not in deploy}
