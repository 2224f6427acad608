from flask import Blueprint, render_template, request

from ..accounts.access import owned_or_404
from . import services
from .models import Order

bp = Blueprint("orders", __name__)


@bp.get("/orders/<number>")
def show(number: str):
    """An order's page, for its owner: guests reach it with the token from their email."""
    order = services.order_for_token(number, request.args.get("token"))
    if order is None:
        # Without the token: only the signed-in customer whose account it is (else 404).
        order = owned_or_404(Order, number, by="number")
    return render_template("orders/show.html", order=order, token=request.args.get("token"))
