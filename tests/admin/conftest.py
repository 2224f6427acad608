from types import SimpleNamespace

import pytest

from shop.extensions import limiter

from .factories import make_admin, sign_in_admin


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def admin(app):
    """The admin's id and email (the row itself belongs to the app context that made it)."""
    with app.app_context():
        user = make_admin()
        return SimpleNamespace(id=user.id, email=user.email)


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    sign_in_admin(app, client)
    return client
