"""Offline Stripe Billing for the Culture Box tests: the recording HTTP client extended
with the subscription calls, and the Stripe objects a real Checkout subscription produces
(built from Stripe's own examples in tests/fixtures/stripe_objects.json)."""

from datetime import datetime

from shop.payments.stripe_subscriptions import PURPOSE_GIFT, PURPOSE_SUBSCRIPTION
from shop.subscriptions.models import Subscription

from ..stripe_support import RecordedRequest, RecordingHTTPClient, new_id, stripe_object


class BillingHTTPClient(RecordingHTTPClient):
    """Also answers: Checkout in subscription mode, subscriptions retrieve/update, products,
    Customer Portal sessions. `subscriptions[id]` holds the items a retrieve returns."""

    def __init__(self):
        super().__init__()
        self.routes.update(
            {
                ("POST", r"/v1/checkout/sessions"): self.create_any_session,
                ("POST", r"/v1/checkout/sessions/(?P<id>[^/]+)/expire"): self.expire_session,
                ("GET", r"/v1/subscriptions/(?P<id>[^/]+)"): self.retrieve_subscription,
                ("POST", r"/v1/subscriptions/(?P<id>[^/]+)"): self.update_subscription,
                ("DELETE", r"/v1/subscriptions/(?P<id>[^/]+)"): self.update_subscription,
                ("POST", r"/v1/products"): self.create_product,
                ("POST", r"/v1/billing_portal/sessions"): self.create_portal_session,
            }
        )
        self.subscriptions: dict[str, list[dict]] = {}
        self.completed_sessions: set[str] = set()  # expire() refuses these, as Stripe does

    def create_any_session(self, req: RecordedRequest) -> tuple[int, dict]:
        p = req.params
        if p["mode"] == "payment" and "order_id" in p.get("metadata", {}):
            return self.create_session(req)
        one_time = sum(
            int(li["price_data"]["unit_amount"]) for li in p["line_items"] if "recurring" not in li["price_data"]
        )
        shipping = sum(int(o["shipping_rate_data"]["fixed_amount"]["amount"]) for o in p.get("shipping_options", []))
        session_id = new_id("cs")
        return 200, stripe_object(
            "checkout.session",
            id=session_id,
            url=f"https://checkout.stripe.com/c/pay/{session_id}",
            mode=p["mode"],
            currency="gbp",
            amount_total=one_time + shipping,
            metadata=p.get("metadata", {}),
            client_reference_id=p.get("client_reference_id"),
            customer_email=p.get("customer_email"),
            status="open",
            payment_status="unpaid",
            payment_intent=None,
            subscription=None,
            invoice=None,
        )

    def expire_session(self, req: RecordedRequest) -> tuple[int, dict]:
        session_id = req.path.split("/")[-2]
        if session_id in self.completed_sessions:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "message": "Only Checkout Sessions with a status of `open` can be expired.",
                }
            }
        return 200, stripe_object("checkout.session", id=session_id, status="expired")

    def retrieve_subscription(self, req: RecordedRequest) -> tuple[int, dict]:
        sub_id = req.path.rsplit("/", 1)[-1]
        if sub_id not in self.subscriptions:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such subscription"}}
        return 200, stripe_object(
            "subscription", id=sub_id, items={"object": "list", "data": self.subscriptions[sub_id]}
        )

    def update_subscription(self, req: RecordedRequest) -> tuple[int, dict]:
        return 200, stripe_object("subscription", id=req.path.rsplit("/", 1)[-1])

    def create_product(self, req: RecordedRequest) -> tuple[int, dict]:
        return 200, stripe_object(
            "product", id=new_id("prod"), name=req.params["name"], metadata=req.params.get("metadata", {})
        )

    def create_portal_session(self, req: RecordedRequest) -> tuple[int, dict]:
        portal_id = new_id("bps")
        return 200, stripe_object(
            "billing_portal.session",
            id=portal_id,
            customer=req.params["customer"],
            return_url=req.params["return_url"],
            url=f"https://billing.stripe.com/p/session/{portal_id}",
        )


def subscription_item(line: str, amount: int, months: int = 1) -> dict:
    """A subscription item as retrieve(expand=[items.data.price.product]) returns it."""
    product = stripe_object("product", id=new_id("prod"), metadata={"line": line})
    item = stripe_object("subscription_item", id=new_id("si"))
    item["price"] = {
        **item["price"],
        "id": new_id("price"),
        "product": product,
        "unit_amount": amount,
        "currency": "gbp",
        "recurring": {**item["price"]["recurring"], "interval_count": months},
    }
    return item


def metadata(sub: Subscription) -> dict:
    return {
        "subscription_id": str(sub.id),
        "plan": sub.plan.code,
        "ship_country": sub.ship_country,
        "first_month": f"{sub.first_month:%Y-%m}",
    }


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


class CheckoutSubscription:
    """The Stripe objects of one real Checkout subscription for `sub`: its ids, and the
    event payloads Stripe sends (session completed, customer, invoices, subscription)."""

    def __init__(self, sub: Subscription, amount: int):
        self.meta = metadata(sub)
        self.email = sub.email
        self.gift = not sub.plan.renews
        self.amount = amount
        self.session_id = new_id("cs")
        self.stripe_id = new_id("sub")
        self.customer = new_id("cus")
        self.first_invoice = new_id("in")
        self.payment_intent = new_id("pi")

    def session(self, *, payment_status: str = "paid", status: str = "complete", email: str | None = None) -> dict:
        if self.gift:
            return stripe_object(
                "checkout.session",
                id=self.session_id,
                mode="payment",
                status=status,
                payment_status=payment_status,
                amount_total=self.amount,
                currency="gbp",
                customer=self.customer,
                customer_email=email or self.email,
                client_reference_id=f"culture-box-{self.meta['subscription_id']}",
                subscription=None,
                invoice=None,
                metadata={**self.meta, "purpose": PURPOSE_GIFT},
                payment_intent=self.payment_intent,
            )
        return stripe_object(
            "checkout.session",
            id=self.session_id,
            mode="subscription",
            status=status,
            payment_status=payment_status,
            amount_total=self.amount,
            currency="gbp",
            customer=self.customer,
            customer_email=email or self.email,
            client_reference_id=f"culture-box-{self.meta['subscription_id']}",
            subscription=self.stripe_id,
            invoice=self.first_invoice if status == "complete" else None,
            metadata={**self.meta, "purpose": PURPOSE_SUBSCRIPTION},
            payment_intent=None,
        )

    def customer_object(self) -> dict:
        return stripe_object("customer", id=self.customer, email=self.email)

    def invoice(
        self,
        *,
        invoice_id: str | None = None,
        billing_reason: str = "subscription_create",
        amount_paid: int | None = None,
        paid_at: datetime | None = None,
        status: str = "paid",
    ) -> dict:
        amount = self.amount if amount_paid is None else amount_paid
        return stripe_object(
            "invoice",
            id=invoice_id or self.first_invoice,
            customer=self.customer,
            customer_email=self.email,
            billing_reason=billing_reason,
            status=status,
            currency="gbp",
            amount_due=amount,
            amount_paid=amount if status == "paid" else 0,
            amount_remaining=0 if status == "paid" else amount,
            attempt_count=1,
            subscription=None,
            status_transitions={
                "finalized_at": None,
                "marked_uncollectible_at": None,
                "voided_at": None,
                "paid_at": ts(paid_at) if paid_at and status == "paid" else None,
            },
            parent={
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {"subscription": self.stripe_id, "metadata": dict(self.meta)},
            },
        )

    def subscription(self, *, status: str = "trialing", cancel_at_period_end: bool = False) -> dict:
        return stripe_object(
            "subscription",
            id=self.stripe_id,
            customer=self.customer,
            status=status,
            metadata=dict(self.meta),
            cancel_at_period_end=cancel_at_period_end,
            cancel_at=None,
            canceled_at=None,
            ended_at=None,
            pause_collection=None,
            latest_invoice=self.first_invoice,
        )
