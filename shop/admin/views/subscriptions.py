"""Subscriptions: the list with filters (status, plan, country, in arrears), the detail with
its history and boxes, and skip, pause, resume, cancel on the subscriber's behalf — through
the same operations as the subscriber's own pages (subscriptions/manage.py), with the
admin and the reason in the subscription's history and the audit trail."""

from flask import flash, redirect, render_template, url_for
from wtforms import BooleanField, SelectField, StringField

from ...core.addresses import country_choices
from ...core.forms import options
from ...db_types import utcnow
from ...extensions import db
from ...payments.gateway import PaymentError
from ...subscriptions import lifecycle, listing, manage, overview
from ...subscriptions.lifecycle import SubscriptionError
from ...subscriptions.models import Subscription, SubscriptionStatus
from .. import audit
from ..blueprint import bp
from ..box_forms import ReasonForm
from ..lists import FilterForm, keyset_page


class SubscriptionFilters(FilterForm):
    status = SelectField("Status", choices=[], validate_choice=False)
    plan = SelectField("Plan", choices=[], validate_choice=False)
    country = SelectField("Country", choices=[], validate_choice=False)
    email = StringField("Email")
    arrears = BooleanField("Only in arrears")


@bp.get("/subscriptions")
def subscriptions():
    filters = SubscriptionFilters()
    filters.status.choices = options([("", "Any status")] + [(s.value, s.label) for s in SubscriptionStatus])
    filters.plan.choices = options([("", "Any plan")] + [(str(p.id), p.name) for p in listing.plans()])
    filters.country.choices = options([("", "Any country")] + country_choices())
    status = filters.status.data
    wanted = listing.SubscriptionFilter(
        status=SubscriptionStatus(status) if status in {s.value for s in SubscriptionStatus} else None,
        plan_id=int(filters.plan.data) if (filters.plan.data or "").isdigit() else None,
        country=filters.country.data or None,
        arrears=bool(filters.arrears.data),
        email=filters.email.data or "",
    )
    page = keyset_page(listing.filtered(wanted), Subscription.id)
    return render_template("admin/subscriptions/index.html", filters=filters, page=page)


@bp.get("/subscriptions/<int:subscription_id>")
def subscription(subscription_id: int):
    sub = db.get_or_404(Subscription, subscription_id)
    now = utcnow()
    return render_template(
        "admin/subscriptions/show.html",
        sub=sub,
        o=overview.overview(sub, now),
        history=listing.history(sub),
        skippable=manage.skippable_edition(sub, now),
        form=ReasonForm(),
    )


ACTIONS = {
    "skip": ("Skipped the next box", lambda sub, actor: manage.skip_next_box(sub, actor=actor)),
    "pause": ("Paused", lambda sub, actor: manage.pause(sub, actor=actor)),
    "resume": ("Resumed", lambda sub, actor: manage.resume(sub, actor=actor)),
    "cancel": ("Set to end after the paid boxes", lambda sub, actor: manage.cancel(sub, actor=actor)),
    "keep": ("Cancellation taken back", lambda sub, actor: manage.keep(sub, actor=actor)),
}


@bp.post("/subscriptions/<int:subscription_id>/<any(skip, pause, resume, cancel, keep):action>")
def subscription_action(subscription_id: int, action: str):
    sub = db.get_or_404(Subscription, subscription_id)
    form = ReasonForm()
    back = redirect(url_for("admin.subscription", subscription_id=subscription_id), 303)
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return back
    done, call = ACTIONS[action]
    actor = audit.admin_actor()
    try:
        call(sub, actor)
        lifecycle.record(sub, "admin note", actor=actor, detail=f"{action}: {form.reason.data}")
    except (SubscriptionError, PaymentError) as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return back
    audit.record(f"subscription.{action}", sub, reason=form.reason.data)
    db.session.commit()
    flash(f"{done} for {sub.email}.", "success")
    return back
