"""/checkout: details → review → pay → confirmation. The cart and the typed details live
in the session, so a declined or abandoned payment brings the customer back to both."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..accounts import services as accounts
from ..blog import attribution
from ..cart import services as cart_services
from ..cart.services import CART_KEY
from ..discounts.services import DiscountError
from ..extensions import db, limiter
from ..orders import services as orders
from ..payments import PaymentError, get_gateway
from ..shipping.country_choice import preferred_country, remember_country
from ..shipping.services import ShippingError
from . import operations, services
from .forms import CheckoutForm
from .operations import PendingCheckout
from .services import CartNotReady, CheckoutDetails

bp = Blueprint("checkout", __name__)


def _items() -> dict:
    return dict(session.get(CART_KEY) or {})


def _details() -> CheckoutDetails | None:
    return CheckoutDetails.from_dict(session.get(operations.DETAILS_KEY))


# A paid order ends the checkout that placed it; a cancelled or expired one is forgotten.
bp.before_request(lambda: operations.reconcile_checkout(session))


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
    saved = session.get(operations.DETAILS_KEY) or accounts.checkout_prefill(current_user)
    form = CheckoutForm(data=saved if request.method == "GET" else None)
    if request.method == "GET":
        form.country.data = form.country.data or preferred_country()
    if form.validate_on_submit():
        entered = CheckoutDetails(
            email=form.email.data, address=form.postal_address(), discount_code=(form.discount_code.data or "").upper()
        )
        session[operations.DETAILS_KEY] = entered.to_dict()  # kept even if it is refused below
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
            remember_country(form.country.data)  # the next address form starts from it
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
    waiting = operations.waiting_order(
        _items(), entered, PendingCheckout.from_dict(session.get(operations.PENDING_KEY))
    )
    return render_template(
        "checkout/review.html",
        quote=quote,
        totals=quote.totals,
        details=entered,
        gateway_name=get_gateway().name,
        waiting=waiting,
    )


@bp.post("/checkout/pay")
@limiter.limit(_checkout_rate_limit, methods=["POST"])
def pay():
    """Place the order (or pay the same pending one again) and send the customer to pay."""
    entered = _details()
    items = _items()
    if entered is None:
        return redirect(url_for("checkout.details"))
    pending = PendingCheckout.from_dict(session.get(operations.PENDING_KEY))
    gateway = get_gateway()
    try:
        order, pending = operations.order_to_pay(
            items,
            entered,
            pending,
            gateway,
            user_id=accounts.current_user_id(),
            touches=attribution.read(request.cookies),
        )
    except CartNotReady as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("cart.show"))
    except orders.OutOfStock as error:
        db.session.rollback()
        session[CART_KEY] = operations.cap_to_stock(items, error.variant_id, error.available)
        flash(f"{error} Your cart has been updated; please check it and try again.", "error")
        return redirect(url_for("cart.show"))
    except (ShippingError, DiscountError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("checkout.details"))

    def urls(order) -> tuple[str, str]:
        return (
            url_for("checkout.complete", number=order.number, token=order.access_token, _external=True),
            url_for("checkout.cancelled", number=order.number, token=order.access_token, _external=True),
        )

    try:
        redirect_to = operations.start_payment(order, gateway, urls=urls)
    except orders.OrderError as error:  # paid or cancelled meanwhile (another tab, a webhook)
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("checkout.review"))
    except PaymentError as error:
        # The order stays placed and pending: paying again reuses it with a new attempt.
        db.session.commit()
        session[operations.PENDING_KEY] = pending.to_dict()
        flash(str(error), "error")
        return redirect(url_for("checkout.review"))
    db.session.commit()
    session[operations.PENDING_KEY] = pending.to_dict()
    return redirect(redirect_to.url, code=303)


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
