"""The demo payment pages (only outside production and without Stripe keys): a card form
for what an area sells (an order, a Culture Box subscription) and the card page renewals
are charged to. What is paid for, and what paying does, comes from the area's DemoSale."""

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template
from wtforms import StringField
from wtforms.validators import InputRequired, Regexp, ValidationError

from ..core.forms import ShopForm
from ..extensions import db
from . import demo

bp = Blueprint("payments", __name__, url_prefix="/payments")


class DemoCardForm(ShopForm):
    card_number = StringField(
        "Card number",
        validators=[InputRequired("Please enter the card number.")],
        description="Demo cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined.",
    )
    expiry = StringField(
        "Expiry date (MM/YY)",
        validators=[
            InputRequired("Please enter the expiry date."),
            Regexp(
                r"^\s*(0[1-9]|1[0-2])\s*/\s*(\d{2})\s*$", message="Please enter the expiry date as MM/YY, like 12/30."
            ),
        ],
    )
    cvc = StringField(
        "Security code (CVC)",
        validators=[
            InputRequired("Please enter the 3-digit security code."),
            Regexp(r"^\s*\d{3,4}\s*$", message="The security code is the 3 digits on the back of the card."),
        ],
    )

    def validate_expiry(self, field):
        if field.errors:  # not MM/YY: the format's own message says so
            return
        month, year = (int(part) for part in field.data.replace(" ", "").split("/"))
        today = date.today()
        if (2000 + year, month) < (today.year, today.month):
            raise ValidationError("This card has expired: use any date in the future.")


class CancelForm(ShopForm):
    pass


@bp.before_request
def only_outside_production():
    if not demo.demo_allowed(current_app.config):
        abort(404)


def _sale(state: str, purpose: str, keys: frozenset[str] = demo.PAGE_STATE):
    """The signed page state, the area's sale and what it describes; 404 for anything else."""
    data = demo.read_state(state, keys)
    sale = demo.sale_for(purpose) if data and data["purpose"] == purpose else None
    purchase = sale.purchase(data["subject"]) if sale else None
    if purchase is None:
        abort(404)
    return data, sale, purchase


def _payment_page(state: str, purpose: str, template: str):
    data, sale, purchase = _sale(state, purpose)
    if not purchase.payable:
        return redirect(data["success"])
    form = DemoCardForm()
    if form.validate_on_submit():
        try:
            card = demo.accept_card(form.card_number.data, renewing=purchase.saves_card)
        except demo.CardDeclined as error:
            sale.decline(data["subject"], reason="card declined (demo card 4000 0000 0000 0002)")
            db.session.commit()
            message = f"{error} (That was the demo's declined card.) {purchase.retry_note}"
            still = sale.purchase(data["subject"])
            if still is not None and still.payable:
                # Retry here, on the payment step: same order, same page.
                form.card_number.errors.append(message)
                return render_template(template, purchase=still, form=form, cancel_form=CancelForm(), state=state), 422
            flash(message, "error")
            return redirect(purchase.retry_url or data["cancel"])
        except demo.DemoCardError as error:
            form.card_number.errors.append(str(error))
        else:
            sale.pay(data["subject"], reference=data["reference"], card=card)
            db.session.commit()
            return redirect(data["success"], code=303)
    status = 422 if form.errors else 200
    return render_template(template, purchase=purchase, form=form, cancel_form=CancelForm(), state=state), status


def _cancel(state: str, purpose: str, message: str):
    data, sale, purchase = _sale(state, purpose)
    if CancelForm().validate_on_submit() and purchase.payable and sale.abandon(data["subject"]):
        db.session.commit()
        flash(message, "info")
    return redirect(purchase.retry_url or data["cancel"])


@bp.route("/demo/<state>", methods=["GET", "POST"])
def demo_page(state: str):
    return _payment_page(state, demo.ORDER, "payments/demo.html")


@bp.post("/demo/<state>/cancel")
def demo_cancel(state: str):
    return _cancel(
        state, demo.ORDER, "You cancelled the payment, so nothing was charged. Your cart and details are still here."
    )


@bp.route("/demo/box/<state>", methods=["GET", "POST"])
def demo_box_page(state: str):
    return _payment_page(state, demo.BOX, "payments/demo_box.html")


@bp.post("/demo/box/<state>/cancel")
def demo_box_cancel(state: str):
    return _cancel(state, demo.BOX, "You cancelled the payment, so nothing was charged. Your choices are still here.")


@bp.route("/demo/card/<state>", methods=["GET", "POST"])
def demo_card_page(state: str):
    data, sale, purchase = _sale(state, demo.CARD, demo.CARD_STATE)
    form = DemoCardForm()
    if form.validate_on_submit():
        try:
            card = demo.accept_card(form.card_number.data, renewing=purchase.saves_card)
            paid = sale.pay(data["subject"], reference="", card=card)
        except (demo.CardDeclined, demo.DemoCardError) as error:
            db.session.commit()  # the new card is kept even when the overdue payment fails again
            form.card_number.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                "Card updated, and the overdue payment is paid: your boxes are back on."
                if paid
                else "Card updated: renewals will be charged to it.",
                "success",
            )
            return redirect(data["return"], code=303)
    return render_template(
        "payments/demo_card.html", purchase=purchase, form=form, state=state, return_url=data["return"]
    ), 422 if form.errors else 200
