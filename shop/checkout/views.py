"""/checkout: details → review → pay → confirmation. The cart and the typed details live
in the session, so a declined or abandoned payment brings the customer back to both."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..accounts import orders as account_orders
from ..cart import services as cart_services
from ..discounts.services import DiscountError
from ..extensions import limiter
from ..orders import services as orders
from ..orders.models import OrderStatus
from ..payments import get_gateway
from ..payments.gateway import PaymentError
from ..shipping.services import ShippingError
from . import bp, services
from .forms import CheckoutForm
from .services import CartNotReady, CheckoutDetails

PENDING_KEY = "checkout_order"  # {number, token, fingerprint} of the order being paid


def _items() -> dict:
    return dict(session.get("cart") or {})


def _details() -> CheckoutDetails | None:
    return CheckoutDetails.from_dict(session.get("checkout"))


def reconcile_session() -> None:
    """Once the order being paid is paid, the cart and details have done their job;
    once it is cancelled or expired, forget it (the cart and details stay)."""
    pending = session.get(PENDING_KEY)
    if not pending:
        return
    status = orders.order_status(pending.get("number", ""))
    if status is None or status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        session.pop(PENDING_KEY, None)
    elif status is not OrderStatus.PENDING_PAYMENT:
        session.pop(PENDING_KEY, None)
        session.pop("cart", None)
        session.pop("checkout", None)


bp.before_request(reconcile_session)


def _checkout_rate_limit() -> str:
    return current_app.config.get("CHECKOUT_RATE_LIMIT", "10 per minute")


@bp.route("/checkout", methods=["GET", "POST"])
def details():
    cart = cart_services.load(_items())
    if cart.is_empty:
        flash("Your cart is empty: add something before checking out.", "info")
        return redirect(url_for("cart.show"))
    if cart.problems:
        flash(" ".join(cart.problems), "error")
        return redirect(url_for("cart.show"))
    # A signed-in customer starts from their email and default address.
    saved = session.get("checkout") or account_orders.checkout_prefill(current_user)
    form = CheckoutForm(data=saved if request.method == "GET" else None)
    if form.validate_on_submit():
        entered = CheckoutDetails(
            email=form.email.data, address=form.postal_address(),
            discount_code=(form.discount_code.data or "").upper(),
        )
        session["checkout"] = entered.to_dict()  # kept even if it is refused below
        try:
            services.price(cart, entered)
        except ShippingError as error:
            form.country.errors.append(str(error))
        except DiscountError as error:
            form.discount_code.errors.append(str(error))
        except CartNotReady as error:
            flash(str(error), "error")
            return redirect(url_for("cart.show"))
        else:
            return redirect(url_for("checkout.review"))
    return render_template("checkout/details.html", form=form, cart=cart), (422 if form.errors else 200)


@bp.get("/checkout/review")
def review():
    entered = _details()
    if entered is None:
        return redirect(url_for("checkout.details"))
    try:
        quote = services.price(cart_services.load(_items()), entered)
    except CartNotReady as error:
        flash(str(error), "error")
        return redirect(url_for("cart.show"))
    except (ShippingError, DiscountError) as error:
        flash(str(error), "error")
        return redirect(url_for("checkout.details"))
    return render_template("checkout/review.html", quote=quote, totals=quote.totals, details=entered,
                           gateway_name=get_gateway().name)


@bp.post("/checkout/pay")
@limiter.limit(_checkout_rate_limit, methods=["POST"])
def pay():
    """Place the order (or pay the same pending one again) and send the customer to pay."""
    entered = _details()
    items = _items()
    if entered is None:
        return redirect(url_for("checkout.details"))
    fingerprint = services.fingerprint(items, entered)
    order = _pending_order_to_reuse(fingerprint)
    if order is None:
        try:
            order = services.place(items, entered, user_id=account_orders.current_user_id())
        except CartNotReady as error:
            flash(str(error), "error")
            return redirect(url_for("cart.show"))
        except orders.OutOfStock as error:
            _cap_cart_line(error.variant_id, error.available)
            flash(f"{error} Your cart has been updated; please check it and try again.", "error")
            return redirect(url_for("cart.show"))
        except (ShippingError, DiscountError) as error:
            flash(str(error), "error")
            return redirect(url_for("checkout.details"))
        session[PENDING_KEY] = {"number": order.number, "token": order.access_token, "fingerprint": fingerprint}
    gateway = get_gateway()
    try:
        attempt = orders.begin_payment_attempt(order, provider=gateway.name)
        redirect_to = gateway.start_order_payment(
            order, attempt=attempt,
            success_url=url_for("checkout.complete", number=order.number, token=order.access_token, _external=True),
            cancel_url=url_for("checkout.cancelled", number=order.number, token=order.access_token, _external=True),
        )
    except PaymentError as error:
        flash(str(error), "error")
        return redirect(url_for("checkout.review"))
    orders.record_payment_reference(order, redirect_to.reference)
    return redirect(redirect_to.url, code=303)


def _pending_order_to_reuse(fingerprint: str):
    """The order this session already placed for the same cart and details, if it is
    still waiting for payment; a pending order for anything else is cancelled."""
    pending = session.get(PENDING_KEY)
    if not pending:
        return None
    order = orders.order_for_token(pending.get("number", ""), pending.get("token"))
    if order is None or not order.is_pending:
        session.pop(PENDING_KEY, None)
        return None
    if pending.get("fingerprint") == fingerprint:
        return order
    orders.cancel_unpaid(order, reason="replaced by a new checkout (cart or details changed)", actor="customer")
    session.pop(PENDING_KEY, None)
    return None


def _cap_cart_line(variant_id: int, available: int) -> None:
    items = _items()
    key = str(variant_id)
    if key in items:
        if available > 0:
            items[key] = min(items[key], available)
        else:
            items.pop(key)
        session["cart"] = items


@bp.get("/checkout/complete/<number>")
def complete(number: str):
    """Where the payment page sends the customer back: 'payment processing' (the page
    refreshes itself, no script needed) until the payment is confirmed, then the order."""
    token = request.args.get("token")
    order = orders.order_for_token(number, token)
    if order is None:
        abort(404)
    return render_template("orders/confirmation.html", order=order, token=token)


@bp.get("/checkout/cancelled/<number>")
def cancelled(number: str):
    """The payment provider's "back" link: nothing was charged. The order stays pending
    (the provider may still complete it) and paying again starts a new attempt for it."""
    order = orders.order_for_token(number, request.args.get("token"))
    if order is None:
        abort(404)
    if order.is_pending:
        flash("You left the payment page, so nothing was charged. Your cart and details are still here.", "info")
        return redirect(url_for("checkout.review"))
    return redirect(url_for("checkout.complete", number=number, token=order.access_token))
