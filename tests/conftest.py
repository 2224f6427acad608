"""Fixtures: every test that asks for `app` runs once on SQLite and, when
TEST_DATABASE_URL is set, once more on PostgreSQL, against a migrated schema.

Each database is migrated once per session, and the demo content is loaded once into a
second one; a test runs inside a transaction that is rolled back afterwards (see
dbs.rolled_back), so a test sees an empty shop (`app`) or the demo content (`seeded`)
without paying to build either. A test whose writes must be seen by another thread or
connection (a live server, racing buyers) opts into real commits, with the `real_commits`
marker or fixture (a test that takes `database_url` to build its own app has them too): it
gets the empty database, seeded for it if it asks, and emptied after.
"""

import inspect
from contextlib import ExitStack

import pytest
from itsdangerous import BadSignature

from shop import create_app
from shop import seed as demo
from shop.extensions import db
from shop.sessions import SessionCookies

from .dbs import (
    BACKENDS,
    assert_unchanged,
    backend_of,
    empty_all_tables,
    empty_database,
    migrate_to_head,
    rolled_back,
    row_counts,
    seed_database,
)
from .stripe_support import no_internet  # noqa: F401  (fixture, used by `offline` below)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        migrate_to_head(url)
        empty = row_counts(url)
        yield url
        assert_unchanged(url, empty)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "real_commits: the test's commits are real (other threads and connections see them); "
        "its tables are emptied afterwards instead of its transaction rolled back",
    )


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory):
    """backend -> URL of a migrated database holding the demo content, built on first use."""
    urls: dict[str, str] = {}
    seeded_rows: dict[str, dict[str, int]] = {}
    with ExitStack() as cleanup:

        def url_for(backend: str) -> str:
            if backend not in urls:
                url = cleanup.enter_context(empty_database(backend, tmp_path_factory.mktemp("seeded-db")))
                migrate_to_head(url)
                seed_database(url)
                urls[backend] = url
                seeded_rows[url] = row_counts(url)
            return urls[backend]

        yield url_for
        for url, rows in seeded_rows.items():
            assert_unchanged(url, rows)


@pytest.fixture
def real_commits():
    """Ask for this (or mark the test real_commits) when the test's writes must be committed."""


def _needs_real_commits(request) -> bool:
    # A test that takes database_url itself builds another app on it, with its own engine.
    own_arguments = inspect.signature(request.function).parameters
    return (
        "real_commits" in request.fixturenames
        or "database_url" in own_arguments
        or request.node.get_closest_marker("real_commits") is not None
    )


class ClockTravellingSessions(SessionCookies):
    """Tests move the clock with time_machine, backwards too: a session cookie signed at the
    real time is "signed in the future" to a clock frozen at an earlier date, and Flask
    would drop it (the visitor signed out, mid-test). A real clock never runs backwards, so
    the test app reads a cookie with a good signature whatever its timestamp."""

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        try:
            return self.session_class(serializer.loads(cookie))
        except BadSignature:
            return self.session_class()


@pytest.fixture
def app(request, database_url, seeded_database, tmp_path):
    real = _needs_real_commits(request)
    url = database_url
    if not real and "seeded" in request.fixturenames:
        url = seeded_database(backend_of(database_url))
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "SHOP_BASE_URL": "http://localhost",
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        }
    )
    app.session_interface = ClockTravellingSessions()
    app.extensions["tests_commit_for_real"] = real
    if not real:
        with rolled_back(app):
            yield app
        return
    yield app
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seeded(app):
    """The demo content from content/, as `flask shop seed` loads it: already in the seeded
    database, or loaded now into the empty one for a test with real commits."""
    if app.extensions["tests_commit_for_real"]:
        with app.app_context():
            demo.load_all(app.config["SHOP_CONTENT_DIR"])
    return app


@pytest.fixture(autouse=True)
def offline(no_internet):
    """Every test fails if it resolves or connects to a host other than this machine:
    nothing ever reaches api.stripe.com (or anywhere else). See tests/stripe_support.py."""
    yield
