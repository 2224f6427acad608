"""The Culture Box on Stripe Billing through the recording HTTP client: exactly what the
gateway sends to Stripe, and that a Stripe error changes nothing in the shop."""

import dataclasses
from datetime import timedelta

import pytest
import stripe
from sqlalchemy import select

from shop.core.addresses import PostalAddress
from shop.core.calendar import add_months, billing_at, first_box_month
from shop.db_types import utcnow
from shop.extensions import db
from shop.payments.gateway import CheckoutRedirect, PaymentError
from shop.payments.stripe_gateway import StripeGateway
from shop.subscriptions import lifecycle, manage
from shop.subscriptions.models import Skip, Subscription
from shop.subscriptions.models import SubscriptionStatus as S
from shop.subscriptions.pricing import quote

from ..box_factories import make_edition, make_subscription
from ..stripe_support import SECRET_KEY, stripe_error
from .support import BillingHTTPClient, subscription_item

SUCCESS = "http://localhost/culture-box/welcome?session_id={CHECKOUT_SESSION_ID}"
CANCEL = "http://localhost/culture-box/subscribe"


@pytest.fixture
def http():
    return BillingHTTPClient()


@pytest.fixture
def shop(seeded, http):
    seeded.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_HTTP_CLIENT=http, STRIPE_MAX_RETRIES=0)
    with seeded.app_context():
        yield seeded


@pytest.fixture
def gateway(shop):
    return StripeGateway.from_config(shop.config)


def pending(plan_code: str, country: str) -> Subscription:
    return make_subscription(plan_code, first_month=first_box_month(utcnow()), country=country, paid=False)


def linked(plan_code: str = "monthly", country: str = "GB") -> Subscription:
    sub = make_subscription(plan_code, first_month=first_box_month(utcnow()), country=country)
    sub.provider, sub.provider_subscription_id, sub.provider_customer_id = (
        "stripe",
        "sub_test_linked",
        "cus_test_linked",
    )
    db.session.commit()
    return sub


def address_metadata(sub) -> dict:
    """The subscription's delivery address as the gateway puts it in Stripe metadata."""
    return {
        "ship_name": sub.ship_name,
        "ship_line1": sub.ship_line1,
        "ship_line2": sub.ship_line2,
        "ship_city": sub.ship_city,
        "ship_postcode": sub.ship_postcode,
    }


def shipping(sub) -> dict:
    """The delivery address in Stripe's `shipping` shape (empty parts left out)."""
    address = {
        "line1": sub.ship_line1,
        "line2": sub.ship_line2,
        "city": sub.ship_city,
        "state": sub.ship_region,
        "postal_code": sub.ship_postcode,
        "country": sub.ship_country,
    }
    details = {"name": sub.ship_name, "address": {k: v for k, v in address.items() if v}}
    return {**details, "phone": sub.ship_phone} if sub.ship_phone else details


def start(gateway, sub):
    box_quote = quote(sub.plan, sub.ship_country)
    renews_at = billing_at(add_months(sub.first_month, sub.plan.months)) if sub.plan.renews else None
    return gateway.start_subscription_payment(
        sub, box_quote, first_renewal_at=renews_at, success_url=SUCCESS, cancel_url=CANCEL
    ), renews_at


def recurring_line(name, amount, line, months, vat="0"):
    """`vat`: the UK VAT rate inside the amount (0 for an export: its VAT was taken off)."""
    return {
        "quantity": "1",
        "price_data": {
            "currency": "gbp",
            "unit_amount": str(amount),
            "tax_behavior": "inclusive",
            "product_data": {"name": name, "metadata": {"line": line, "vat_rate_percent": vat}},
            "recurring": {"interval": "month", "interval_count": str(months)},
        },
    }


def one_time_line(name, amount, line, vat="0"):
    return {
        "quantity": "1",
        "price_data": {
            "currency": "gbp",
            "unit_amount": str(amount),
            "tax_behavior": "inclusive",
            "product_data": {"name": name, "metadata": {"line": line, "vat_rate_percent": vat}},
        },
    }


# -- the first payment -----------------------------------------------------------------------


def test_monthly_to_canada_recurring_box_and_zone_shipping_plus_the_first_payment_now(gateway, http):
    sub = pending("monthly", "CA")

    redirect, renews_at = start(gateway, sub)

    [call] = http.requests
    assert (call.method, call.path) == ("POST", "/v1/checkout/sessions")
    assert call.idempotency_key == f"culture-box-{sub.id}-{int(sub.created_at.timestamp())}-checkout"
    meta = {
        "subscription_id": str(sub.id),
        "plan": "monthly",
        "ship_country": "CA",
        "first_month": f"{sub.first_month:%Y-%m}",
    }
    box, shipping = "Culture Box — Monthly", "Culture Box shipping to North America (1 box)"
    assert call.params == {
        "mode": "subscription",
        "line_items": [
            # £24.99 less UK VAT for an export; North America's £9.95 a box, less VAT
            recurring_line(box, 2082, "box", 1),
            recurring_line(shipping, 829, "shipping", 1),
            one_time_line(f"{box}: first payment", 2082, "first_box"),
            one_time_line(f"{shipping}: first payment", 829, "first_shipping"),
        ],
        # the shop's quoted address rides on the Stripe subscription; Stripe's page asks for none
        "subscription_data": {
            "trial_end": str(int(renews_at.timestamp())),
            "metadata": {**meta, **address_metadata(sub)},
        },
        "metadata": {**meta, "purpose": "culture_box"},
        "customer_email": sub.email,
        "client_reference_id": f"culture-box-{sub.id}",
        "success_url": SUCCESS,
        "cancel_url": CANCEL,
    }
    # the first renewal is on a billing day: 09:00 UTC on the 1st of the month after the first box
    assert (renews_at.day, renews_at.hour, renews_at.minute) == (1, 9, 0)
    assert renews_at.date() == add_months(sub.first_month, 1)
    assert isinstance(redirect, CheckoutRedirect) and redirect.reference.startswith("cs_test_")
    assert redirect.url == f"https://checkout.stripe.com/c/pay/{redirect.reference}"


def test_prepaid_3_in_the_uk_has_no_shipping_line_and_renews_every_three_months(gateway, http):
    sub = pending("prepaid-3", "GB")

    start(gateway, sub)

    [call] = http.requests
    box = "Culture Box — 3 months prepaid"
    assert call.params["line_items"] == [
        recurring_line(box, 7047, "box", 3, vat="20"),
        one_time_line(f"{box}: first payment", 7047, "first_box", vat="20"),
    ]
    renews_at = billing_at(add_months(sub.first_month, 3))
    assert call.params["subscription_data"]["trial_end"] == str(int(renews_at.timestamp()))
    assert "shipping_address_collection" not in call.params


def test_a_gift_its_recipient_will_claim_sends_stripe_no_address(gateway, http):
    sub = pending("gift-6", "DE")
    sub.ship_line1 = sub.ship_line2 = sub.ship_city = sub.ship_postcode = ""  # sent by email: no address yet
    db.session.commit()

    start(gateway, sub)

    [call] = http.requests
    assert "shipping" not in call.params["payment_intent_data"]


def test_the_state_and_the_couriers_phone_go_to_stripe_with_the_address(gateway, http):
    sub = pending("gift-6", "DE")
    sub.ship_region, sub.ship_phone = "Berlin", "+49 30 1234567"
    db.session.commit()

    start(gateway, sub)

    [call] = http.requests
    sent = call.params["payment_intent_data"]["shipping"]
    assert sent["address"]["state"] == "Berlin" and sent["phone"] == "+49 30 1234567"


def test_a_gift_of_6_is_one_payment_for_six_boxes(gateway, http):
    sub = pending("gift-6", "DE")

    start(gateway, sub)

    [call] = http.requests
    meta = {
        "subscription_id": str(sub.id),
        "plan": "gift-6",
        "ship_country": "DE",
        "first_month": f"{sub.first_month:%Y-%m}",
        "purpose": "culture_box_gift",
    }
    assert call.params == {
        "mode": "payment",
        "line_items": [one_time_line("Culture Box — Gift of 6 months", 11245, "box")],
        "shipping_options": [
            {
                "shipping_rate_data": {
                    "type": "fixed_amount",
                    "display_name": "Culture Box shipping to Europe (6 boxes)",
                    "fixed_amount": {"amount": "3250", "currency": "gbp"},
                    "tax_behavior": "inclusive",
                }
            }
        ],
        "metadata": meta,
        # the shop's quoted address is sent for fraud checks; Stripe's page asks for none
        "payment_intent_data": {"metadata": meta, "shipping": shipping(sub)},
        "customer_email": sub.email,
        "client_reference_id": f"culture-box-{sub.id}",  # never a bare number an order id could match
        "success_url": SUCCESS,
        "cancel_url": CANCEL,
    }
    assert 11245 + 3250 == quote(sub.plan, "DE").totals.total_pence


def test_a_retried_start_reuses_the_idempotency_key_and_a_new_subscription_gets_its_own(gateway, http):
    sub = pending("monthly", "GB")
    other = pending("monthly", "GB")

    start(gateway, sub)
    start(gateway, sub)
    start(gateway, other)

    keys = [r.idempotency_key for r in http.requests]
    assert keys[0] == keys[1] != keys[2]
    assert keys[2].startswith(f"culture-box-{other.id}-")


def test_a_quote_that_does_not_add_up_is_refused_before_calling_stripe(gateway, http):
    sub = pending("monthly", "CA")
    box_quote = quote(sub.plan, "CA")
    broken = dataclasses.replace(box_quote, totals=dataclasses.replace(box_quote.totals, total_pence=2000))

    with pytest.raises(PaymentError, match="nothing has been charged"):
        gateway.start_subscription_payment(
            sub, broken, first_renewal_at=utcnow() + timedelta(days=30), success_url=SUCCESS, cancel_url=CANCEL
        )
    assert http.requests == []


def test_a_first_renewal_under_48_hours_away_is_refused_before_calling_stripe(gateway, http):
    sub = pending("monthly", "GB")
    with pytest.raises(PaymentError):
        gateway.start_subscription_payment(
            sub,
            quote(sub.plan, "GB"),
            first_renewal_at=utcnow() + timedelta(hours=47),
            success_url=SUCCESS,
            cancel_url=CANCEL,
        )
    assert http.requests == []


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(stripe_error(400, "invalid_request_error", "Invalid trial_end"), id="refused"),
        pytest.param("timeout", id="timeout"),
    ],
)
def test_stripe_refusing_or_timing_out_at_checkout_is_a_payment_error(gateway, http, failure):
    def timeout(req):
        raise stripe.APIConnectionError("Request timed out")

    http.routes[("POST", r"/v1/checkout/sessions")] = timeout if failure == "timeout" else failure
    sub = pending("monthly", "GB")
    with pytest.raises(PaymentError, match="nothing has been charged"):
        start(gateway, sub)


# -- changes to a running subscription ---------------------------------------------------------


def test_reschedule_moves_the_next_renewal_without_proration(gateway, http):
    sub = linked()
    due = billing_at(add_months(first_box_month(utcnow()), 2))

    gateway.reschedule(sub, due)

    [call] = http.requests
    assert (call.method, call.path) == ("POST", "/v1/subscriptions/sub_test_linked")
    assert call.params == {"trial_end": str(int(due.timestamp())), "proration_behavior": "none"}


def test_reschedule_to_a_moment_already_past_charges_now(gateway, http):
    sub = linked()
    gateway.reschedule(sub, utcnow() - timedelta(hours=1))
    assert http.requests[0].params == {"trial_end": "now", "proration_behavior": "none"}


def test_pause_voids_invoices_and_resume_clears_it_and_sets_the_next_renewal(gateway, http):
    sub = linked()
    due = billing_at(add_months(first_box_month(utcnow()), 1))

    gateway.pause(sub)
    gateway.resume(sub, due)

    paused, resumed = http.requests
    assert paused.path == resumed.path == "/v1/subscriptions/sub_test_linked"
    assert paused.params == {"pause_collection": {"behavior": "void"}}
    assert resumed.params == {
        "pause_collection": "",
        "trial_end": str(int(due.timestamp())),
        "proration_behavior": "none",
    }


def test_cancel_is_cancel_at_period_end(gateway, http):
    sub = linked()
    gateway.cancel_at_period_end(sub)
    [call] = http.requests
    assert (call.path, call.params) == ("/v1/subscriptions/sub_test_linked", {"cancel_at_period_end": "true"})


def test_keeping_takes_the_cancellation_back(gateway, http):
    sub = linked()
    gateway.keep_renewing(sub)
    [call] = http.requests
    assert (call.path, call.params) == ("/v1/subscriptions/sub_test_linked", {"cancel_at_period_end": "false"})


def test_moving_from_the_uk_to_canada_reprices_the_box_and_adds_a_shipping_item(gateway, http):
    sub = linked("monthly", "GB")
    box_item = subscription_item("box", 2499)
    http.subscriptions["sub_test_linked"] = [box_item]

    gateway.change_amount(sub, quote(sub.plan, "CA"))

    retrieve, product, update = http.requests
    assert (retrieve.method, retrieve.path) == ("GET", "/v1/subscriptions/sub_test_linked")
    assert retrieve.params == {"expand": ["items.data.price.product"]}
    assert (product.method, product.path) == ("POST", "/v1/products")
    assert product.params == {"name": "Culture Box shipping to North America (1 box)", "metadata": {"line": "shipping"}}
    assert product.idempotency_key == f"culture-box-{sub.id}-shipping-product-CA"
    new_product = update.params["items"][1]["price_data"]["product"]
    assert new_product.startswith("prod_test_")
    recurring = {"interval": "month", "interval_count": "1"}
    assert update.params == {
        "items": [
            {
                "id": box_item["id"],
                "price_data": {
                    "currency": "gbp",
                    "product": box_item["price"]["product"]["id"],
                    "unit_amount": "2082",
                    "recurring": recurring,
                },
            },
            {
                "price_data": {"currency": "gbp", "product": new_product, "unit_amount": "829", "recurring": recurring},
                "quantity": "1",
            },
        ],
        "proration_behavior": "none",
        "metadata": {"ship_country": "CA", **address_metadata(sub)},
    }


def test_moving_from_canada_to_the_uk_removes_the_shipping_item(gateway, http):
    sub = linked("monthly", "CA")
    box_item, shipping_item = subscription_item("box", 2082), subscription_item("shipping", 829)
    http.subscriptions["sub_test_linked"] = [box_item, shipping_item]

    gateway.change_amount(sub, quote(sub.plan, "GB"))

    retrieve, update = http.requests
    assert update.params["items"] == [
        {
            "id": box_item["id"],
            "price_data": {
                "currency": "gbp",
                "product": box_item["price"]["product"]["id"],
                "unit_amount": "2499",
                "recurring": {"interval": "month", "interval_count": "1"},
            },
        },
        {"id": shipping_item["id"], "deleted": "true"},
    ]
    assert update.params["proration_behavior"] == "none"


def test_the_card_page_is_a_customer_portal_session(gateway, http):
    sub = linked()

    url = gateway.card_update_url(sub, return_url="http://localhost/account/subscriptions/1")

    [call] = http.requests
    assert (call.method, call.path) == ("POST", "/v1/billing_portal/sessions")
    assert call.params == {"customer": "cus_test_linked", "return_url": "http://localhost/account/subscriptions/1"}
    assert url.startswith("https://billing.stripe.com/p/session/bps_test_")


def test_no_stripe_customer_yet_no_portal(gateway, http):
    sub = linked()
    sub.provider_customer_id = None
    with pytest.raises(PaymentError, match="still being set up"):
        gateway.card_update_url(sub, return_url="http://localhost/account")
    assert http.requests == []


def test_a_renewing_plan_not_yet_linked_cannot_be_changed_and_a_gift_has_nothing_to_change(gateway, http):
    unlinked = make_subscription("monthly", first_month=first_box_month(utcnow()))
    gift = make_subscription("gift-3", first_month=first_box_month(utcnow()))

    with pytest.raises(PaymentError, match="still being set up"):
        gateway.pause(unlinked)
    gateway.pause(gift)
    gateway.reschedule(gift, utcnow())
    gateway.cancel_at_period_end(gift)
    gateway.change_amount(gift, quote(gift.plan, "CA"))

    assert http.requests == []


# -- through manage.py: a Stripe failure changes nothing ------------------------------------------


@pytest.mark.parametrize("failure", ["refused", "timeout"])
def test_skipping_when_stripe_fails_rolls_the_skip_back(shop, http, failure):
    def fail(req):
        if failure == "timeout":
            raise stripe.APIConnectionError("Request timed out")
        return 402, {"error": {"type": "invalid_request_error", "message": "No such subscription"}}

    edition = make_edition(first_box_month(utcnow()))
    make_edition(add_months(edition.month, 1))
    sub = linked()
    http.routes[("POST", r"/v1/subscriptions/(?P<id>[^/]+)")] = fail

    with pytest.raises(PaymentError, match="nothing has changed"):
        manage.skip_next_box(sub)

    db.session.rollback()  # what the view does when manage raises
    assert db.session.scalars(select(Skip).filter_by(subscription_id=sub.id)).all() == []
    assert [(p.first_month, p.last_month) for p in sub.periods] == [(edition.month, edition.month)]
    assert [e.kind for e in sub.events if e.kind == "skip"] == []


def test_skipping_tells_stripe_the_next_renewal(shop, http):
    edition = make_edition(first_box_month(utcnow()))
    make_edition(add_months(edition.month, 1))
    sub = linked()

    manage.skip_next_box(sub)

    [call] = http.requests
    # the paid box moved a month later, so the next renewal pays for the month after that
    due = billing_at(add_months(edition.month, 2))
    assert call.params == {"trial_end": str(int(due.timestamp())), "proration_behavior": "none"}
    assert len(db.session.scalars(select(Skip).filter_by(subscription_id=sub.id)).all()) == 1


def test_pausing_when_stripe_times_out_leaves_the_subscription_active(shop, http):
    def timeout(req):
        raise stripe.APIConnectionError("Request timed out")

    sub = linked()
    http.routes[("POST", r"/v1/subscriptions/(?P<id>[^/]+)")] = timeout

    with pytest.raises(PaymentError):
        manage.pause(sub)

    db.session.rollback()  # what the view does when manage raises
    assert sub.status is S.ACTIVE
    assert [e.to_status for e in sub.events if e.kind == "status"] == ["active"]
    assert lifecycle.next_payment(sub) is not None


CANADA = PostalAddress.of(
    name="Ji-woo Park", line1="12 Maple Street", line2="", city="Toronto", postcode="M5V 2T6", country="CA"
)


def test_moving_house_through_manage_reprices_at_stripe_and_keeps_the_new_address(shop, http):
    sub = linked("monthly", "GB")
    http.subscriptions["sub_test_linked"] = [subscription_item("box", 2499)]

    new_quote = manage.change_address(sub, CANADA)

    assert new_quote.totals.total_pence == 2082 + 829
    update = http.calls("POST", "/v1/subscriptions/sub_test_linked")[-1]
    assert [i["price_data"]["unit_amount"] for i in update.params["items"]] == ["2082", "829"]
    db.session.expire_all()
    assert (sub.ship_city, sub.ship_country) == ("Toronto", "CA")


def test_moving_house_when_stripe_refuses_keeps_the_old_address(shop, http):
    sub = linked("monthly", "GB")
    http.subscriptions["sub_test_linked"] = [subscription_item("box", 2499)]
    http.routes[("POST", r"/v1/subscriptions/(?P<id>[^/]+)")] = stripe_error(400, "invalid_request_error", "No")

    with pytest.raises(PaymentError, match="nothing has changed"):
        manage.change_address(sub, CANADA)

    db.session.rollback()  # what the view does when manage raises
    assert (sub.ship_city, sub.ship_country) == ("Leeds", "GB")
    assert [e.kind for e in sub.events if e.kind == "address"] == []


def test_cancelling_through_manage_tells_stripe_and_a_refusal_cancels_nothing(shop, http):
    sub = linked()
    http.routes[("POST", r"/v1/subscriptions/(?P<id>[^/]+)")] = stripe_error(400, "invalid_request_error", "No")
    with pytest.raises(PaymentError):
        manage.cancel(sub)
    db.session.rollback()  # what the view does when manage raises
    assert sub.cancel_at_period_end is False

    http.routes[("POST", r"/v1/subscriptions/(?P<id>[^/]+)")] = http.update_subscription
    manage.cancel(sub)

    db.session.expire_all()
    assert sub.cancel_at_period_end is True
    assert http.requests[-1].params == {"cancel_at_period_end": "true"}
