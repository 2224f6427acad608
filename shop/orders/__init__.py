from flask import Flask


def init_app(app: Flask) -> None:
    from . import (
        accounts,
        cli,
        demo_sales,
        stripe_events,  # noqa: F401  (registers its handlers)
        views,
    )
    from .models import OrderStatus

    accounts.connect()
    demo_sales.register()
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.orders_cli)
    app.jinja_env.globals["OrderStatus"] = OrderStatus
