"""Payments: `get_gateway()` picks the provider — Stripe when STRIPE_SECRET_KEY is set,
otherwise the local demo gateway (which refuses to exist in production) — and
`init_app` registers the payment pages."""

from flask import Flask, current_app

from .gateway import CheckoutRedirect, PaymentError, PaymentGateway

__all__ = ["CheckoutRedirect", "PaymentError", "PaymentGateway", "get_gateway", "init_app"]


def get_gateway() -> PaymentGateway:
    config = current_app.config
    if config.get("STRIPE_SECRET_KEY"):
        from .stripe_gateway import StripeGateway

        return StripeGateway.from_config(config)
    from .demo import DemoGateway

    return DemoGateway.from_config(config)


def init_app(app: Flask) -> None:
    from . import stripe_jobs  # noqa: F401  (registers the Stripe job handlers)
