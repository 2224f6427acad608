"""The transaction rule: area operations flush and never commit; the edge (a view, a CLI
command) commits once, or rolls back on a typed error and leaves nothing behind. And every
status change goes through its state machine, bulk ones and account deletion included."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import render_template_string
from sqlalchemy import func, select, update

from shop.accounts import services as accounts
from shop.accounts.models import ANONYMISED_EMAIL, User
from shop.cart import services as cart
from shop.cart.services import CART_KEY
from shop.checkout import operations
from shop.checkout import services as checkout
from shop.extensions import db
from shop.models import Variant
from shop.orders import services as orders
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.payments import CheckoutRedirect
from shop.subscriptions import lifecycle
from shop.subscriptions.models import Subscription, SubscriptionEvent
from shop.subscriptions.models import SubscriptionStatus as S

from .box_factories import make_subscription
from .commerce import ADDRESSES, details, items, place, variant

JAN = date(2027, 1, 1)
GERMAN = {**ADDRESSES["DE"], "email": "jana@example.com", "discount_code": ""}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stock(sku: str) -> int:
    return db.session.scalar(select(Variant.stock).where(Variant.sku == sku))


# -- operations flush, the edge commits ----------------------------------------------------


def test_operations_do_not_commit_so_a_rollback_leaves_nothing(seeded):
    with seeded.app_context():
        before = stock("MASK-MIX-7")
        order = orders.place_order(checkout.draft_order(checkout.price(cart.load(items(MASK_MIX_7=2)), details())))
        orders.begin_payment_attempt(order, provider="demo")
        accounts.register("new@example.com", "a long enough passphrase")
        assert stock("MASK-MIX-7") == before - 2  # flushed: visible inside the transaction
        db.session.rollback()
        assert count(Order) == 0 and count(OrderEvent) == 0
        assert db.session.scalar(select(User).where(User.email == "new@example.com")) is None
        assert stock("MASK-MIX-7") == before


def test_a_refused_payment_leaves_the_replaced_order_pending_and_places_nothing(seeded, client, monkeypatch):
    """Pay for one cart, change the cart, then pay again while someone else takes the last
    magazine: the edge rolls back, so the first order is not cancelled and nothing new is kept."""
    with seeded.app_context():
        mask, magazine = variant("MASK-MIX-7").id, variant("MAG-001").id
    client.post("/cart/add", data={"variant_id": mask, "quantity": 1})
    client.post("/checkout", data=GERMAN)
    assert client.post("/checkout/pay").status_code == 303
    with seeded.app_context():
        first = db.session.scalar(select(Order))
        number, mask_stock = first.number, stock("MASK-MIX-7")

    client.post("/cart/add", data={"variant_id": magazine, "quantity": 1})
    client.post("/checkout", data=GERMAN)
    real_reserve = orders.reserve_stock

    def sold_meanwhile(variant_id, quantity):
        if variant_id == magazine:
            db.session.execute(update(Variant).where(Variant.id == magazine).values(stock=0))
        return real_reserve(variant_id, quantity)

    monkeypatch.setattr(orders, "reserve_stock", sold_meanwhile)
    response = client.post("/checkout/pay")

    assert response.status_code == 302 and response.location.endswith("/cart")
    with seeded.app_context():
        assert [o.number for o in db.session.scalars(select(Order))] == [number]
        kept = db.session.scalar(select(Order))
        assert kept.status is OrderStatus.PENDING_PAYMENT
        assert [e.kind for e in kept.events] == ["status", "payment_attempt"]  # no cancellation
        assert stock("MASK-MIX-7") == mask_stock  # still reserved for the pending order
    with client.session_transaction() as state:
        assert state[operations.PENDING_KEY]["number"] == number
        assert str(magazine) not in state[CART_KEY]  # capped: none left


class PaymentPages:
    """A gateway that opens numbered payment pages and remembers which it was asked to close."""

    name = "stripe"

    def __init__(self):
        self.opened, self.closed = 0, []

    def start_order_payment(self, order, *, attempt, success_url, cancel_url):
        self.opened += 1
        return CheckoutRedirect(url=f"https://pay.example/cs_{self.opened}", reference=f"cs_{self.opened}")

    def close_checkout(self, reference):
        self.closed.append(reference)


def urls(order):
    return "https://shop.example/complete", "https://shop.example/cancelled"


def test_the_pending_order_is_reused_or_replaced_by_the_checkout_operation(seeded):
    gateway = PaymentPages()
    with seeded.app_context():
        cart, entered = items(MASK_MIX_7=1), details()
        order, pending = operations.order_to_pay(cart, entered, None, gateway)
        operations.start_payment(order, gateway, urls=urls)
        db.session.commit()
        again, same = operations.order_to_pay(cart, entered, pending, gateway)
        assert again.id == order.id and same == pending and gateway.closed == []
        other, replaced = operations.order_to_pay(items(MASK_MIX_7=2), entered, pending, gateway)
        db.session.commit()
        assert other.id != order.id and replaced.number == other.number
        db.session.refresh(order)
        assert order.status is OrderStatus.CANCELLED
        assert gateway.closed == ["cs_1"]  # the replaced order's payment page can no longer take money


def test_paying_again_closes_the_earlier_page_and_a_second_payment_is_flagged_for_a_refund(seeded):
    gateway = PaymentPages()
    with seeded.app_context():
        order, _ = operations.order_to_pay(items(MASK_MIX_7=1), details(), None, gateway)
        operations.start_payment(order, gateway, urls=urls)
        operations.start_payment(order, gateway, urls=urls)  # the back button, then Pay again
        db.session.commit()
        assert gateway.closed == ["cs_1"] and order.payment_reference == "cs_2"
        # Both pages were paid before the first one closed: one payment, one refund to make.
        assert orders.confirm_payment(order, provider="stripe", reference="cs_2", actor="test")
        assert not orders.confirm_payment(order, provider="stripe", reference="cs_1", actor="test")
        assert not orders.confirm_payment(order, provider="stripe", reference="cs_1", actor="test")
        assert not orders.confirm_payment(order, provider="stripe", reference="cs_2", actor="test")
        db.session.commit()
        flagged = db.session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.kind == "late_payment")
        ).all()
        assert [(event.reference, "refund needed" in event.reason) for event in flagged] == [("cs_1", True)]
        assert order.status is OrderStatus.PAID


def test_reconcile_checkout_ends_a_paid_checkout_and_forgets_a_cancelled_one(seeded):
    with seeded.app_context():
        paid, cancelled = place(items(MAG_001=1)), place(items(MAG_001=1))
        orders.confirm_payment(paid, provider="demo", reference="demo_paid", actor="test")
        orders.fail_payment(cancelled, reason="test", actor="test")
        db.session.commit()
        state = {"cart": {"1": 1}, "checkout": {"email": "x"}, "checkout_order": {"number": paid.number}}
        operations.reconcile_checkout(state)
        assert state == {}
        state = {"cart": {"1": 1}, "checkout": {"email": "x"}, "checkout_order": {"number": cancelled.number}}
        operations.reconcile_checkout(state)
        assert state == {"cart": {"1": 1}, "checkout": {"email": "x"}}


def test_expire_stale_skips_an_order_paid_meanwhile_and_the_cli_commits_the_rest(seeded, monkeypatch):
    with seeded.app_context():
        raced, stale = place(items(MASK_MIX_30=1)), place(items(MASK_MIX_30=1))
        long_ago = datetime.now(UTC) - timedelta(hours=3)
        db.session.execute(update(Order).values(created_at=long_ago))
        db.session.commit()
        raced_id, numbers = raced.id, (raced.number, stale.number)
        left = stock("MASK-MIX-30")

    real_expire = orders.expire_order

    def paid_elsewhere_first(order, **kwargs):
        if order.id == raced_id:  # another process moved it between the sweep's read and its write
            db.session.execute(
                update(Order)
                .where(Order.id == raced_id)
                .values(version=Order.version + 1)
                .execution_options(synchronize_session=False)
            )
        return real_expire(order, **kwargs)

    monkeypatch.setattr(orders, "expire_order", paid_elsewhere_first)
    result = seeded.test_cli_runner().invoke(args=["orders", "expire-stale"])

    assert result.exit_code == 0, result.output
    assert f"expired {numbers[1]}" in result.output and numbers[0] not in result.output
    with seeded.app_context():
        status = dict(db.session.execute(select(Order.number, Order.status)).all())
        assert status == {numbers[0]: OrderStatus.PENDING_PAYMENT, numbers[1]: OrderStatus.EXPIRED}
        assert stock("MASK-MIX-30") == left + 1  # only the expired order's unit came back


# -- the subscription state machine, set-based ----------------------------------------------


def test_the_bulk_transition_writes_one_event_per_subscription_it_moves(seeded):
    with seeded.app_context():
        subs = [make_subscription(first_month=JAN) for _ in range(3)]
        unpaid = make_subscription(first_month=JAN, paid=False)
        ids = [s.id for s in subs]
        events_before = count(SubscriptionEvent)

        moved = lifecycle.transition_where(
            Subscription.id.in_([*ids, unpaid.id]), S.PAUSED, actor="test", reason="bulk pause"
        )
        db.session.commit()

        assert moved == 3  # pending payment cannot be paused: refused, untouched
        assert count(SubscriptionEvent) == events_before + 3
        for sub_id in ids:
            sub = db.session.get(Subscription, sub_id)
            assert sub.status is S.PAUSED
            [event] = [e for e in sub.events if e.kind == "status" and e.to_status == "paused"]
            assert (event.from_status, event.actor, event.detail) == ("active", "test", "bulk pause")
        assert db.session.get(Subscription, unpaid.id).status is S.PENDING_PAYMENT


def test_the_bulk_transition_refuses_moves_the_state_machine_does_not_allow(seeded):
    with seeded.app_context():
        sub = make_subscription(first_month=JAN)
        lifecycle.end(sub, actor="test", reason="ended")
        db.session.commit()
        events = count(SubscriptionEvent)

        assert lifecycle.transition_where(Subscription.id == sub.id, S.ACTIVE, actor="test") == 0
        with pytest.raises(lifecycle.StateError):
            lifecycle.transition_where(Subscription.id == sub.id, S.PENDING_PAYMENT, actor="test")
        db.session.rollback()
        assert db.session.get(Subscription, sub.id).status is S.ENDED
        assert count(SubscriptionEvent) == events


# -- account deletion goes through the areas' own operations ------------------------------------


def test_deleting_an_account_anonymises_its_orders_through_the_order_operation(seeded):
    with seeded.app_context():
        user = accounts.register("buyer@example.com", "a long enough passphrase")
        db.session.commit()
        order = orders.place_order(
            checkout.draft_order(checkout.price(cart.load(items(MAG_001=1)), details())), user_id=user.id
        )
        db.session.commit()
        version = order.version

        accounts.delete_account(user, "a long enough passphrase")
        db.session.commit()

        kept = db.session.get(Order, order.id)
        assert kept.email == ANONYMISED_EMAIL and kept.user_id is None
        assert kept.version == version + 1
        [event] = [e for e in kept.events if e.kind == "anonymised"]
        assert event.actor == "customer"


def test_a_running_subscription_refuses_the_deletion_and_the_edge_rolls_all_back(seeded):
    with seeded.app_context():
        user = accounts.register("buyer@example.com", "a long enough passphrase")
        db.session.commit()
        order = place(items(MAG_001=1), email="buyer@example.com")
        db.session.execute(update(Order).where(Order.id == order.id).values(user_id=user.id))
        sub = make_subscription(first_month=JAN)
        sub.user_id = user.id
        db.session.commit()

        with pytest.raises(accounts.SubscriptionsRunning):
            accounts.delete_account(user, "a long enough passphrase")
        db.session.rollback()

        assert db.session.get(User, user.id) is not None
        kept = db.session.get(Order, order.id)
        assert kept.email == "buyer@example.com" and kept.user_id == user.id
        assert not [e for e in kept.events if e.kind == "anonymised"]


def test_accounts_import_neither_orders_nor_subscriptions_to_delete_an_account():
    names = set(accounts.delete_account.__code__.co_names)
    assert not names & {"orders", "subscriptions", "anonymise_orders", "anonymise_ended_subscriptions"}
    assert "account_closing" in names


# -- statuses are enums in templates too -----------------------------------------------------


def test_templates_compare_statuses_with_the_enums(seeded):
    with seeded.test_request_context():
        rendered = render_template_string(
            "{{ status == OrderStatus.PAID }} {{ sub in (SubscriptionStatus.ENDED,) }} {{ sub.label }}",
            status=OrderStatus.PAID,
            sub=S.ENDED,
        )
    assert rendered == "True True Ended"
