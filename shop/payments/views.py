"""The demo payment pages (only outside production and without Stripe keys)."""

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Regexp, ValidationError

from ..orders import services as orders
from . import bp, demo


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
        flash("You cancelled the payment, so nothing was charged. Your cart and details are still here.", "info")
    return redirect(url_for("checkout.details"))
