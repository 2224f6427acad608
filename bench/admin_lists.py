"""Time the back office's lists and dashboard at 100,000 orders and 100,000 subscriptions.

    .venv/bin/python bench/admin_lists.py                 # SQLite
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/admin_lists.py

On PostgreSQL a scratch database is created on that server and dropped afterwards. Each
page is fetched through the app as a signed-in admin (second factor passed); the line
shows the median of five fetches and the page's status. The lists page by cursor, so the
"far page" (100,000 orders back) should cost what the first page does. A third of the
orders and subscriptions were brought by one of 40 blog posts, for the sales by post.
"""

import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_login import login_user  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bench.box_run import _sold_price, scratch_database  # noqa: E402
from shop import create_app  # noqa: E402
from shop.accounts.models import User  # noqa: E402
from shop.accounts.passwords import hash_password  # noqa: E402
from shop.accounts.services import open_session  # noqa: E402
from shop.admin.blueprint import SESSION_KEY, pass_second_factor  # noqa: E402
from shop.blog.models import Author, Post  # noqa: E402
from shop.core.vat import VatTreatment  # noqa: E402
from shop.extensions import db  # noqa: E402
from shop.orders.models import Order, OrderStatus  # noqa: E402
from shop.orders.services import NUMBER_ALPHABET  # noqa: E402
from shop.subscriptions.models import (  # noqa: E402
    Edition,
    PaidPeriod,
    Plan,
    PlanKind,
    Subscription,
    SubscriptionEvent,
    SubscriptionStatus,
)

ORDERS = 100_000
SUBSCRIPTIONS = 100_000
POSTS = 40
CHUNK = 10_000
COUNTRIES = ["GB", "GB", "GB", "DE", "FR", "US", "AU", "JP", "KR", "IE"]
NAMES = ["Min-ji Kim", "Faye Broadbent", "Jana Müller", "Sam Lee", "Mia Chen", "Oliver Smith", "Ji-hoon Park"]
STATUSES = [OrderStatus.PAID] * 2 + [OrderStatus.SHIPPED] * 5 + [OrderStatus.PENDING_PAYMENT, OrderStatus.PACKED]
STATUSES += [OrderStatus.EXPIRED]


def order_number(n: int) -> str:
    """The shop's own format (IMK- and 8 of its letters), numbered."""
    letters = []
    for _ in range(8):
        n, digit = divmod(n, len(NUMBER_ALPHABET))
        letters.append(NUMBER_ALPHABET[digit])
    return "IMK-" + "".join(reversed(letters))


def load_posts(now: datetime) -> None:
    author = Author(slug="bench", name="Bench")
    db.session.add(author)
    db.session.flush()
    db.session.execute(
        insert(Post),
        [
            dict(id=n, slug=f"post-{n}", title=f"Post {n}", body_markdown="", author_id=author.id, published_at=now)
            for n in range(1, POSTS + 1)
        ],
    )
    db.session.commit()


def touches(n: int) -> dict:
    """A third brought by a post (first and last touch differ for half of those), the rest by none."""
    if n % 3:
        return {}
    first = n % POSTS + 1
    return {"first_touch_post_id": first, "last_touch_post_id": first if n % 2 else (n * 7) % POSTS + 1}


def load_orders(now: datetime) -> None:
    for start in range(0, ORDERS, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, ORDERS)):
            placed = now - timedelta(minutes=(ORDERS - n) * 9)  # about 62 days of orders
            status = STATUSES[n % len(STATUSES)]
            country = COUNTRIES[n % len(COUNTRIES)]
            rows.append(
                dict(
                    id=n + 1,
                    number=order_number(n),
                    access_token=f"token-{n}",
                    email=f"buyer{n}@example.com",
                    status=status,
                    currency="GBP",
                    vat_treatment=VatTreatment.UK if country == "GB" else VatTreatment.EXPORT,
                    shipping_zone="United Kingdom" if country == "GB" else "Rest of World",
                    shipping_method="Royal Mail Tracked 48",
                    parcel_weight_g=400,
                    items_pence=2400,
                    shipping_pence=399,
                    discount_pence=0,
                    vat_pence=400 if country == "GB" else 0,
                    vat_removed_pence=0,
                    total_pence=2799,
                    payment_attempts=1,
                    created_at=placed,
                    updated_at=placed,
                    paid_at=None if status in (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED) else placed,
                    version=1,
                    ship_name=f"{NAMES[n % len(NAMES)]} {n}",
                    ship_line1=f"{n} Tea Lane",
                    ship_line2="",
                    ship_city="Leeds",
                    ship_postcode="LS1 1AA",
                    ship_country=country,
                    **touches(n),
                )
            )
        db.session.execute(insert(Order), rows)
        db.session.commit()


def load_subscriptions(now: datetime) -> None:
    plans = [
        Plan(code="monthly", name="Monthly", kind=PlanKind.MONTHLY, months=1, price_pence=2499),
        Plan(code="prepaid-3", name="3 months", kind=PlanKind.PREPAID, months=3, price_pence=6999),
        Plan(code="gift-3", name="Gift", kind=PlanKind.GIFT, months=3, price_pence=7499),
    ]
    db.session.add_all(plans)
    month = (now + timedelta(days=31)).date().replace(day=1)
    db.session.add(
        Edition(
            month=month,
            theme="Bench",
            manifest=[],
            cutoff_at=datetime.combine(month.replace(day=10), datetime.min.time(), tzinfo=UTC),
            ships_on=month.replace(day=15),
        )
    )
    db.session.commit()
    for start in range(0, SUBSCRIPTIONS, CHUNK):
        subs, periods, events = [], [], []
        for n in range(start, min(start + CHUNK, SUBSCRIPTIONS)):
            plan = plans[n % 3]
            ended = n % 25 == 4
            subs.append(
                dict(
                    id=n + 1,
                    plan_id=plan.id,
                    status=SubscriptionStatus.ENDED if ended else SubscriptionStatus.ACTIVE,
                    email=f"s{n}@example.com",
                    ship_name=f"Subscriber {n}",
                    ship_line1=f"{n} Hanok Lane",
                    ship_line2="",
                    ship_city="Leeds",
                    ship_postcode="LS1 1AA",
                    ship_country="GB" if n % 3 else "DE",
                    first_month=month,
                    cancel_at_period_end=False,
                    created_at=now - timedelta(minutes=n),
                    **_sold_price(plan.price_pence, uk=bool(n % 3), now=now),
                    **touches(n + 1),
                )
            )
            periods.append(
                dict(
                    subscription_id=n + 1,
                    reference=f"in_{n}",
                    first_month=month,
                    last_month=month,
                    amount_pence=plan.price_pence,
                    paid_at=now,
                )
            )
            if ended:
                events.append(
                    dict(
                        subscription_id=n + 1,
                        kind="status",
                        from_status="active",
                        to_status="ended",
                        actor="bench",
                        detail="",
                        created_at=now - timedelta(days=n % 60),
                    )
                )
        db.session.execute(insert(Subscription), subs)
        db.session.execute(insert(PaidPeriod), periods)
        db.session.execute(insert(SubscriptionEvent), events)
        db.session.commit()


def signed_in_client(app):
    admin = User(email="admin@example.com", password_hash=hash_password("bench bench bench"), is_admin=True)
    db.session.add(admin)
    db.session.flush()
    open_session(admin)
    db.session.commit()
    with app.test_request_context():
        login_user(admin)
        from flask import session

        pass_second_factor()
        cookie = dict(session)
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(cookie)
    assert SESSION_KEY in cookie
    return client


def timed(client, url: str) -> tuple[float, int]:
    times, status = [], 0
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        times.append(time.perf_counter() - started)
        status = response.status_code
    return statistics.median(times), status


def bench(server: str | None) -> None:
    url, drop = scratch_database(server)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            now = datetime.now(UTC)
            load_posts(now)
            load_orders(now)
            load_subscriptions(now)
            if db.engine.dialect.name == "postgresql":
                for table, n in (("order", ORDERS), ("subscription", SUBSCRIPTIONS), ("post", POSTS)):
                    db.session.execute(text(f"SELECT setval('{table}_id_seq', :n)"), {"n": n})
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            client = signed_in_client(app)
            today = now.date()
            pages = [
                ("dashboard", "/admin"),
                ("orders, first page", "/admin/orders"),
                ("orders, far page", "/admin/orders?before=1000"),
                ("orders, status=paid", "/admin/orders?status=paid"),
                ("orders, waiting to ship", "/admin/orders?status=to-ship"),
                ("orders, country=JP", "/admin/orders?country=JP"),
                ("orders, last 7 days", f"/admin/orders?placed_from={today - timedelta(days=7)}"),
                ("orders, search number", f"/admin/orders?q={order_number(54321)}"),
                ("orders, search email", "/admin/orders?q=buyer54321@example.com"),
                ("orders, search email start", "/admin/orders?q=buyer5432@"),
                ("orders, search name", "/admin/orders?q=park%2054321"),
                ("order detail", f"/admin/orders/{order_number(54321)}"),
                ("audit", "/admin/audit"),
                ("sales by post, 30 days", "/admin/reports/posts"),
                ("sales by post, 365 days", "/admin/reports/posts?days=365"),
            ]
            if "admin.subscriptions" in app.view_functions:
                pages += [
                    ("subscriptions, first page", "/admin/subscriptions"),
                    ("subscriptions, status=active", "/admin/subscriptions?status=active"),
                ]
            print(f"== {db.engine.dialect.name}: {ORDERS:,} orders, {SUBSCRIPTIONS:,} subscriptions")
            for name, page in pages:
                seconds, status = timed(client, page)
                print(f"{name:<32} {seconds * 1000:8.1f} ms   {status}")
            started = time.perf_counter()
            size = len(client.get("/admin/exports/orders.csv").get_data())
            print(f"{'orders.csv, all 100,000':<32} {(time.perf_counter() - started) * 1000:8.1f} ms   {size:,} bytes")
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    bench(os.environ.get("BENCH_DATABASE_URL"))
