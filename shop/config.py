"""Configuration from environment variables, with development defaults.

Development runs on embedded defaults (SQLite in instance/, demo payments, email
written to instance/outbox/). Production (SHOP_ENV=production) refuses to start
without a real SECRET_KEY and DATABASE_URL.
"""

import os
from pathlib import Path

DEV_SECRET_KEY = "dev-only-not-secret"
DEV_BASE_URL = "http://127.0.0.1:5000"


class ConfigError(RuntimeError):
    """The configuration cannot run the shop safely."""


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver the shop installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(instance_path: str) -> dict:
    env = os.environ
    production = env.get("SHOP_ENV", "development") == "production"
    database_url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'shop.db'}"
    return {
        "SHOP_ENV": "production" if production else "development",
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "DATABASE_URL_SET": bool(env.get("DATABASE_URL")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "SERVER_NAME": env.get("SERVER_NAME"),
        "SHOP_BASE_URL": env.get("SHOP_BASE_URL", DEV_BASE_URL),
        # How many proxies (load balancers) sit in front of the app and set X-Forwarded-*.
        "PROXY_HOPS": int(env.get("PROXY_HOPS", "0")),
        # Strict-Transport-Security in production: how long browsers remember to use https only,
        # and whether to ask to be on the browsers' preload list (hard to undo: opt in).
        "HSTS_MAX_AGE": int(env.get("HSTS_MAX_AGE", str(2 * 365 * 24 * 3600))),
        "HSTS_PRELOAD": env.get("HSTS_PRELOAD", "false").lower() == "true",
        "SHOP_CONTENT_DIR": env.get("SHOP_CONTENT_DIR", str(Path(__file__).resolve().parent.parent / "content")),
        "POSTS_PER_PAGE": int(env.get("POSTS_PER_PAGE", "6")),
        "PRODUCTS_PER_PAGE": int(env.get("PRODUCTS_PER_PAGE", "24")),
        # Compress text responses (http_caching.py); off when the front server compresses.
        "COMPRESS_RESPONSES": env.get("COMPRESS_RESPONSES", "true").lower() == "true",
        # Each web process keeps a page rendered for a visitor with no session this many
        # seconds (http_caching.py); 0 turns it off. Unset: 30, or 0 in tests and debug.
        **({"PAGE_CACHE_SECONDS": int(env["PAGE_CACHE_SECONDS"])} if env.get("PAGE_CACHE_SECONDS") else {}),
        "GIFT_CLAIM_DAYS": int(env.get("GIFT_CLAIM_DAYS", "180")),
        # How long reading a blog post credits it with the reader's order or subscription
        # (blog/attribution.py); 0 turns attribution and its cookie off.
        "ATTRIBUTION_DAYS": int(env.get("ATTRIBUTION_DAYS", "30")),
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        # Uploaded pictures (core/images.py): where they are kept, and the largest accepted.
        **({"MEDIA_FOLDER": env["MEDIA_FOLDER"]} if env.get("MEDIA_FOLDER") else {}),
        "MEDIA_MAX_BYTES": int(env.get("MEDIA_MAX_BYTES", str(5 * 1024 * 1024))),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Email: SMTP when MAIL_SERVER is set, else written to MAIL_OUTBOX_DIR (instance/outbox/).
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "true").lower() == "true",
        "MAIL_USE_SSL": env.get("MAIL_USE_SSL", "false").lower() == "true",
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "10")),
        "MAIL_FROM": env.get("MAIL_FROM", "hello@inspiremekorea.co.uk"),
        "MAIL_FROM_NAME": env.get("MAIL_FROM_NAME", "Inspire Me Korea"),
        **({"MAIL_OUTBOX_DIR": env["MAIL_OUTBOX_DIR"]} if env.get("MAIL_OUTBOX_DIR") else {}),
        # Stripe: payments go through Stripe when STRIPE_SECRET_KEY is set, else the demo gateway.
        # STRIPE_API_BASE points the client elsewhere (stripe-mock, the local test double).
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE", "https://api.stripe.com"),
        "STRIPE_TIMEOUT_SECONDS": float(env.get("STRIPE_TIMEOUT_SECONDS", "10")),
        "STRIPE_MAX_RETRIES": int(env.get("STRIPE_MAX_RETRIES", "2")),
        # Jobs (emails, Stripe calls): the queue's storage (redis://, postgresql://, or a SQLite
        # file in instance/ when unset), and how often a failing job is tried, with what backoff.
        "JOBS_BROKER_URL": env.get("JOBS_BROKER_URL", ""),
        "JOBS_MAX_ATTEMPTS": int(env.get("JOBS_MAX_ATTEMPTS", "12")),
        "JOBS_RETRY_DELAY": float(env.get("JOBS_RETRY_DELAY", "30")),
        "JOBS_RETRY_BACKOFF": float(env.get("JOBS_RETRY_BACKOFF", "2")),
        "JOBS_RETRY_MAX_DELAY": float(env.get("JOBS_RETRY_MAX_DELAY", "3600")),
        "JOBS_REDISPATCH_AFTER": float(env.get("JOBS_REDISPATCH_AFTER", "300")),
        "JOBS_KEEP_DONE_DAYS": int(env.get("JOBS_KEEP_DONE_DAYS", "30")),
        **({"JOBS_IMMEDIATE": env["JOBS_IMMEDIATE"].lower() == "true"} if env.get("JOBS_IMMEDIATE") else {}),
        # Unpaid orders expire after this (the worker's schedule); unset: 1500 with Stripe (a
        # Checkout Session lives 24 hours), 90 with the demo gateway.
        "ORDERS_EXPIRE_AFTER_MINUTES": int(env.get("ORDERS_EXPIRE_AFTER_MINUTES", "0")) or None,
        # How many days before a Culture Box renewal its reminder email goes out.
        "BOX_REMINDER_DAYS": int(env.get("BOX_REMINDER_DAYS", "5")),
    }


def check_production(config: dict) -> None:
    """Refuse a production start on development defaults."""
    if config.get("SHOP_ENV") != "production" or config.get("TESTING"):
        return
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET_KEY or len(secret) < 32:
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    if not config.get("DATABASE_URL_SET"):
        problems.append("DATABASE_URL must be set (PostgreSQL in production)")
    if not str(config.get("SHOP_BASE_URL", DEV_BASE_URL)).startswith("https://"):
        problems.append("SHOP_BASE_URL must be the shop's public https:// address (emailed links are built on it)")
    if config.get("STRIPE_SECRET_KEY") and not config.get("STRIPE_WEBHOOK_SECRET"):
        problems.append(
            "STRIPE_WEBHOOK_SECRET must be set when STRIPE_SECRET_KEY is (payments are confirmed by webhooks)"
        )
    if not config.get("STRIPE_SECRET_KEY"):
        problems.append(
            "STRIPE_SECRET_KEY must be set: the demo payment gateway takes no money and never runs in production"
        )
    if not str(config.get("JOBS_BROKER_URL") or "").startswith(
        ("redis://", "rediss://", "postgres://", "postgresql://")
    ):
        problems.append(
            "JOBS_BROKER_URL must be a redis:// or postgresql:// queue that every web and worker process shares"
        )
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))
