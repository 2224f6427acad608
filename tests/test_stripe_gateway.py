"""The Stripe gateway through a recording stripe.HTTPClient: exactly what is sent to Stripe."""

import pytest
import stripe

from shop.orders.models import Order, OrderLine, OrderStatus, VatTreatment
from shop.payments.gateway import CheckoutRedirect, PaymentError
from shop.payments.stripe_gateway import StripeGateway

from .stripe_support import SECRET_KEY, NetworkBlocked, RecordingHTTPClient, no_internet, stripe_error  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_internet")

SUCCESS = "http://localhost/checkout/done?session_id={CHECKOUT_SESSION_ID}"
CANCEL = "http://localhost/checkout/cancelled"


def make_order(*, discount_pence=0, shipping_pence=495, country="DE", lines=None, order_id=42) -> Order:
    """An order snapshot as commerce writes it (export to Germany: VAT already off the prices)."""
    lines = lines or [
        ("Sheet Mask Set — 7-day set", "MASK-7", 1250, 2),
        ("Inspire Me Korea Magazine — Issue 1", "MAG-1", 700, 1),
    ]
    order = Order(
        id=order_id,
        number="IMK-7Q3D9",
        access_token="t" * 43,
        email="mina@example.de",
        ship_name="Mina Park",
        ship_line1="Torstraße 1",
        ship_city="Berlin",
        ship_postcode="10119",
        ship_country=country,
        status=OrderStatus.PENDING_PAYMENT,
        currency="GBP",
        vat_treatment=VatTreatment.for_country(country),
        shipping_zone="Europe",
        shipping_method="Royal Mail International Tracked",
        items_pence=sum(price * qty for _, _, price, qty in lines),
        shipping_pence=shipping_pence,
        discount_pence=discount_pence,
        total_pence=sum(price * qty for _, _, price, qty in lines) - discount_pence + shipping_pence,
        payment_attempts=1,
    )
    for name, sku, price, qty in lines:
        order.lines.append(
            OrderLine(
                name=name,
                sku=sku,
                catalogue_price_pence=price,
                unit_price_pence=price,
                quantity=qty,
                line_total_pence=price * qty,
                vat_pence=0,
                vat_rate_percent=0 if sku.startswith("MAG") else 20,
                customs_description=name,
                hs_code="3304990000",
                origin_country="KR",
                weight_g=120,
            )
        )
    return order


@pytest.fixture
def http():
    return RecordingHTTPClient()


@pytest.fixture
def gateway(http):
    return StripeGateway.from_config(
        {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_API_BASE": "https://api.stripe.com", "STRIPE_MAX_RETRIES": 0},
        http_client=http,
    )


def test_the_session_is_built_from_the_order_snapshot_in_pence(gateway, http):
    order = make_order()

    redirect = gateway.start_order_payment(order, attempt=1, success_url=SUCCESS, cancel_url=CANCEL)

    [call] = http.requests
    assert (call.method, call.url) == ("POST", "https://api.stripe.com/v1/checkout/sessions")
    assert call.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert call.idempotency_key == "order-42-attempt-1"
    assert call.params == {
        "mode": "payment",
        "line_items": [
            {
                "quantity": "2",
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": "1250",
                    "tax_behavior": "inclusive",
                    # an export: the VAT was taken off, none is inside the amount
                    "product_data": {
                        "name": "Sheet Mask Set — 7-day set",
                        "metadata": {"sku": "MASK-7", "vat_rate_percent": "0"},
                    },
                },
            },
            {
                "quantity": "1",
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": "700",
                    "tax_behavior": "inclusive",
                    "product_data": {
                        "name": "Inspire Me Korea Magazine — Issue 1",
                        "metadata": {"sku": "MAG-1", "vat_rate_percent": "0"},
                    },
                },
            },
        ],
        "shipping_options": [
            {
                "shipping_rate_data": {
                    "type": "fixed_amount",
                    "display_name": "Royal Mail International Tracked",
                    "fixed_amount": {"amount": "495", "currency": "gbp"},
                    "tax_behavior": "inclusive",
                }
            }
        ],
        "customer_email": "mina@example.de",
        "client_reference_id": "42",
        "metadata": {"order_id": "42", "order_number": "IMK-7Q3D9"},
        # the address the shop quoted ships: sent for fraud checks, never asked for again
        "payment_intent_data": {
            "metadata": {"order_id": "42", "order_number": "IMK-7Q3D9"},
            "shipping": {
                "name": "Mina Park",
                "address": {"line1": "Torstraße 1", "city": "Berlin", "postal_code": "10119", "country": "DE"},
            },
        },
        "success_url": SUCCESS,
        "cancel_url": CANCEL,
    }
    assert isinstance(redirect, CheckoutRedirect)
    assert redirect.reference.startswith("cs_test_")
    assert redirect.url == f"https://checkout.stripe.com/c/pay/{redirect.reference}"


def test_each_uk_line_tells_stripe_the_vat_rate_inside_its_amount(gateway, http):
    order = make_order(country="GB")
    gateway.start_order_payment(order, attempt=1, success_url=SUCCESS, cancel_url=CANCEL)
    [call] = http.requests
    rates = {
        item["price_data"]["product_data"]["metadata"]["sku"]: (
            item["price_data"]["tax_behavior"],
            item["price_data"]["product_data"]["metadata"]["vat_rate_percent"],
        )
        for item in call.params["line_items"]
    }
    assert rates == {"MASK-7": ("inclusive", "20"), "MAG-1": ("inclusive", "0")}


def test_a_discount_is_a_one_off_coupon_and_stripe_charges_the_order_total(gateway, http):
    order = make_order(discount_pence=320)  # items 3200, shipping 495 -> total 3375

    gateway.start_order_payment(order, attempt=1, success_url=SUCCESS, cancel_url=CANCEL)

    coupon_call, session_call = http.requests
    assert (coupon_call.method, coupon_call.path) == ("POST", "/v1/coupons")
    assert coupon_call.params == {
        "amount_off": "320",
        "currency": "gbp",
        "duration": "once",
        "max_redemptions": "1",
        "name": "Discount on order IMK-7Q3D9",
        "metadata": {"order_id": "42", "order_number": "IMK-7Q3D9"},
    }
    assert coupon_call.idempotency_key == "order-42-attempt-1-coupon"
    coupon_id = next(iter(http.coupons))
    assert session_call.params["discounts"] == [{"coupon": coupon_id}]
    assert session_call.params["shipping_options"][0]["shipping_rate_data"]["fixed_amount"]["amount"] == "495"
    items = sum(int(li["price_data"]["unit_amount"]) * int(li["quantity"]) for li in session_call.params["line_items"])
    assert items - 320 + 495 == order.total_pence == 3375


def test_a_discount_bigger_than_the_items_comes_off_the_shipping(gateway, http):
    # e.g. a free-shipping code on a cheap order, expressed as a discount on the whole order
    order = make_order(lines=[("Magazine", "MAG-1", 700, 1)], shipping_pence=995, discount_pence=1000)

    gateway.start_order_payment(order, attempt=1, success_url=SUCCESS, cancel_url=CANCEL)

    coupon_call, session_call = http.requests
    assert coupon_call.params["amount_off"] == "700"
    assert session_call.params["shipping_options"][0]["shipping_rate_data"]["fixed_amount"]["amount"] == "695"
    assert 700 - 700 + 695 == order.total_pence


def test_an_order_whose_totals_do_not_add_up_is_never_sent_to_stripe(gateway, http):
    order = make_order()
    order.total_pence += 1

    with pytest.raises(PaymentError):
        gateway.start_order_payment(order, attempt=1, success_url=SUCCESS, cancel_url=CANCEL)
    assert http.requests == []


def test_each_payment_attempt_has_its_own_idempotency_key(gateway, http):
    order = make_order(discount_pence=100)

    first = gateway.start_order_payment(order, attempt=1, success_url=SUCCESS, cancel_url=CANCEL)
    second = gateway.start_order_payment(order, attempt=2, success_url=SUCCESS, cancel_url=CANCEL)

    keys = [r.idempotency_key for r in http.requests]
    assert keys == [
        "order-42-attempt-1-coupon",
        "order-42-attempt-1",
        "order-42-attempt-2-coupon",
        "order-42-attempt-2",
    ]
    assert first.reference != second.reference


def test_a_repeated_attempt_sends_the_same_key_and_the_same_parameters(gateway, http):
    order = make_order()
    gateway.start_order_payment(order, attempt=3, success_url=SUCCESS, cancel_url=CANCEL)
    gateway.start_order_payment(order, attempt=3, success_url=SUCCESS, cancel_url=CANCEL)

    first, again = http.requests
    assert first.idempotency_key == again.idempotency_key == "order-42-attempt-3"
    assert first.params == again.params  # Stripe rejects a reused key with different parameters


def test_the_api_base_setting_points_the_client_elsewhere(http):
    gateway = StripeGateway.from_config(
        {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_API_BASE": "http://127.0.0.1:12111/", "STRIPE_MAX_RETRIES": 0},
        http_client=http,
    )
    gateway.start_order_payment(make_order(), attempt=1, success_url=SUCCESS, cancel_url=CANCEL)
    assert [r.url for r in http.requests] == ["http://127.0.0.1:12111/v1/checkout/sessions"]


def test_timeouts_and_retries_come_from_the_settings():
    gateway = StripeGateway.from_config(
        {
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_API_BASE": "https://api.stripe.com",
            "STRIPE_TIMEOUT_SECONDS": 3.5,
            "STRIPE_MAX_RETRIES": 4,
        }
    )
    requestor = gateway.client._requestor
    assert isinstance(requestor._client, stripe.RequestsClient)
    assert requestor._client._timeout == 3.5
    assert requestor._options.max_network_retries == 4


def test_a_stripe_error_becomes_a_customer_safe_payment_error(gateway, http):
    http.routes[("POST", r"/v1/checkout/sessions")] = stripe_error(
        400, "invalid_request_error", "Invalid API Key provided: sk_test_***line"
    )

    with pytest.raises(PaymentError) as raised:
        gateway.start_order_payment(make_order(), attempt=1, success_url=SUCCESS, cancel_url=CANCEL)

    message = str(raised.value)
    assert "nothing has been charged" in message and "saved" in message
    assert "API Key" not in message and "sk_test" not in message


def test_a_timeout_is_retried_as_configured_then_becomes_a_payment_error(http, monkeypatch):
    monkeypatch.setattr(stripe.HTTPClient, "_sleep_time_seconds", lambda self, n: 0)
    gateway = StripeGateway.from_config(
        {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_API_BASE": "https://api.stripe.com", "STRIPE_MAX_RETRIES": 2},
        http_client=http,
    )

    def timeout(req):
        raise stripe.APIConnectionError("Read timed out. (read timeout=10)", should_retry=True)

    http.routes[("POST", r"/v1/checkout/sessions")] = timeout

    with pytest.raises(PaymentError) as raised:
        gateway.start_order_payment(make_order(), attempt=1, success_url=SUCCESS, cancel_url=CANCEL)

    assert "couldn't reach" in str(raised.value)
    attempts = http.calls("POST", "/v1/checkout/sessions")
    assert len(attempts) == 3  # the first try and STRIPE_MAX_RETRIES=2 retries
    assert {r.idempotency_key for r in attempts} == {"order-42-attempt-1"}  # a retry can never double-create


def test_no_request_ever_leaves_this_machine(no_internet):
    import requests

    with pytest.raises(NetworkBlocked):
        requests.get("https://api.stripe.com/v1/charges", timeout=1)
    assert no_internet == ["api.stripe.com"]
    no_internet.clear()  # the guard itself proved it works; let the fixture's final check pass


def test_production_refuses_a_stripe_key_without_a_webhook_secret(monkeypatch):
    from shop import create_app
    from shop.config import ConfigError

    monkeypatch.setenv("SHOP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://shop@db/shop")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_example")
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    with pytest.raises(ConfigError, match="STRIPE_WEBHOOK_SECRET"):
        create_app()


def test_stripe_settings_come_from_the_environment(monkeypatch):
    from shop import create_app

    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_from_env")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_from_env")
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:12111")
    monkeypatch.setenv("STRIPE_TIMEOUT_SECONDS", "4")
    monkeypatch.setenv("STRIPE_MAX_RETRIES", "1")
    config = create_app().config
    assert (config["STRIPE_SECRET_KEY"], config["STRIPE_WEBHOOK_SECRET"], config["STRIPE_API_BASE"]) == (
        "sk_test_from_env",
        "whsec_from_env",
        "http://127.0.0.1:12111",
    )
    assert (config["STRIPE_TIMEOUT_SECONDS"], config["STRIPE_MAX_RETRIES"]) == (4.0, 1)


def test_the_csp_lets_the_pay_form_reach_a_local_stripe_double_outside_production_only():
    from shop.security import CONTENT_SECURITY_POLICY, content_security_policy

    assert content_security_policy({"STRIPE_API_BASE": "https://api.stripe.com"}) == CONTENT_SECURITY_POLICY
    local = content_security_policy({"SHOP_ENV": "development", "STRIPE_API_BASE": "http://127.0.0.1:12111/"})
    assert "form-action 'self' http://127.0.0.1:12111 https://checkout.stripe.com" in local
    assert content_security_policy({"SHOP_ENV": "production", "STRIPE_API_BASE": "http://127.0.0.1:12111"}) == (
        CONTENT_SECURITY_POLICY
    )
