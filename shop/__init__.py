"""Inspire Me Korea: the shop's application factory."""

from pathlib import Path

from flask import Flask

from . import config as shop_config
from .extensions import csrf, db, limiter, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(shop_config.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    shop_config.check_production(app.config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)

    from . import (
        accounts,
        admin,
        assets,
        blog,
        cart,
        catalog,
        comments,
        edges,
        http_caching,
        jobs,
        models,  # noqa: F401  (registers every table with the metadata)
        newsletter,
        notifications,
        orders,
        pages,
        payments,
        security,
        sessions,
        subscriptions,
        templating,
    )
    from .core import images

    jobs.init_app(app)
    templating.init_app(app)
    images.init_app(app)
    notifications.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    assets.init_app(app)
    http_caching.init_app(app)
    pages.init_app(app)
    subscriptions.init_app(app)
    blog.init_app(app)
    catalog.init_app(app)
    comments.init_app(app)
    newsletter.init_app(app)
    cart.init_app(app)
    orders.init_app(app)
    payments.init_app(app)
    accounts.init_app(app)
    admin.init_app(app)
    edges.init_app(app)
    return app
