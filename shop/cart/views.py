"""/cart: add from a product page, change quantities, remove lines. Thin: form → service → redirect."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from ..checkout import operations
from ..core.forms import ShopForm, row_id
from . import services

bp = Blueprint("cart", __name__)


class AddToCartForm(ShopForm):
    variant_id = IntegerField(
        "Size", validators=[InputRequired("Please choose a size."), row_id("That size is not available.")]
    )
    quantity = IntegerField(
        "Quantity",
        default=1,
        validators=[
            InputRequired("Please enter a quantity."),
            NumberRange(1, services.MAX_PER_LINE, "Choose a quantity from 1 to 99."),
        ],
    )


class QuantityForm(ShopForm):
    quantity = IntegerField(
        "Quantity",
        validators=[
            InputRequired("Please enter a quantity."),
            NumberRange(0, services.MAX_PER_LINE, "Choose a quantity from 0 to 99."),
        ],
    )


class RemoveForm(ShopForm):
    pass


def session_items() -> dict:
    """The cart in the session cookie (created on first use)."""
    return session.setdefault(services.CART_KEY, {})


def _save(items: dict) -> None:
    session[services.CART_KEY] = items
    session.modified = True


def _form_errors(form: ShopForm) -> str:
    if form.errors.get("csrf_token"):
        return "The form expired: please try again."
    return " ".join(message for messages in form.errors.values() for message in messages)


# A paid order empties the cart it was placed from (before any cart page or change).
bp.before_request(lambda: operations.reconcile_checkout(session))


@bp.get("/cart")
def show():
    items = dict(session.get(services.CART_KEY) or {})
    cart = services.load(items)
    if items != (session.get(services.CART_KEY) or {}):
        _save(items)  # lines that left the catalogue are dropped
    return render_template("cart/show.html", cart=cart)


@bp.post("/cart/add")
def add():
    form = AddToCartForm()
    back = (
        request.referrer if request.referrer and request.referrer.startswith(request.host_url) else url_for("cart.show")
    )
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return redirect(back)
    items = dict(session_items())
    try:
        message = services.add(items, form.variant_id.data, form.quantity.data)
    except services.CartError as error:
        flash(str(error), "error")
        return redirect(back)
    _save(items)
    flash(message, "info" if message.startswith(("Only", "You can")) else "success")
    return redirect(url_for("cart.show"))


@bp.post("/cart/lines/<int:variant_id>")
def update(variant_id: int):
    form = QuantityForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return redirect(url_for("cart.show"))
    items = dict(session_items())
    try:
        message = services.set_quantity(items, variant_id, form.quantity.data)
    except services.CartError as error:
        flash(str(error), "error")
        return redirect(url_for("cart.show"))
    _save(items)
    flash(message, "info" if message.startswith(("Only", "You can")) else "success")
    return redirect(url_for("cart.show"))


@bp.post("/cart/lines/<int:variant_id>/remove")
def remove(variant_id: int):
    form = RemoveForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return redirect(url_for("cart.show"))
    items = dict(session_items())
    try:
        flash(services.remove(items, variant_id), "success")
    except services.CartError as error:
        flash(str(error), "error")
    _save(items)
    return redirect(url_for("cart.show"))
