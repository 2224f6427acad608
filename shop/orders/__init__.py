from flask import Flask


def init_app(app: Flask) -> None:
    from . import (
        accounts,
        demo_sales,
        stripe_events,  # noqa: F401  (registers its handlers)
    )
    from .models import OrderStatus

    accounts.connect()
    demo_sales.register()
    app.jinja_env.globals["OrderStatus"] = OrderStatus
