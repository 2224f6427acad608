"""Offline Stripe for tests: a recording stripe.HTTPClient, canned Stripe objects,
signed webhook payloads, and a guard that fails any test opening a socket off this machine.

The canned objects are Stripe's own examples (tests/fixtures/stripe_objects.json, taken
from fixtures3.json in Stripe's public OpenAPI specification), adjusted per test (ids, amounts, urls, metadata).
"""

import copy
import itertools
import json
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe

WEBHOOK_SECRET = "whsec_test_secret_for_the_shop"
SECRET_KEY = "sk_test_shop_offline"
FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "stripe_objects.json").read_text())["resources"]
_ids = itertools.count(1)


def stripe_object(kind: str, **changes) -> dict:
    """A copy of Stripe's example `kind` object with `changes` applied (top-level keys)."""
    obj = copy.deepcopy(FIXTURES[kind])
    obj.update(changes)
    return obj


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{next(_ids):06d}"


# -- decoding what stripe-python sends -------------------------------------------------


def decode_form(body: str) -> dict:
    """Stripe's form encoding (a[b][0][c]=v) back into nested dicts and lists (values stay strings)."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


@dataclass
class RecordedRequest:
    method: str
    url: str
    headers: dict
    params: dict

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("Idempotency-Key")


Responder = Callable[[RecordedRequest], tuple[int, dict]]


class RecordingHTTPClient(stripe.HTTPClient):
    """Answers every Stripe API call from canned objects and keeps a record of each request.

    `routes` maps (METHOD, path regex) to a responder(request) -> (status, json body);
    a responder may raise (e.g. stripe.APIConnectionError to play a timeout).
    """

    name = "recording"

    def __init__(self):
        super().__init__()
        self.requests: list[RecordedRequest] = []
        self.routes: dict[tuple[str, str], Responder] = {
            ("POST", r"/v1/checkout/sessions"): self.create_session,
            ("POST", r"/v1/coupons"): self.create_coupon,
            ("GET", r"/v1/payment_intents/(?P<id>[^/]+)"): self.retrieve_payment_intent,
        }
        self.payment_intent_metadata: dict[str, dict] = {}
        self.coupons: dict[str, int] = {}

    def request(self, method, url, headers, post_data=None):
        method = method.upper()
        body = post_data.decode() if isinstance(post_data, bytes) else (post_data or urlsplit(url).query)
        recorded = RecordedRequest(method=method, url=url, headers=dict(headers or {}), params=decode_form(body))
        self.requests.append(recorded)
        for (route_method, pattern), responder in self.routes.items():
            if route_method == method and re.fullmatch(pattern, recorded.path):
                status, answer = responder(recorded)
                return json.dumps(answer), status, {"request-id": new_id("req")}
        return (
            json.dumps({"error": {"type": "invalid_request_error", "message": f"no route {method} {recorded.path}"}}),
            404,
            {},
        )

    def request_stream(self, method, url, headers, post_data=None):
        raise NotImplementedError

    def close(self):
        pass

    # -- canned answers --------------------------------------------------------------

    def create_session(self, req: RecordedRequest) -> tuple[int, dict]:
        p = req.params
        session_id = new_id("cs")
        items = sum(int(li["price_data"]["unit_amount"]) * int(li["quantity"]) for li in p["line_items"])
        shipping = int(p["shipping_options"][0]["shipping_rate_data"]["fixed_amount"]["amount"])
        discount = sum(min(self.coupons[d["coupon"]], items) for d in p.get("discounts", []))
        return 200, stripe_object(
            "checkout.session",
            id=session_id,
            url=f"https://checkout.stripe.com/c/pay/{session_id}",
            mode=p["mode"],
            currency=p["line_items"][0]["price_data"]["currency"],
            amount_subtotal=items,
            amount_total=items - discount + shipping,
            customer_email=p.get("customer_email"),
            client_reference_id=p.get("client_reference_id"),
            metadata=p.get("metadata", {}),
            success_url=p["success_url"],
            cancel_url=p["cancel_url"],
            shipping_address_collection=p.get("shipping_address_collection"),
            payment_intent=None,
            status="open",
            payment_status="unpaid",
        )

    def create_coupon(self, req: RecordedRequest) -> tuple[int, dict]:
        p = req.params
        coupon_id = new_id("coupon")
        self.coupons[coupon_id] = int(p["amount_off"])
        return 200, stripe_object(
            "coupon",
            id=coupon_id,
            amount_off=int(p["amount_off"]),
            percent_off=None,
            currency=p["currency"],
            duration=p["duration"],
            duration_in_months=None,
            max_redemptions=int(p["max_redemptions"]),
            name=p.get("name"),
            metadata=p.get("metadata", {}),
        )

    def retrieve_payment_intent(self, req: RecordedRequest) -> tuple[int, dict]:
        intent_id = req.path.rsplit("/", 1)[-1]
        if intent_id not in self.payment_intent_metadata:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such payment_intent"}}
        return 200, stripe_object("payment_intent", id=intent_id, metadata=self.payment_intent_metadata[intent_id])

    def calls(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]


def stripe_error(status: int, kind: str, message: str) -> Responder:
    def respond(req: RecordedRequest) -> tuple[int, dict]:
        return status, {"error": {"type": kind, "message": message}}

    return respond


# -- events ----------------------------------------------------------------------------


def checkout_session(
    order,
    *,
    payment_status: str = "paid",
    status: str = "complete",
    session_id: str | None = None,
    payment_intent: str | None = None,
    amount_total: int | None = None,
) -> dict:
    """The session object Stripe sends in checkout.session.* events for `order`."""
    return stripe_object(
        "checkout.session",
        id=session_id or order.payment_reference or new_id("cs"),
        mode="payment",
        status=status,
        payment_status=payment_status,
        amount_total=order.total_pence if amount_total is None else amount_total,
        currency="gbp",
        client_reference_id=str(order.id),
        customer_email=order.email,
        metadata={"order_id": str(order.id), "order_number": order.number},
        payment_intent=payment_intent,
    )


def refunded_charge(*, payment_intent: str, amount: int, amount_refunded: int, metadata: dict | None = None) -> dict:
    return stripe_object(
        "charge",
        id=new_id("ch"),
        payment_intent=payment_intent,
        amount=amount,
        amount_captured=amount,
        amount_refunded=amount_refunded,
        captured=True,
        paid=True,
        refunded=amount_refunded >= amount,
        currency="gbp",
        metadata=metadata or {},
    )


def event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    return stripe_object(
        "event",
        id=event_id or new_id("evt"),
        type=event_type,
        created=int(time.time()),
        api_version=stripe.api_version,
        data={"object": obj},
    )


def signed(payload: dict | str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[str, dict]:
    """The body and headers Stripe would POST, signed with generate_signature_header."""
    body = payload if isinstance(payload, str) else json.dumps(payload)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp)
    return body, {"Stripe-Signature": header, "Content-Type": "application/json"}


# -- no internet -------------------------------------------------------------------------

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


class NetworkBlocked(AssertionError):
    pass


@pytest.fixture
def no_internet(monkeypatch):
    """Fail the test if anything tries to reach a host other than this machine
    (api.stripe.com included). Unix sockets and loopback stay allowed."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    attempts: list[str] = []

    def host_of(address) -> str | None:
        return address[0] if isinstance(address, tuple) else None

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host is not None and str(host) not in LOCAL_HOSTS:
            attempts.append(str(host))
            raise NetworkBlocked(f"test tried to resolve {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    def guarded_connect(sock, address):
        host = host_of(address)
        if host is not None and host not in LOCAL_HOSTS:
            attempts.append(host)
            raise NetworkBlocked(f"test tried to connect to {address}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    yield attempts
    assert not attempts, f"network access off this machine: {attempts}"
