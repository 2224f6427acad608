"""The subscriber's own pages in their account: see a subscription, skip the next box (and
undo it), pause and resume, move house, cancel at the end of the paid period, fix the card,
print a payment's receipt.

Thin views: form → manage.* (which tells the payment provider) → one commit, or a rollback
when it refuses → flash → redirect. Every URL loads the subscription with owned_or_404, so
someone else's subscription is the same 404 as one that does not exist.
"""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from ..accounts.access import owned_or_404
from ..accounts.forms import ConfirmForm
from ..core.addresses import country_name
from ..core.forms import ShopForm, row_id
from ..core.money import format_money
from ..extensions import db
from ..orders.services import OrderError
from ..payments import PaymentError
from ..shipping.forms import DeliveryAddressForm
from . import addons, lifecycle
from . import manage as actions
from .forms import CancelForm
from .lifecycle import SubscriptionError
from .models import PaidPeriod, Subscription
from .overview import overview

# The subscriber's own pages under /account/subscriptions: a blueprint of their own
# (endpoints "subscriber.manage", "subscriber.skip", ...).
bp = Blueprint("subscriber", __name__)

REFUSED = (SubscriptionError, PaymentError)


class SkipForm(ShopForm):
    edition = HiddenField()  # the box the page offered, so a stale page never skips another one


class AddToBoxForm(ShopForm):
    variant_id = IntegerField(validators=[InputRequired(), row_id("That item is not available.")])
    quantity = IntegerField(default=1, validators=[Optional(), NumberRange(1, addons.MAX_QUANTITY)])
    back = HiddenField()  # the page the button was on, to come back to if paying is abandoned


@bp.app_template_global("next_boxes_for_extras")
def next_boxes_for_extras() -> list:
    """The boxes the signed-in customer could add an item to (product pages, post cards);
    worked out once per request."""
    if "next_boxes_for_extras" not in g:
        g.next_boxes_for_extras = addons.next_boxes_for(current_user.id if current_user.is_authenticated else None)
    return g.next_boxes_for_extras


@bp.app_template_global("subscription_overview")
def subscription_overview(sub: Subscription):
    """For the account page's list item (templates/subscriptions/_account_item.html)."""
    return overview(sub)


def _manage_page(sub: Subscription):
    return redirect(url_for("subscriber.manage", sub_id=sub.id))


def _act(sub: Subscription, action, success, form: ShopForm | None = None):
    """Run one manage.* action from a button; its refusal is flashed on the manage page.
    `success` is the message, or a function of the action's result giving it."""
    if not (form or ConfirmForm()).validate_on_submit():
        flash("The form expired: please try again.", "error")
        return _manage_page(sub)
    try:
        result = action(sub)
    except REFUSED as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(success(result) if callable(success) else success, "success")
    return _manage_page(sub)


@bp.get("/account/subscriptions/<int:sub_id>")
@login_required
def manage(sub_id: int):
    sub = owned_or_404(Subscription, sub_id)
    return render_template("subscriptions/manage.html", o=overview(sub), form=ConfirmForm(), skip_form=SkipForm())


@bp.post("/account/subscriptions/<int:sub_id>/skip")
@login_required
def skip(sub_id: int):
    sub = owned_or_404(Subscription, sub_id)
    form = SkipForm()

    def skipped(edition) -> str:
        boxes = lifecycle.upcoming_boxes(sub)
        later = f" Your next box is the {boxes[0]:%B %Y} box." if boxes else ""
        return f"Done: you'll skip the {edition.month:%B %Y} box.{later}"

    return _act(sub, lambda s: actions.skip_next_box(s, offered=form.edition.data or ""), skipped, form)


@bp.post("/account/subscriptions/<int:sub_id>/skip/undo")
@login_required
def undo_skip(sub_id: int):
    sub = owned_or_404(Subscription, sub_id)
    form = SkipForm()

    def undone(edition) -> str:
        return f"Done: the {edition.month:%B %Y} box is back on, and will be sent to you."

    return _act(sub, lambda s: actions.undo_skip(s, form.edition.data or ""), undone, form)


@bp.get("/account/subscriptions/<int:sub_id>/payments/<int:period_id>")
@login_required
def receipt(sub_id: int, period_id: int):
    """One payment's receipt, to print or keep: what it paid for, its VAT."""
    sub = owned_or_404(Subscription, sub_id)
    period = db.session.get(PaidPeriod, period_id)
    if period is None or period.subscription_id != sub.id:
        abort(404)
    return render_template(
        "subscriptions/receipt.html", sub=sub, period=period, boxes=lifecycle.boxes_bought(sub, period)
    )


@bp.post("/account/subscriptions/<int:sub_id>/add")
@login_required
def add_to_box(sub_id: int):
    """Add a one-off item to the next box: its order is placed and paid at once (no shipping)."""
    sub = owned_or_404(Subscription, sub_id)
    form = AddToBoxForm()
    wanted = form.back.data or ""  # a path on this site only: never another host
    back = wanted if wanted.startswith("/") and not wanted.startswith("//") and "\\" not in wanted else None
    back = back or url_for("subscriber.manage", sub_id=sub.id)
    if not form.validate_on_submit():
        flash("Please choose how many to add (1 to 10).", "error")
        return redirect(back)
    try:
        order, _ = addons.add_to_next_box(sub, form.variant_id.data, form.quantity.data or 1)
        redirect_to = addons.start_payment(
            order,
            success_url=url_for("checkout.complete", number=order.number, token=order.access_token, _external=True),
            cancel_url=request.host_url.rstrip("/") + back,
        )
    except (SubscriptionError, PaymentError, OrderError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(back)
    db.session.commit()
    return redirect(redirect_to.url, code=303)


@bp.post("/account/subscriptions/<int:sub_id>/pause")
@login_required
def pause(sub_id: int):
    sub = owned_or_404(Subscription, sub_id)
    return _act(
        sub, actions.pause, "Paused: no payments are taken until you resume. Boxes already paid for still ship."
    )


@bp.post("/account/subscriptions/<int:sub_id>/resume")
@login_required
def resume(sub_id: int):
    sub = owned_or_404(Subscription, sub_id)
    return _act(sub, actions.resume, "Welcome back: your subscription is running again.")


@bp.route("/account/subscriptions/<int:sub_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(sub_id: int):
    """Why (optional), then, once, a skip or a pause instead; then the cancellation."""
    sub = owned_or_404(Subscription, sub_id)
    form = CancelForm()
    if request.method == "GET":
        return render_template("subscriptions/cancel.html", o=overview(sub), form=form)
    if not form.validate_on_submit():
        return render_template("subscriptions/cancel.html", o=overview(sub), form=form), 422
    if not form.offer_seen.data:
        offer = actions.offer_alternatives(sub)
        if offer is not None:
            db.session.commit()  # offered once: the offer is recorded
            return render_template(
                "subscriptions/cancel_offer.html", o=overview(sub), form=form, offer=offer, skip_form=SkipForm()
            )
    o = overview(sub)
    last = f" The {o.last_box.label} box is your last." if o.last_box and not o.last_box_shipped else ""
    reason, note = form.reason.data or None, form.note.data or ""
    return _act(
        sub,
        lambda s: actions.cancel(s, reason=reason, note=note),
        f"Cancelled: nothing more will be charged.{last}",
        form,
    )


@bp.post("/account/subscriptions/<int:sub_id>/keep")
@login_required
def keep(sub_id: int):
    sub = owned_or_404(Subscription, sub_id)
    return _act(sub, actions.keep, "Glad you're staying: your subscription carries on as before.")


@bp.get("/account/subscriptions/<int:sub_id>/card")
@login_required
def card(sub_id: int):
    """Off to the provider's card page (the Stripe Customer Portal, or the demo's), which
    brings the subscriber back here, on the site they are using (the request's own host, not
    SHOP_BASE_URL, which is for emailed links only). The arrears email links to this URL."""
    sub = owned_or_404(Subscription, sub_id)
    return_url = url_for("subscriber.manage", sub_id=sub.id, _external=True)
    try:
        return redirect(actions.card_update_url(sub, return_url=return_url))
    except REFUSED as error:
        flash(str(error), "error")
        return _manage_page(sub)


# ---- moving house: the form, a review with the new price, then confirm -------------------


def _address_form_page(sub: Subscription, form: DeliveryAddressForm, error: str | None = None):
    return render_template("subscriptions/address_form.html", o=overview(sub), form=form, error=error)


@bp.route("/account/subscriptions/<int:sub_id>/address", methods=["GET", "POST"])
@login_required
def address(sub_id: int):
    sub = owned_or_404(Subscription, sub_id)
    if sub.sent_by_email:  # the recipient's address is theirs: the buyer never sees it
        abort(404)
    form = DeliveryAddressForm()
    if request.method == "GET":
        form.fill_from(sub.postal_address)
        return _address_form_page(sub, form)
    if "edit" in request.form:  # "Change the address" from the review page: the typed data, no errors yet
        return _address_form_page(sub, form)
    if not form.validate_on_submit():
        return _address_form_page(sub, form)
    try:
        new_quote = actions.requote(sub, form.country.data)
    except SubscriptionError as error:
        form.country.errors = [str(error)]
        return _address_form_page(sub, form)
    if not sub.plan.renews:
        # A gift has no payments left to re-price: nothing to review, change it now.
        return _change_address(sub, form)
    return render_template(
        "subscriptions/address_review.html",
        o=overview(sub),
        form=form,
        new_quote=new_quote,
        new_country=country_name(new_quote.country_code),
    )


@bp.post("/account/subscriptions/<int:sub_id>/address/confirm")
@login_required
def address_confirm(sub_id: int):
    sub = owned_or_404(Subscription, sub_id)
    if sub.sent_by_email:
        abort(404)
    form = DeliveryAddressForm()
    if not form.validate_on_submit():  # the address comes back in hidden fields: check it again
        return _address_form_page(sub, form)
    return _change_address(sub, form)


def _change_address(sub: Subscription, form: DeliveryAddressForm):
    try:
        new_quote = actions.change_address(sub, form.postal_address())
    except REFUSED as error:
        db.session.rollback()
        return _address_form_page(sub, form, error=str(error))
    db.session.commit()
    if sub.plan.renews:
        flash(
            f"Address changed: boxes now go to {sub.ship_city}, {country_name(sub.ship_country)}. "
            f"Each payment from now on is {format_money(new_quote.totals.total_pence)}.",
            "success",
        )
    else:
        flash(
            f"Address changed: the gift's boxes now go to {sub.ship_city}, {country_name(sub.ship_country)}.", "success"
        )
    return _manage_page(sub)
