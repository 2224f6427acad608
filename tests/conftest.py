"""Fixtures: every test that asks for `app` runs once on SQLite and, when
TEST_DATABASE_URL is set, once more on PostgreSQL, against a migrated schema."""

import pytest

from shop import create_app
from shop import seed as demo
from shop.extensions import db

from .dbs import BACKENDS, empty_all_tables, empty_database, migrate_to_head
from .stripe_support import no_internet  # noqa: F401  (fixture, used by `offline` below)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        migrate_to_head(url)
        yield url


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "SHOP_BASE_URL": "http://localhost",
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        }
    )
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
    """The demo content from content/, as `flask shop seed` loads it."""
    with app.app_context():
        demo.load_all(app.config["SHOP_CONTENT_DIR"])
    return app


@pytest.fixture(autouse=True)
def offline(no_internet):
    """Every test fails if it resolves or connects to a host other than this machine:
    nothing ever reaches api.stripe.com (or anywhere else). See tests/stripe_support.py."""
    yield
