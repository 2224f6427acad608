"""The demo payment pages (only outside production and without Stripe keys)."""

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Regexp, ValidationError

from ..extensions import db
from ..orders import services as orders
from ..subscriptions.models import Subscription, SubscriptionStatus
from . import bp, demo, demo_box


class DemoCardForm(FlaskForm):
    card_number = StringField("Card number", validators=[InputRequired("Please enter the card number.")],
                              description="Demo cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined.")
    expiry = StringField("Expiry date (MM/YY)", validators=[
        InputRequired("Please enter the expiry date."),
        Regexp(r"^\s*(0[1-9]|1[0-2])\s*/\s*(\d{2})\s*$", message="Please enter the expiry date as MM/YY, like 12/30.")])
    cvc = StringField("Security code (CVC)", validators=[
        InputRequired("Please enter the 3-digit security code."),
        Regexp(r"^\s*\d{3,4}\s*$", message="The security code is the 3 digits on the back of the card.")])

    def validate_expiry(self, field):
        month, year = (int(part) for part in field.data.replace(" ", "").split("/"))
        today = date.today()
        if (2000 + year, month) < (today.year, today.month):
            raise ValidationError("This card has expired: use any date in the future.")


class CancelForm(FlaskForm):
    pass


@bp.before_request
def only_outside_production():
    if not demo.demo_allowed(current_app.config):
        abort(404)


def _attempt(state: str):
    data = demo.read_state(state)
    if data is None:
        abort(404)
    order = orders.order_by_number(data["number"])
    if order is None:
        abort(404)
    return data, order


@bp.get("/demo/<state>")
def demo_page(state: str):
    data, order = _attempt(state)
    if not order.is_pending:
        return redirect(data["success"])
    return render_template("payments/demo.html", order=order, form=DemoCardForm(), cancel_form=CancelForm(), state=state)


@bp.post("/demo/<state>")
def demo_pay(state: str):
    data, order = _attempt(state)
    if not order.is_pending:
        return redirect(data["success"])
    form = DemoCardForm()
    if form.validate_on_submit():
        try:
            demo.pay(order, form.card_number.data, data["reference"])
        except demo.CardDeclined as error:
            flash(f"{error} (That was the demo's declined card.) Your cart and details are still here: "
                  "check them and try again with another card.", "error")
            return redirect(url_for("checkout.details"))
        except demo.DemoCardError as error:
            form.card_number.errors.append(str(error))
        else:
            return redirect(data["success"], code=303)
    return render_template("payments/demo.html", order=order, form=form, cancel_form=CancelForm(), state=state), 422


@bp.post("/demo/<state>/cancel")
def demo_cancel(state: str):
    data, order = _attempt(state)
    if CancelForm().validate_on_submit() and order.is_pending:
        demo.abandon(order)
        db.session.commit()
        flash("You cancelled the payment, so nothing was charged. Your cart and details are still here.", "info")
    return redirect(url_for("checkout.details"))


# -- the Culture Box --------------------------------------------------------------------


def _box_attempt(state: str, keys: frozenset[str] = demo.BOX_STATE):
    data = demo.read_state(state, keys)
    sub = db.session.get(Subscription, data["subscription"]) if data else None
    if sub is None:
        abort(404)
    return data, sub


@bp.get("/demo/box/<state>")
def demo_box_page(state: str):
    data, sub = _box_attempt(state)
    if sub.status is not SubscriptionStatus.PENDING_PAYMENT:
        return redirect(data["success"])
    return render_template("payments/demo_box.html", sub=sub, amount_pence=demo_box.amount(sub), form=DemoCardForm(),
                           cancel_form=CancelForm(), state=state)


@bp.post("/demo/box/<state>")
def demo_box_pay(state: str):
    data, sub = _box_attempt(state)
    if sub.status is not SubscriptionStatus.PENDING_PAYMENT:
        return redirect(data["success"])
    form = DemoCardForm()
    if form.validate_on_submit():
        try:
            demo_box.pay_first(sub, form.card_number.data, data["reference"])
        except demo.CardDeclined as error:
            flash(f"{error} (That was the demo's declined card.) Your choices are still here: try again with "
                  "another card.", "error")
            return redirect(data["cancel"])
        except demo.DemoCardError as error:
            form.card_number.errors.append(str(error))
        else:
            return redirect(data["success"], code=303)
    return render_template("payments/demo_box.html", sub=sub, amount_pence=demo_box.amount(sub), form=form,
                           cancel_form=CancelForm(), state=state), 422


@bp.post("/demo/box/<state>/cancel")
def demo_box_cancel(state: str):
    data, sub = _box_attempt(state)
    if CancelForm().validate_on_submit() and demo_box.abandon(sub):
        flash("You cancelled the payment, so nothing was charged. Your choices are still here.", "info")
    return redirect(data["cancel"])


@bp.route("/demo/card/<state>", methods=["GET", "POST"])
def demo_card_page(state: str):
    data, sub = _box_attempt(state, demo.CARD_STATE)
    form = DemoCardForm()
    if form.validate_on_submit():
        try:
            paid = demo_box.update_card(sub, form.card_number.data)
        except (demo.CardDeclined, demo.DemoCardError) as error:
            form.card_number.errors.append(str(error))
        else:
            flash("Card updated, and the overdue payment is paid: your boxes are back on." if paid
                  else "Card updated: renewals will be charged to it.", "success")
            return redirect(data["return"], code=303)
    overdue = sub.status is SubscriptionStatus.ARREARS
    return render_template("payments/demo_card.html", sub=sub, form=form, state=state, overdue=overdue,
                           amount_pence=demo_box.amount(sub), return_url=data["return"]), 422 if form.errors else 200
