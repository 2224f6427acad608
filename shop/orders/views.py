from flask import abort, render_template, request

from . import bp, services


@bp.get("/orders/<number>")
def show(number: str):
    """An order's page, for its owner: guests reach it with the token from their email."""
    order = services.order_for_token(number, request.args.get("token"))
    if order is None:
        abort(404)
    return render_template("orders/show.html", order=order, token=request.args.get("token"))
