"""Time the monthly box run and its packing list, by number of subscriptions.

    .venv/bin/python bench/box_run.py                 # SQLite, 10,000 and 100,000
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/box_run.py
    BENCH_DATABASE_URL=... .venv/bin/python bench/box_run.py --sizes 10000,100000,1000000

On PostgreSQL a scratch database is created on that server and dropped afterwards, and the
subscriptions are loaded by the server itself (INSERT ... SELECT over generate_series), so
loading a million takes seconds; SQLite gets them in batches of 10,000.
A mix of plans and states is loaded so the run's filters have work to do: about 1 in 10
subscriptions is unpaid, skipped, or ended and must be left out, and a quarter are gifts
whose last box this is (the run ends them).

Prints one line per size: the run's wall time (committed), the packing list written to a
file, time per 1,000, and the process's peak resident memory during run and list (the
high-water mark is reset after loading; ru_maxrss where Linux's cannot be), which stays
flat as the size grows. Then the run again, which finds nothing left to create.
"""

import argparse
import logging
import os
import re
import resource
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
RUN_AT = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)  # after the edition's cutoff: the run is refused before it
CHUNK = 10_000


def quiet_upgrade() -> None:
    """Migrate the scratch database to head without a log line per migration."""
    logging.disable(logging.INFO)
    try:
        upgrade()
    finally:
        logging.disable(logging.NOTSET)


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


def _edition_and_plans() -> tuple[Edition, dict[str, Plan]]:
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
    return edition, plans


def load(size: int) -> Edition:
    edition, plans = _edition_and_plans()
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


def load_on_server(size: int) -> Edition:
    """The same subscriptions as `load`, made by PostgreSQL from generate_series."""
    edition, plans = _edition_and_plans()
    now = datetime.now(UTC)
    plan_ids = [plans["monthly"].id, plans["monthly"].id, plans["prepaid-3"].id, plans["gift-3"].id]
    prices = []  # (n % 4, UK?) -> the sold price columns, as `load` computes them
    for k, plan_id in enumerate(plan_ids):
        for uk in (True, False):
            sold = _sold_price(2499 * (3 if k >= 2 else 1), uk=uk, now=now)
            prices.append(
                f"({k}, {str(uk).lower()}, {plan_id}, {sold['box_pence']}, {sold['vat_pence']}, "
                f"{sold['vat_removed_pence']}, {sold['total_pence']}, '{sold['vat_treatment'].value}')"
            )
    params = {"last": size - 1, "month": MONTH, "now": now, "edition": edition.id}
    db.session.execute(
        text(
            f"""
            INSERT INTO subscription (id, plan_id, status, email, ship_name, ship_line1, ship_line2, ship_city,
                ship_postcode, ship_country, ship_region, ship_phone, first_month, cancel_at_period_end, created_at,
                box_pence, shipping_pence, vat_pence, vat_removed_pence, total_pence, vat_treatment,
                shipping_zone_name, priced_at, discount_pence)
            SELECT n + 1, p.plan_id,
                CASE WHEN n % 40 = 7 THEN '{SubscriptionStatus.ENDED.value}' ELSE '{SubscriptionStatus.ACTIVE.value}' END,
                's' || n || '@example.com', 'Subscriber ' || n, n || ' Hanok Lane', '', 'Leeds', 'LS1 1AA',
                CASE WHEN n % 3 <> 0 THEN 'GB' ELSE 'DE' END, '', '', :month, false, :now,
                p.box, 0, p.vat, p.vat_removed, p.total, p.treatment, '', :now, 0
            FROM generate_series(0, :last) AS n
            JOIN (VALUES {", ".join(prices)}) AS p(k, uk, plan_id, box, vat, vat_removed, total, treatment)
                ON p.k = n % 4 AND p.uk = (n % 3 <> 0)
            """
        ),
        params,
    )
    db.session.execute(
        text(
            "INSERT INTO paid_period (subscription_id, reference, first_month, last_month, amount_pence, paid_at) "
            "SELECT n + 1, 'in_' || n, :month, :month, 2499, :now FROM generate_series(0, :last) AS n WHERE n % 20 <> 3"
        ),
        params,
    )
    db.session.execute(
        text(
            "INSERT INTO skip (subscription_id, edition_id, created_at) "
            "SELECT n + 1, :edition, :now FROM generate_series(0, :last) AS n WHERE n % 50 = 11"
        ),
        params,
    )
    db.session.execute(text("SELECT setval('subscription_id_seq', :n)"), {"n": size})
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return edition


def reset_peak_memory() -> bool:
    """Reset the process's resident-memory high-water mark (Linux); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_memory_mb(reset_worked: bool) -> float:
    if reset_worked:
        return int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux: the whole life


def bench(size: int, server: str | None) -> None:
    url, drop = scratch_database(server)
    folder = tempfile.mkdtemp()
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            quiet_upgrade()
            loading = time.perf_counter()
            edition = load_on_server(size) if db.engine.dialect.name == "postgresql" else load(size)
            loaded = time.perf_counter() - loading
            db.session.expire_all()
            reset = reset_peak_memory()
            started = time.perf_counter()
            result = box_run.run(edition, run_by="bench", now=RUN_AT)
            db.session.commit()
            ran = time.perf_counter() - started
            with Path(folder, "packing-list.csv").open("w", newline="", encoding="utf-8") as out:
                parcels = box_run.write_packing_list(edition, out)
            elapsed = time.perf_counter() - started
            peak = peak_memory_mb(reset)
            again_started = time.perf_counter()
            again = box_run.run(edition, run_by="bench", now=RUN_AT)
            db.session.commit()
            again_elapsed = time.perf_counter() - again_started
            assert db.session.scalar(select(func.count()).select_from(Shipment)) == result.total == parcels
            print(
                f"{db.engine.dialect.name:<10} {size:>9,} subscriptions (loaded in {loaded:5.1f} s): "
                f"run {ran:6.2f} s + packing list {elapsed - ran:5.2f} s = {elapsed:6.2f} s, "
                f"{result.created:>7,} shipments, {result.ended:>7,} ended, "
                f"{elapsed / size * 1000:6.3f} s per 1,000, peak RSS {peak:6.1f} MB; "
                f"re-run {again_elapsed:5.2f} s creating {again.created}",
                flush=True,
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


def sizes(value: str) -> list[int]:
    return [int(part.replace("_", "")) for part in value.split(",") if part.strip()]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--sizes", type=sizes, default=SIZES, help="subscriptions per run, comma-separated (default 10000,100000)"
    )
    options = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_URL")
    for size in options.sizes:
        bench(size, server)
