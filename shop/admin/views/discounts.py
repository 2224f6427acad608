"""Discount codes: create, limit, expire, and see each code's uses and the revenue of the
paid orders that used it."""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...core.calendar import LONDON
from ...db_types import utcnow
from ...discounts import operations as discount_ops
from ...discounts.models import DiscountCode, DiscountKind
from ...discounts.services import DiscountError
from ...extensions import db
from ...orders import discount_usage
from .. import audit
from ..blueprint import bp
from ..catalogue_forms import pence, pounds
from ..changes import committed, rolled_back
from ..money_forms import DiscountForm


@bp.get("/discounts")
def discounts():
    codes = db.session.scalars(select(DiscountCode).order_by(DiscountCode.id.desc())).all()
    return render_template(
        "admin/discounts/index.html", codes=codes, usage=discount_usage.usage_by_code(), now=utcnow()
    )


def _local(moment):
    return moment.astimezone(LONDON).replace(tzinfo=None, second=0, microsecond=0) if moment else None


def _draft(form: DiscountForm) -> discount_ops.DiscountDraft:
    def aware(value):
        return value.replace(tzinfo=LONDON) if value else None

    return discount_ops.DiscountDraft(
        code=form.code.data,
        kind=DiscountKind(form.kind.data),
        description=form.description.data or "",
        percent_off=form.percent_off.data,
        amount_off_pence=pence(form.amount_off.data),
        valid_from=aware(form.valid_from.data),
        valid_until=aware(form.valid_until.data),
        usage_limit=form.usage_limit.data,
        per_customer_limit=form.per_customer_limit.data,
        is_active=form.is_active.data,
    )


@bp.route("/discounts/new", methods=["GET", "POST"])
@bp.route("/discounts/<int:discount_id>", methods=["GET", "POST"])
def discount(discount_id: int | None = None):
    found = db.get_or_404(DiscountCode, discount_id) if discount_id else None
    form = DiscountForm()
    if request.method == "GET" and found is not None:
        form.code.data, form.description.data, form.kind.data = found.code, found.description, found.kind.value
        form.percent_off.data, form.amount_off.data = found.percent_off, pounds(found.amount_off_pence)
        form.valid_from.data, form.valid_until.data = _local(found.valid_from), _local(found.valid_until)
        form.usage_limit.data, form.per_customer_limit.data = found.usage_limit, found.per_customer_limit
        form.is_active.data = found.is_active
    error = None
    if form.validate_on_submit():
        try:
            saved = discount_ops.save_discount(_draft(form), found)
        except DiscountError as refused:
            error = rolled_back(refused)
            found = db.session.get(DiscountCode, discount_id) if discount_id else None
        else:
            return committed(
                "discount.create" if found is None else "discount.update",
                saved,
                code=saved.code,
                message=f"Saved {saved.code}.",
                to=url_for("admin.discount", discount_id=saved.id),
            )
    usage = discount_usage.usage_by_code().get(found.id) if found else None
    orders = discount_usage.recent_orders(found) if found else []
    return render_template(
        "admin/discounts/edit.html", discount=found, form=form, error=error, usage=usage, orders=orders
    )


@bp.post("/discounts/<int:discount_id>/expire")
def discount_expire(discount_id: int):
    found = db.get_or_404(DiscountCode, discount_id)
    discount_ops.expire_now(found, utcnow())
    audit.record("discount.expire", found, code=found.code)
    db.session.commit()
    flash(
        f"{found.code} has expired: customers can no longer use it. Orders that used it keep their discount.", "success"
    )
    return redirect(url_for("admin.discount", discount_id=discount_id), 303)
