"""20 buyers at once for the last 5 units: exactly 5 orders are placed and paid, the
stock ends at 0 and is never seen below it. Runs on SQLite (writes are serialised by its
database lock) and on PostgreSQL (the conditional UPDATE queues buyers on the row lock).

The figures are printed (pytest -s) and written to test-artifacts/concurrency-<db>.txt."""

import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from shop.cart import services as cart
from shop.checkout import services as checkout
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus

from .commerce import details, variant

BUYERS = 20
UNITS = 5
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def test_twenty_buyers_for_the_last_five_units(seeded, database_url):
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    with seeded.app_context():
        mask = variant("MASK-MIX-30")
        mask.stock = UNITS
        db.session.commit()
        variant_id = mask.id

    outcomes: list[str] = []
    errors: list[BaseException] = []
    lowest_seen = [UNITS]
    done = threading.Event()
    start = threading.Barrier(BUYERS)

    def buyer(n: int) -> None:
        with seeded.app_context():
            try:
                # Every buyer has the item in the cart and presses "Pay" at the same moment:
                # the race is on the stock reservation itself.
                draft = checkout.draft_order(
                    checkout.price(cart.load({str(variant_id): 1}), details("DE", email=f"buyer{n}@example.com"))
                )
                db.session.rollback()
                start.wait()
                order = orders.place_order(draft)
                if orders.confirm_payment(order, provider="demo", reference=f"demo_{order.number}_1", actor="test"):
                    db.session.commit()
                    outcomes.append("paid")
            except orders.OutOfStock:
                outcomes.append("sold out")
            except BaseException as error:  # noqa: BLE001  (reported below)
                errors.append(error)
            finally:
                db.session.remove()

    def watch_stock() -> None:
        """A separate connection reading the stock while the buyers race."""
        engine = create_engine(seeded.config["SQLALCHEMY_DATABASE_URI"])
        with engine.connect() as conn:
            while not done.is_set():
                value = conn.execute(text("SELECT stock FROM variant WHERE id = :id"), {"id": variant_id}).scalar()
                lowest_seen[0] = min(lowest_seen[0], value)
                conn.rollback()
                time.sleep(0.002)
        engine.dispose()

    watcher = threading.Thread(target=watch_stock)
    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(BUYERS)]
    began = time.perf_counter()
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - began
    done.set()
    watcher.join()

    assert not errors, errors
    with seeded.app_context():
        final_stock = variant("MASK-MIX-30").stock
        paid = db.session.scalar(db.select(db.func.count()).select_from(Order).where(Order.status == OrderStatus.PAID))
        all_orders = db.session.scalar(db.select(db.func.count()).select_from(Order))
    figures = (
        f"{backend}: {BUYERS} buyers for {UNITS} units: {paid} orders paid, {outcomes.count('sold out')} told "
        f"'sold out', {all_orders} orders in the database, final stock {final_stock}, lowest stock seen "
        f"{lowest_seen[0]}, {elapsed:.2f} s"
    )
    print("\n" + figures)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"concurrency-{backend}.txt").write_text(figures + "\n")

    assert outcomes.count("paid") == UNITS and paid == UNITS and all_orders == UNITS
    assert outcomes.count("sold out") == BUYERS - UNITS
    assert final_stock == 0
    assert lowest_seen[0] >= 0


CHECKOUTS = 10


def test_ten_parallel_checkouts_by_one_customer_get_a_once_per_customer_code_once(seeded, real_commits):
    """The same email presses Pay in ten tabs at once with a code allowed once per customer."""
    from shop.discounts import services as discounts
    from shop.discounts.models import DiscountKind, DiscountRedemption

    from .commerce import add_code

    with seeded.app_context():
        add_code("ONEEACH", DiscountKind.PERCENTAGE, percent_off=10, per_customer_limit=1)
        drafts = [
            checkout.draft_order(
                checkout.price(
                    cart.load({str(variant("MASK-MIX-7").id): 1}),
                    details("DE", email="same@example.com", discount_code="ONEEACH"),
                )
            )
            for _ in range(CHECKOUTS)
        ]
        db.session.rollback()

    outcomes: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(CHECKOUTS)

    def tab(draft) -> None:
        with seeded.app_context():
            try:
                start.wait()
                orders.place_order(draft)
                db.session.commit()
                outcomes.append("placed")
            except discounts.CodeAlreadyUsed:
                db.session.rollback()
                outcomes.append("already used")
            except BaseException as error:  # noqa: BLE001  (reported below)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tab, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert outcomes.count("placed") == 1 and outcomes.count("already used") == CHECKOUTS - 1
    with seeded.app_context():
        redemptions = db.session.scalar(db.select(db.func.count()).select_from(DiscountRedemption))
        code = db.session.scalar(db.select(discounts.DiscountCode).where(discounts.DiscountCode.code == "ONEEACH"))
        assert redemptions == 1 and code.times_used == 1
