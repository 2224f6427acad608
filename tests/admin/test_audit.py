"""The audit trail: `record` names the admin and the subject; the page lists, filters and
pages through it newest first."""

import re

from flask_login import login_user
from sqlalchemy import select

from shop.accounts.models import User
from shop.accounts.services import open_session
from shop.admin import audit
from shop.admin.models import AdminAction
from shop.extensions import db

from .factories import make_admin


def _record_as(app, email, *entries):
    with app.app_context(), app.test_request_context():
        user = db.session.scalar(select(User).filter_by(email=email))
        open_session(user)
        login_user(user)
        for action, subject, detail in entries:
            audit.record(action, subject, **detail)
        db.session.commit()


def test_record_names_the_admin_the_subject_and_the_detail(app, admin):
    with app.app_context(), app.test_request_context():
        user = db.session.get(User, admin.id)
        open_session(user)
        login_user(user)
        row = audit.record("order.refund", user, amount_pence=500, lines=("a", "b"))
        audit.record("shop.settings", None)
        audit.record("edition.run", ("edition", "2027-01"), month="2027-01")
        db.session.commit()
        assert (row.admin_id, row.admin_email, row.action) == (admin.id, admin.email, "order.refund")
        assert (row.subject_type, row.subject_id) == ("user_account", str(admin.id))
        assert row.detail == {"amount_pence": 500, "lines": ["a", "b"]}
        rows = db.session.scalars(select(AdminAction).order_by(AdminAction.id)).all()
        assert [(r.subject_type, r.subject_id) for r in rows] == [
            ("user_account", str(admin.id)),
            (None, None),
            ("edition", "2027-01"),
        ]


def test_the_audit_page_filters_by_admin_and_action_and_pages_newest_first(app, admin, admin_client):
    with app.app_context():
        make_admin("second@inspiremekorea.co.uk")
    _record_as(app, admin.email, *[("order.ship", ("order", f"A{n:03}"), {"n": n}) for n in range(120)])
    _record_as(app, "second@inspiremekorea.co.uk", ("product.update", ("product", "7"), {"price_pence": 1299}))

    page = admin_client.get("/admin/audit")
    assert page.status_code == 200
    # 120 ships + the product + the admin's own sign-in.
    assert "122 actions" in page.text
    assert page.text.index("product.update") < page.text.index("order A119")
    assert "order A071" in page.text and "order A070" not in page.text  # 50 a page

    older = re.search(r'href="([^"]+)" rel="next"|rel="next" href="([^"]+)"', page.text)
    older_url = (older.group(1) or older.group(2)).replace("&amp;", "&")
    second = admin_client.get(older_url)
    assert "order A070" in second.text and "order A021" in second.text and "order A020" not in second.text
    newer = re.search(r'rel="prev" href="([^"]+)"', second.text).group(1).replace("&amp;", "&")
    assert "product.update" in admin_client.get(newer).text

    by_action = admin_client.get("/admin/audit?action=product.update")
    assert "1 action<" in by_action.text and "order A" not in by_action.text
    with app.app_context():
        second_id = db.session.scalar(select(User.id).filter_by(email="second@inspiremekorea.co.uk"))
    by_admin = admin_client.get(f"/admin/audit?admin={second_id}")
    assert "<code>product.update</code>" in by_admin.text and "<code>order.ship</code>" not in by_admin.text
    # Filters survive paging.
    shipped = admin_client.get("/admin/audit?action=order.ship")
    link = re.search(r'rel="next" href="([^"]+)"', shipped.text).group(1)
    assert "action=order.ship" in link
