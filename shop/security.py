"""Security headers on every response: a strict Content-Security-Policy (no inline script), and
in production Strict-Transport-Security."""

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, current_app
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .core.forms import LARGEST_ID

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self' https://checkout.stripe.com https://billing.stripe.com",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def content_security_policy(config) -> str:
    """The policy. Outside production, a STRIPE_API_BASE other than Stripe's (the local Stripe
    double, see docs/payments.md) also hosts the checkout page the pay form redirects to."""
    api_base = config.get("STRIPE_API_BASE") or ""
    if config.get("SHOP_ENV") == "production" or not api_base or api_base.startswith("https://api.stripe.com"):
        return CONTENT_SECURITY_POLICY
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(api_base))
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {origin}", 1)


def security_headers(config) -> list[tuple[str, str]]:
    headers = [
        ("Content-Security-Policy", content_security_policy(config)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
    ]
    if config["SHOP_ENV"] == "production":
        headers.append(("Strict-Transport-Security", strict_transport_security(config)))
    return headers


@lru_cache(maxsize=8)
def _security_headers_for(shop_env, stripe_api_base, hsts_max_age, hsts_preload) -> tuple[tuple[str, str], ...]:
    config = {
        "SHOP_ENV": shop_env,
        "STRIPE_API_BASE": stripe_api_base,
        "HSTS_MAX_AGE": hsts_max_age,
        "HSTS_PRELOAD": hsts_preload,
    }
    return tuple(security_headers(config))


def add_security_headers(response: Response) -> Response:
    # Built once per configuration: every response, a kept page's too, carries them.
    config = current_app.config
    headers = response.headers
    for name, value in _security_headers_for(
        config["SHOP_ENV"], config.get("STRIPE_API_BASE"), config.get("HSTS_MAX_AGE"), config.get("HSTS_PRELOAD")
    ):
        if name not in headers:  # a response that chose its own keeps it
            headers.add(name, value)
    return response


def strict_transport_security(config) -> str:
    value = f"max-age={config['HSTS_MAX_AGE']}; includeSubDomains"
    return value + "; preload" if config["HSTS_PRELOAD"] else value


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: a number no row can have is a 404, not a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    # Before any blueprint is registered: routes bind their converters when added.
    app.url_map.converters["int"] = RowIdConverter
    app.after_request(add_security_headers)
    if hops := app.config.get("PROXY_HOPS"):
        # Trust X-Forwarded-For/Proto/Host from exactly that many proxies, so rate limits
        # and https URLs see the customer, not the load balancer.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config["SHOP_ENV"] == "production":
        app.config["REMEMBER_COOKIE_SECURE"] = True
