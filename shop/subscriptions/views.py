"""/culture-box: the plans; /culture-box/subscribe and /culture-box/gift: choose → review →
pay → welcome. Subscribing needs an account (the subscriber manages the box from it)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..accounts import services as accounts
from ..accounts.access import owned_or_404
from ..core.calendar import SHIP_DAY
from ..db_types import utcnow
from ..extensions import db, limiter
from ..payments import PaymentError, get_gateway
from . import lifecycle, services, subscribe
from .forms import SubscribeForm
from .lifecycle import SubscriptionError
from .models import PlanKind, Subscription, SubscriptionStatus
from .subscribe import BoxChoice

bp = Blueprint("subscriptions", __name__)

CHOICE_KEY = "box_choice"


@bp.get("/culture-box")
def culture_box():
    now = utcnow()
    first_month = services.first_box_month(now)
    return render_template(
        "subscriptions/culture_box.html",
        plans=services.active_plans(),
        monthly=services.monthly_plan(),
        zones=services.zones_with_box_shipping(),
        first_month=first_month,
        cutoff=services.cutoff_for(first_month),
        ship_day=SHIP_DAY,
        editions=services.upcoming_editions(first_month),
    )


def _plans(gift: bool):
    return [p for p in services.active_plans() if (p.kind is PlanKind.GIFT) == gift]


def _choose(gift: bool):
    if not current_user.is_authenticated:
        flash("Sign in or create an account to subscribe: you'll skip, pause or cancel your box from it.", "info")
        return redirect(url_for("accounts.sign_in", next=request.full_path))
    now = utcnow()
    plans = _plans(gift)
    saved = BoxChoice.from_dict(session.get(CHOICE_KEY))
    form = SubscribeForm()
    form.set_choices(plans, subscribe.gift_start_months(now) if gift else [])
    if request.method == "GET":
        if saved and (subscribe.plan_by_code(saved.plan_code, gift=gift) is not None):
            form.fill_from(saved.ship_to)
            form.plan.data, form.first_month.data, form.gift_message.data = (
                saved.plan_code,
                saved.first_month,
                saved.gift_message,
            )
        elif not gift:  # a gift goes to someone else: their address starts empty
            form.process(data=accounts.checkout_prefill(current_user))
        if request.args.get("plan") in {p.code for p in plans}:
            form.plan.data = request.args["plan"]
        form.plan.data = form.plan.data or (plans[0].code if plans else None)
    elif form.validate_on_submit():
        choice = BoxChoice(
            plan_code=form.plan.data,
            ship_to=form.postal_address(),
            first_month=form.first_month.data if gift else None,
            gift_message=form.gift_message.data if gift else None,
        )
        session[CHOICE_KEY] = choice.to_dict()  # kept even if it is refused below
        try:
            subscribe.price(choice, now)
        except SubscriptionError as error:
            form.country.errors.append(str(error))
        else:
            return redirect(url_for("subscriptions.review"))
    status = 422 if form.errors else 200
    return render_template(
        "subscriptions/subscribe.html",
        form=form,
        plans=plans,
        gift=gift,
        first_month=services.first_box_month(now),
        cutoff=services.cutoff_for(services.first_box_month(now)),
    ), status


@bp.route("/culture-box/subscribe", methods=["GET", "POST"])
def choose():
    return _choose(gift=False)


@bp.route("/culture-box/gift", methods=["GET", "POST"])
def choose_gift():
    return _choose(gift=True)


def _saved_choice():
    choice = BoxChoice.from_dict(session.get(CHOICE_KEY))
    if choice is None:
        flash("Choose your plan and where the box goes first.", "info")
    return choice


def _edit_url(priced) -> str:
    return url_for("subscriptions.choose_gift" if priced.plan.kind is PlanKind.GIFT else "subscriptions.choose")


@bp.get("/culture-box/subscribe/review")
@login_required
def review():
    choice = _saved_choice()
    if choice is None:
        return redirect(url_for("subscriptions.choose"))
    try:
        priced = subscribe.price(choice)
    except SubscriptionError as error:
        flash(str(error), "error")
        return redirect(url_for("subscriptions.choose_gift" if choice.first_month else "subscriptions.choose"))
    edition = services.edition_for(priced.first_month)
    return render_template(
        "subscriptions/review.html",
        priced=priced,
        edition=edition,
        edit_url=_edit_url(priced),
        ship_day=SHIP_DAY,
        gateway_name=get_gateway().name,
    )


@bp.post("/culture-box/subscribe/pay")
@login_required
@limiter.limit(lambda: current_app.config.get("CHECKOUT_RATE_LIMIT", "10 per minute"))
def pay():
    choice = _saved_choice()
    if choice is None:
        return redirect(url_for("subscriptions.choose"))

    def urls(sub: Subscription) -> tuple[str, str]:
        return (
            url_for("subscriptions.welcome", sub_id=sub.id, _external=True),
            url_for("subscriptions.review", _external=True),
        )

    try:
        _, checkout = subscribe.start(current_user, choice, urls=urls)
    except (SubscriptionError, PaymentError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("subscriptions.review"))
    db.session.commit()
    return redirect(checkout.url, code=303)


@bp.post("/culture-box/subscribe/finish/<int:sub_id>")
@login_required
def finish(sub_id: int):
    """ "Finish paying" for an attempt that was not completed: back to its review page with
    the same plan and address; paying there replaces the attempt (subscribe.start)."""
    sub = owned_or_404(Subscription, sub_id)
    try:
        session[CHOICE_KEY] = subscribe.choice_of(sub).to_dict()
    except SubscriptionError as error:
        flash(str(error), "info")
        return redirect(url_for("subscriber.manage", sub_id=sub.id))
    return redirect(url_for("subscriptions.review"))


@bp.get("/culture-box/welcome/<int:sub_id>")
@login_required
def welcome(sub_id: int):
    sub = owned_or_404(Subscription, sub_id)
    if sub.status is not SubscriptionStatus.PENDING_PAYMENT:
        session.pop(CHOICE_KEY, None)
    now = utcnow()
    boxes = lifecycle.upcoming_boxes(sub, now)
    edition = services.edition_for(boxes[0] if boxes else None)
    return render_template(
        "subscriptions/welcome.html",
        sub=sub,
        first_box=boxes[0] if boxes else None,
        edition=edition,
        upcoming=lifecycle.next_payment(sub, now),
    )
