"""Orders: the list (filters and search), one order with its history, and what the shop
does with it — pack, ship with a tracking number, cancel, refund — plus its packing slip.
Each action calls orders.fulfilment, records the admin's action and commits once."""

from flask import abort, flash, redirect, render_template, url_for

from ...core.addresses import country_choices
from ...core.carriers import carrier_choices
from ...core.forms import has_control_characters, options
from ...core.money import format_money
from ...extensions import db
from ...orders import fulfilment
from ...orders.listing import WAITING_TO_SHIP, OrderQuery, find_orders
from ...orders.models import Order, OrderStatus
from ...orders.services import OrderError, order_by_number
from ..audit import admin_actor, record
from ..blueprint import bp
from ..forms import CancelForm, ConfirmForm, OrderFilters, RefundForm, ShipForm
from ..lists import keyset_page


def _order_or_404(number: str) -> Order:
    order = None if has_control_characters(number) else order_by_number(number)
    if order is None:
        abort(404)
    return order


TO_SHIP = "to-ship"  # the status filter's "paid or packed"


@bp.get("/orders")
def orders():
    filters = OrderFilters()
    filters.status.choices = options(
        [("", "Every status"), (TO_SHIP, "Waiting to ship")] + [(s.value, s.label) for s in OrderStatus]
    )
    filters.country.choices = options([("", "Every country")] + country_choices())
    values = filters.values()
    if values["status"] == TO_SHIP:
        statuses = WAITING_TO_SHIP
    else:
        statuses = tuple(s for s in OrderStatus if s.value == values["status"])
    query = OrderQuery(
        statuses=statuses,
        country=values["country"],
        placed_from=values["placed_from"],
        placed_to=values["placed_to"],
        search=values["q"] or "",
    )
    page = keyset_page(find_orders(query), Order.id)
    return render_template("admin/orders.html", filters=filters, page=page)


def _detail(order: Order, *, ship=None, cancel=None, refund=None, error=None, status=200):
    ship = ship or ShipForm(formdata=None)
    ship.carrier.choices = options(carrier_choices())
    refund = refund or RefundForm(formdata=None)
    refund.seen_pence.data = str(fulfilment.requested_pence(order))
    return (
        render_template(
            "admin/order.html",
            order=order,
            ship=ship,
            cancel=cancel or CancelForm(formdata=None),
            refund=refund,
            confirm=ConfirmForm(),
            refundable=fulfilment.refundable_pence(order),
            cancellable=order.status in fulfilment.CANCELLABLE,
            error=error,
        ),
        status,
    )


@bp.get("/orders/<number>")
def order(number: str):
    return _detail(_order_or_404(number))


@bp.get("/orders/<number>/packing-slip")
def packing_slip(number: str):
    return render_template("admin/packing_slip.html", order=_order_or_404(number))


def _done(order: Order, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admin.order", number=order.number), 303)


def _failed(order: Order, exc: OrderError, **forms):
    db.session.rollback()
    order = _order_or_404(order.number)
    return _detail(order, error=str(exc), status=422, **forms)


@bp.post("/orders/<number>/pack")
def pack_order(number: str):
    order = _order_or_404(number)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        fulfilment.mark_packed(order, actor=admin_actor())
    except OrderError as exc:
        return _failed(order, exc)
    record("order.pack", order, number=order.number)
    return _done(order, f"Order {order.number} is packed.")


@bp.post("/orders/<number>/ship")
def ship_order(number: str):
    order = _order_or_404(number)
    form = ShipForm()
    form.carrier.choices = options(carrier_choices())
    if not form.validate_on_submit():
        return _detail(order, ship=form, status=422)
    try:
        fulfilment.mark_shipped(
            order, carrier=form.carrier.data, tracking_number=form.tracking_number.data, actor=admin_actor()
        )
    except OrderError as exc:
        return _failed(order, exc, ship=form)
    record("order.ship", order, number=order.number, carrier=order.carrier, tracking_number=order.tracking_number)
    return _done(order, f"Order {order.number} is shipped; {order.email} is emailed the tracking link.")


@bp.post("/orders/<number>/cancel")
def cancel_order(number: str):
    order = _order_or_404(number)
    form = CancelForm()
    if not form.validate_on_submit():
        return _detail(order, cancel=form, status=422)
    was_paid = order.paid_at is not None
    try:
        fulfilment.cancel(order, reason=form.reason.data, actor=admin_actor())
    except OrderError as exc:
        return _failed(order, exc, cancel=form)
    record("order.cancel", order, number=order.number, reason=form.reason.data, refunded=was_paid)
    refunded = " and refunded in full" if was_paid else ""
    return _done(order, f"Order {order.number} is cancelled{refunded}; its stock is back on sale.")


@bp.post("/orders/<number>/refund")
def refund_order(number: str):
    order = _order_or_404(number)
    form = RefundForm()
    if not form.validate_on_submit():
        return _detail(order, refund=form, status=422)
    seen = int(form.seen_pence.data) if (form.seen_pence.data or "").isdigit() else -1
    try:
        refund = fulfilment.request_refund(
            order, form.amount.pence, seen_pence=seen, reason=form.reason.data, actor=admin_actor()
        )
    except OrderError as exc:
        return _failed(order, exc, refund=form)
    record("order.refund", order, number=order.number, amount_pence=refund.amount_pence, key=refund.key)
    how = "refunded" if refund.settled else "sent to Stripe for a refund; it shows in the history once Stripe confirms"
    return _done(order, f"{format_money(refund.amount_pence)} of order {order.number} is {how}.")
