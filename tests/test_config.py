import pytest
from flask import request

from shop import create_app
from shop.config import ConfigError, normalise_database_url

PRODUCTION = {
    "SHOP_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "DATABASE_URL": "postgresql://shop@db/shop",
    "STRIPE_SECRET_KEY": "sk_live_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_example",
    "SHOP_BASE_URL": "https://inspiremekorea.co.uk",
    "JOBS_BROKER_URL": "redis://queue:6379/1",
}


def production_env(monkeypatch, **changes):
    """A complete production environment, with `changes` applied (None removes a variable)."""
    for name, value in {**PRODUCTION, **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_production_with_real_settings_starts_with_secure_cookies(monkeypatch):
    production_env(monkeypatch)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://shop@db/shop"


@pytest.mark.parametrize(
    "changes, complaint",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY must be set"),
        ({"DATABASE_URL": None}, "DATABASE_URL must be set"),
        ({"SHOP_BASE_URL": None}, "SHOP_BASE_URL must be"),
        ({"SHOP_BASE_URL": "http://inspiremekorea.co.uk"}, "SHOP_BASE_URL must be"),
        ({"JOBS_BROKER_URL": None}, "JOBS_BROKER_URL must be"),
        ({"JOBS_BROKER_URL": "sqlite:///instance/jobs-queue.sqlite"}, "JOBS_BROKER_URL must be"),
    ],
)
def test_production_refuses_to_start_on_development_defaults(monkeypatch, changes, complaint):
    production_env(monkeypatch, **changes)
    with pytest.raises(ConfigError, match=complaint):
        create_app()


def test_development_defaults_to_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("SHOP_ENV", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/shop.db")


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_are_pointed_at_psycopg(given, expected):
    assert normalise_database_url(given) == expected


def test_behind_a_load_balancer_the_customers_address_is_seen():
    app = create_app({"TESTING": True, "PROXY_HOPS": 1})
    seen = {}

    @app.get("/whoami")
    def whoami():
        seen["ip"], seen["scheme"] = request.remote_addr, request.scheme
        return ""

    app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == {"ip": "203.0.113.9", "scheme": "https"}
