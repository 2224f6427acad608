"""A small local stand-in for Stripe, so the whole Stripe path runs without the internet.

It answers the API calls the shop's StripeGateway makes (POST /v1/checkout/sessions,
POST /v1/coupons, GET /v1/payment_intents/<id>) with objects built from Stripe's own
examples, and serves a "hosted checkout" page at each session's `url`. Pressing "Pay"
there marks the session paid, delivers a signed checkout.session.completed webhook to the
shop (like Stripe: a POST signed with the webhook secret), then sends the browser to the
session's success_url. "Let it expire" delivers checkout.session.expired instead.

In tests: `StripeDouble(...).start()` serves it on 127.0.0.1 with werkzeug's make_server.
By hand (see docs/payments.md):

    .venv/bin/python -m tests.stripe_double --port 12111 \\
        --webhook http://127.0.0.1:5000/webhooks/stripe --secret whsec_local
"""

import argparse
import copy
import html
import itertools
import json
import threading
import time
import urllib.error
import urllib.request

import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from .stripe_support import decode_form, stripe_object


class StripeDouble:
    def __init__(self, *, webhook_url: str, webhook_secret: str, host: str = "127.0.0.1", port: int = 0):
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.host, self.port = host, port
        self.sessions: dict[str, dict] = {}
        self.coupons: dict[str, dict] = {}
        self.requests: list[dict] = []  # every API call: method, path, headers, params
        self.deliveries: list[dict] = []  # every webhook sent: event and the shop's answer
        self.delay_seconds = 0.0  # > the client's timeout to play a Stripe that hangs
        self.hold_webhooks = False  # keep events until release(): a webhook slower than the customer
        self.held: list[tuple[str, dict]] = []
        self._ids = itertools.count(1)
        self._by_key: dict[str, tuple[int, dict]] = {}  # idempotency: key -> (status, body)
        self._server = None
        self._thread = None

    # -- serving -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "StripeDouble":
        self._server = make_server(self.host, self.port, self.wsgi, threaded=True)
        self.port = self._server.server_port
        # A short poll: shutdown() waits for it, half a second by default, in every test.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._thread.join()

    def wsgi(self, environ, start_response):
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path, method = request.path, request.method
        parts = path.strip("/").split("/")
        if path.startswith("/v1/"):
            if self.delay_seconds:
                time.sleep(self.delay_seconds)
            params = decode_form(request.get_data(as_text=True) if method == "POST" else request.query_string.decode())
            self.requests.append({"method": method, "path": path, "headers": dict(request.headers), "params": params})
            if not request.headers.get("Authorization", "").startswith("Bearer sk_"):
                return self._json(
                    401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}
                )
            key = request.headers.get("Idempotency-Key")
            if method == "POST" and key and key in self._by_key:
                return self._json(*self._by_key[key])
            status, body = self.api(method, parts[1:], params)
            if method == "POST" and key:
                self._by_key[key] = (status, body)
            return self._json(status, body)
        if parts[0] == "pay" and len(parts) >= 2 and parts[1] in self.sessions:
            session = self.sessions[parts[1]]
            if method == "GET":
                return self.hosted_page(session)
            if method == "POST" and len(parts) == 2:
                return self.pay(session)
            if method == "POST" and parts[2:] == ["expire"]:
                return self.expire(session)
        return Response("not found", status=404)

    # -- the API -------------------------------------------------------------------------

    def api(self, method: str, parts: list[str], params: dict) -> tuple[int, dict]:
        if (method, parts) == ("POST", ["checkout", "sessions"]):
            return 200, self.create_session(params)
        if (method, parts) == ("POST", ["coupons"]):
            coupon = stripe_object(
                "coupon",
                id=self._id("coupon"),
                amount_off=int(params["amount_off"]),
                percent_off=None,
                currency=params["currency"],
                duration=params["duration"],
                duration_in_months=None,
                max_redemptions=int(params.get("max_redemptions", 0)) or None,
                name=params.get("name"),
                metadata=params.get("metadata", {}),
            )
            self.coupons[coupon["id"]] = coupon
            return 200, coupon
        if method == "GET" and len(parts) == 2 and parts[0] == "payment_intents":
            for session in self.sessions.values():
                if session["payment_intent"] == parts[1]:
                    return 200, stripe_object(
                        "payment_intent",
                        id=parts[1],
                        metadata=session["metadata"],
                        amount=session["amount_total"],
                        currency=session["currency"],
                    )
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "message": f"Unrecognized request URL ({method} /v1/{'/'.join(parts)})",
            }
        }

    def create_session(self, params: dict) -> dict:
        session_id = self._id("cs")
        items = sum(int(li["price_data"]["unit_amount"]) * int(li["quantity"]) for li in params["line_items"])
        shipping = sum(
            int(o["shipping_rate_data"]["fixed_amount"]["amount"]) for o in params.get("shipping_options", [])[:1]
        )
        discount = sum(min(self.coupons[d["coupon"]]["amount_off"], items) for d in params.get("discounts", []))
        session = stripe_object(
            "checkout.session",
            id=session_id,
            url=f"{self.base_url}/pay/{session_id}",
            mode=params["mode"],
            status="open",
            payment_status="unpaid",
            currency=params["line_items"][0]["price_data"]["currency"],
            amount_subtotal=items,
            amount_total=items - discount + shipping,
            total_details={"amount_discount": discount, "amount_shipping": shipping, "amount_tax": 0},
            customer_email=params.get("customer_email"),
            client_reference_id=params.get("client_reference_id"),
            metadata=params.get("metadata", {}),
            success_url=params["success_url"],
            cancel_url=params["cancel_url"],
            shipping_address_collection=params.get("shipping_address_collection"),
            payment_intent=None,
            created=int(time.time()),
            expires_at=int(time.time()) + 24 * 3600,
        )
        session["_line_items"] = params["line_items"]  # what the hosted page shows
        self.sessions[session_id] = session
        return self._public(session)

    # -- the hosted checkout page ----------------------------------------------------------

    def hosted_page(self, session: dict) -> Response:
        rows = "".join(
            f"<li>{int(li['quantity'])} × {html.escape(li['price_data']['product_data']['name'])}: "
            f"{int(li['price_data']['unit_amount']) / 100:.2f} {li['price_data']['currency'].upper()}</li>"
            for li in session["_line_items"]
        )
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Stripe test double: checkout</title></head><body><main>
<h1>Stripe test double</h1><p>This is a local stand-in for Stripe Checkout. No money moves.</p>
<ul>{rows}</ul><p>Total: <strong id="total">{session["amount_total"] / 100:.2f} {session["currency"].upper()}</strong></p>
<form method="post" action="/pay/{session["id"]}"><button type="submit">Pay</button></form>
<form method="post" action="/pay/{session["id"]}/expire"><button type="submit">Let it expire</button></form>
<p><a href="{html.escape(session["cancel_url"])}">Back to the shop</a></p></main></body></html>"""
        return Response(page, content_type="text/html; charset=utf-8")

    def pay(self, session: dict) -> Response:
        if session["status"] == "open":
            session.update(status="complete", payment_status="paid", payment_intent=self._id("pi"))
            self.deliver("checkout.session.completed", session)
        return Response(
            status=303, headers={"Location": session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])}
        )

    def expire(self, session: dict) -> Response:
        if session["status"] == "open":
            session.update(status="expired")
            self.deliver("checkout.session.expired", session)
        return Response(status=303, headers={"Location": session["cancel_url"]})

    # -- webhooks ------------------------------------------------------------------------

    def release(self) -> list[int]:
        """Deliver the held events, in order; returns the shop's status codes."""
        held, self.held, self.hold_webhooks = self.held, [], False
        return [self.deliver(event_type, obj) for event_type, obj in held]

    def deliver(self, event_type: str, obj: dict) -> int | None:
        """POST a signed event to the shop, as Stripe does; returns the shop's status code."""
        if self.hold_webhooks:
            self.held.append((event_type, copy.deepcopy(obj)))
            return None
        event = stripe_object(
            "event",
            id=self._id("evt"),
            type=event_type,
            created=int(time.time()),
            api_version=stripe.api_version,
            data={"object": self._public(obj)},
        )
        body = json.dumps(event)
        request = urllib.request.Request(
            self.webhook_url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body, self.webhook_secret),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, reply = answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            status, reply = error.code, error.read().decode()
        self.deliveries.append({"event": event, "status": status, "reply": reply})
        return status

    # -- helpers -------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}_double_{next(self._ids):06d}"

    @staticmethod
    def _public(obj: dict) -> dict:
        return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}

    @staticmethod
    def _json(status: int, body: dict) -> Response:
        return Response(
            json.dumps(body), status=status, content_type="application/json", headers={"Request-Id": "req_double"}
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="A local Stripe test double for the shop (no internet needed).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook", default="http://127.0.0.1:5000/webhooks/stripe", help="the shop's webhook URL")
    parser.add_argument("--secret", default="whsec_local", help="STRIPE_WEBHOOK_SECRET the shop runs with")
    args = parser.parse_args()
    double = StripeDouble(webhook_url=args.webhook, webhook_secret=args.secret, host=args.host, port=args.port)
    print(f"Stripe double on {double.base_url}; webhooks to {args.webhook}", flush=True)
    print(
        f"Run the shop with STRIPE_SECRET_KEY=sk_test_local STRIPE_API_BASE={double.base_url} "
        f"STRIPE_WEBHOOK_SECRET={args.secret}",
        flush=True,
    )
    make_server(args.host, args.port, double.wsgi, threaded=True).serve_forever()


if __name__ == "__main__":
    main()
