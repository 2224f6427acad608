"""The one StripeClient the shop's Stripe code uses, built from the app's settings."""

from collections.abc import Mapping
from typing import Any

import stripe


def stripe_client(config: Mapping[str, Any], *, http_client: stripe.HTTPClient | None = None) -> stripe.StripeClient:
    """Key, API base, timeout and retries from the settings. `http_client` (or the
    STRIPE_HTTP_CLIENT setting, for tests) replaces the network client; by default requests
    is used with STRIPE_TIMEOUT_SECONDS as its timeout."""
    secret_key = config.get("STRIPE_SECRET_KEY")
    if not secret_key:
        raise RuntimeError("STRIPE_SECRET_KEY is not set: the Stripe gateway cannot be used")
    http_client = http_client or config.get("STRIPE_HTTP_CLIENT")
    if http_client is None:
        http_client = stripe.RequestsClient(timeout=float(config.get("STRIPE_TIMEOUT_SECONDS", 10)))
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": (config.get("STRIPE_API_BASE") or stripe.DEFAULT_API_BASE).rstrip("/")},
        max_network_retries=int(config.get("STRIPE_MAX_RETRIES", 2)),
        http_client=http_client,
    )
