"""Time the monthly box run for 10,000 and 100,000 active subscriptions.

    .venv/bin/python bench/box_run.py                 # SQLite
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/box_run.py

On PostgreSQL a scratch database is created on that server and dropped afterwards.
Prints one line per size: the run's wall time, shipments created, and time per 1,000.
A mix of plans and states is loaded so the run's filters have work to do: about 1 in 10
subscriptions is unpaid, skipped, or ended and must be left out.
"""

import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from shop import create_app  # noqa: E402
from shop.config import normalise_database_url  # noqa: E402
from shop.core.vat import VatTreatment, vat_in_gross  # noqa: E402
from shop.extensions import db  # noqa: E402
from shop.subscriptions import box_run  # noqa: E402
from shop.subscriptions.models import (  # noqa: E402
    Edition,
    PaidPeriod,
    Plan,
    PlanKind,
    Shipment,
    Skip,
    Subscription,
    SubscriptionStatus,
)

SIZES = [10_000, 100_000]
MONTH = date(2027, 1, 1)
CHUNK = 10_000


def scratch_database(server: str | None):
    if not server:
        folder = tempfile.mkdtemp()
        return f"sqlite:///{folder}/bench.db", lambda: None
    url = make_url(normalise_database_url(server))
    name = f"shop_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return url.set(database=name).render_as_string(hide_password=False), drop


def _sold_price(price: int, *, uk: bool, now: datetime) -> dict:
    """The stored price of a subscription (no shipping: the bench has no zones)."""
    vat = vat_in_gross(price)
    box = price if uk else price - vat
    return dict(
        box_pence=box,
        shipping_pence=0,
        vat_pence=vat if uk else 0,
        vat_removed_pence=0 if uk else vat,
        total_pence=box,
        vat_treatment=VatTreatment.UK if uk else VatTreatment.EXPORT,
        shipping_zone_name="",
        priced_at=now,
    )


def load(size: int) -> Edition:
    plans = {
        code: Plan(code=code, name=code, kind=kind, months=months, price_pence=2499 * months)
        for code, kind, months in [
            ("monthly", PlanKind.MONTHLY, 1),
            ("prepaid-3", PlanKind.PREPAID, 3),
            ("gift-3", PlanKind.GIFT, 3),
        ]
    }
    db.session.add_all(plans.values())
    edition = Edition(
        month=MONTH, theme="Bench", manifest=[], cutoff_at=datetime(2027, 1, 10, tzinfo=UTC), ships_on=date(2027, 1, 15)
    )
    db.session.add(edition)
    db.session.commit()
    plan_ids = [plans["monthly"].id, plans["monthly"].id, plans["prepaid-3"].id, plans["gift-3"].id]
    prices = {plan.id: plan.price_pence for plan in plans.values()}
    now = datetime.now(UTC)
    for start in range(0, size, CHUNK):
        subs, periods, skips = [], [], []
        for n in range(start, min(start + CHUNK, size)):
            status = SubscriptionStatus.ENDED if n % 40 == 7 else SubscriptionStatus.ACTIVE
            subs.append(
                dict(
                    id=n + 1,
                    plan_id=plan_ids[n % 4],
                    status=status,
                    email=f"s{n}@example.com",
                    ship_name=f"Subscriber {n}",
                    ship_line1=f"{n} Hanok Lane",
                    ship_line2="",
                    ship_city="Leeds",
                    ship_postcode="LS1 1AA",
                    ship_country="GB" if n % 3 else "DE",
                    first_month=MONTH,
                    cancel_at_period_end=False,
                    created_at=now,
                    **_sold_price(prices[plan_ids[n % 4]], uk=bool(n % 3), now=now),
                )
            )
            if n % 20 != 3:  # about 1 in 20 never paid
                periods.append(
                    dict(
                        subscription_id=n + 1,
                        reference=f"in_{n}",
                        first_month=MONTH,
                        last_month=MONTH,
                        amount_pence=2499,
                        paid_at=now,
                    )
                )
            if n % 50 == 11:
                skips.append(dict(subscription_id=n + 1, edition_id=edition.id, created_at=now))
        db.session.execute(insert(Subscription), subs)
        db.session.execute(insert(PaidPeriod), periods)
        if skips:
            db.session.execute(insert(Skip), skips)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval('subscription_id_seq', :n)"), {"n": size})
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return edition


def bench(size: int, server: str | None) -> None:
    url, drop = scratch_database(server)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            edition = load(size)
            started = time.perf_counter()
            result = box_run.run(edition, run_by="bench")
            elapsed = time.perf_counter() - started
            again_started = time.perf_counter()
            again = box_run.run(edition, run_by="bench")
            again_elapsed = time.perf_counter() - again_started
            assert db.session.scalar(select(func.count()).select_from(Shipment)) == result.total
            print(
                f"{db.engine.dialect.name:<10} {size:>7,} subscriptions: run {elapsed:6.2f} s, "
                f"{result.created:>6,} shipments ({elapsed / size * 1000 * 1000:5.2f} ms per 1,000), "
                f"re-run {again_elapsed:5.2f} s creating {again.created}"
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    server = os.environ.get("BENCH_DATABASE_URL")
    for size in SIZES:
        bench(size, server)
