"""The dashboard's figures and links, and the CSV exports (streamed, formulas neutralised,
each download in the audit trail)."""

import csv
import io
from datetime import date

from sqlalchemy import select

from shop.admin import figures
from shop.admin.models import AdminAction
from shop.extensions import db
from shop.models import Order
from shop.subscriptions.models import Edition

from ..box_factories import make_subscription
from ..commerce import items, place
from .test_orders import paid_order


def test_the_dashboard_counts_sales_subscribers_and_the_next_box(app, seeded, admin_client):
    first = paid_order(app)
    paid_order(app, country="DE")
    with app.app_context():
        place(items(MAG_001=1))  # not paid: not a sale
        edition = db.session.scalar(select(Edition).order_by(Edition.cutoff_at.desc()).limit(1))
        make_subscription(first_month=edition.month)
        make_subscription("prepaid-6", first_month=edition.month, country="US")
        total = sum(o.total_pence for o in db.session.scalars(select(Order).where(Order.paid_at.is_not(None))))
        board = figures.dashboard()
        assert (board.today.orders, board.today.pence) == (2, total)
        assert board.month.orders >= 2
        assert board.waiting_to_ship == 2
        assert board.active_subscribers == 2
        assert board.mrr_pence > 0
        assert board.failed_jobs == 0
    page = admin_client.get("/admin")
    assert page.status_code == 200
    assert '<svg class="chart"' in page.text and "Sales per day" in page.text
    assert 'href="/admin/orders?status=to-ship"' in page.text  # the figure links to its list
    assert "Active subscribers" in page.text and "Monthly recurring revenue" in page.text
    assert first not in page.text  # figures, not a list of orders


def test_the_next_edition_box_count_by_zone_and_plan(app, seeded):
    with app.app_context():
        edition = figures.next_edition(figures.utcnow())
        if edition is None:  # the demo editions may all be past: make one
            from ..box_factories import make_edition

            edition = make_edition(date(2099, 1, 1))
        make_subscription(first_month=edition.month)
        make_subscription(first_month=edition.month)
        make_subscription(first_month=edition.month, country="US")
        boxes = figures.boxes_by_zone_and_plan(edition)
        assert sum(n for *_, n in boxes) == 3
        assert {zone for zone, _, _ in boxes} == {"United Kingdom", "North America"}


def test_exports_are_streamed_csv_with_formulas_neutralised(app, seeded, admin_client):
    with app.app_context():
        order = place(items(MAG_001=1), email="evil@example.com")
        number = order.number
    # A customer who calls themselves a formula: shown as text in every export.
    with app.app_context():
        db.session.execute(
            Order.__table__.update().where(Order.number == number).values(ship_name='=HYPERLINK("http://x","y")')
        )
        db.session.commit()
    index = admin_client.get("/admin/exports")
    assert index.status_code == 200
    for name in ("orders", "subscriptions", "customers"):
        assert f"/admin/exports/{name}.csv" in index.text
    response = admin_client.get("/admin/exports/orders.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["number", "placed (UK time)", "status"]
    [row] = [r for r in rows[1:] if r[0] == number]
    assert row[4] == '\'=HYPERLINK("http://x","y")'
    assert row[16] == "6.99"  # pounds, from pence without floats
    customers = admin_client.get("/admin/exports/customers.csv").get_data(as_text=True)
    assert "admin@inspiremekorea.co.uk" in customers
    assert admin_client.get("/admin/exports/nothing.csv").status_code == 404
    with app.app_context():
        downloads = db.session.scalars(select(AdminAction).filter_by(action="export.download")).all()
        assert [d.subject_id for d in downloads] == ["orders", "customers"]


def test_the_newsletter_export_lists_confirmed_subscribers_only(app, seeded, admin_client):
    from shop.newsletter.models import NewsletterSubscriber, SubscriberStatus

    with app.app_context():
        db.session.add_all(
            [
                NewsletterSubscriber(
                    email="=cmd@example.com", status=SubscriberStatus.CONFIRMED, source="footer",
                    unsubscribe_token="t1", confirmed_at=figures.utcnow(),
                ),
                NewsletterSubscriber(email="waiting@example.com", status=SubscriberStatus.PENDING, unsubscribe_token="t2"),
            ]
        )  # fmt: skip
        db.session.commit()
    assert "/admin/exports/newsletter.csv" in admin_client.get("/admin/exports").text
    rows = list(csv.reader(io.StringIO(admin_client.get("/admin/exports/newsletter.csv").get_data(as_text=True))))
    assert rows[0] == ["email", "signed up from", "confirmed (UK time)"]
    assert [row[:2] for row in rows[1:]] == [["'=cmd@example.com", "footer"]]


def test_the_dashboard_says_why_subscribers_left(app, seeded, admin_client):
    from shop.subscriptions import manage

    with app.app_context():
        edition = db.session.scalar(select(Edition).order_by(Edition.cutoff_at.desc()).limit(1))
        for reason, note in [("too_expensive", None), ("too_expensive", None), ("other", "Too much plastic")]:
            manage.cancel(make_subscription(first_month=edition.month), reason=reason, note=note)
        db.session.commit()
        reasons = figures.dashboard().churn_reasons
    assert [(r.code, r.count) for r in reasons] == [("too_expensive", 2), ("other", 1)]
    page = admin_client.get("/admin")
    assert "Why subscribers left" in page.text
    assert "It costs more than I want to spend" in page.text and "Too much plastic" in page.text
