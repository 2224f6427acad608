"""What the demo payment page does for an order: the orders area's DemoSale (the demo
gateway itself knows cards and amounts, not orders). Card outcomes go through the same
order services as Stripe's webhooks."""

from collections.abc import Callable

from flask import url_for

from ..payments import demo
from . import services as orders
from .models import Order

# Orders not placed from the cart (an item added to a Culture Box) say so here: a declined
# card then sends the customer back to the page they paid from, not to the cart's checkout.
NOT_FROM_THE_CART: list[Callable[[Order], bool]] = []


class OrderSale:
    def purchase(self, subject_id: int) -> demo.DemoPurchase | None:
        order = orders.order_by_id(subject_id)
        if order is None:
            return None
        from_cart = not any(check(order) for check in NOT_FROM_THE_CART)
        return demo.DemoPurchase(
            title=f"Order {order.number}",
            amount_pence=order.total_pence,
            payable=order.is_pending,
            retry_url=url_for("checkout.details") if from_cart else None,
            retry_note=f"Order {order.number} is still waiting, with your cart and address: try another card."
            if from_cart
            else "Nothing was added yet: try another card.",
        )

    def pay(self, subject_id: int, *, reference: str, card: str) -> bool:
        order = orders.order_by_id(subject_id)
        changed = orders.confirm_payment(order, provider="demo", reference=reference, actor=demo.ACTOR)
        if changed:
            orders.send_order_confirmation(order)
        return changed

    def decline(self, subject_id: int, *, reason: str) -> None:
        """The order stays pending, its stock held: the buyer tries another card on the same
        payment page, for the same order number (as on Stripe's own page)."""
        orders.record_payment_declined(orders.order_by_id(subject_id), reason=reason, actor=demo.ACTOR)

    def abandon(self, subject_id: int) -> bool:
        return orders.fail_payment(
            orders.order_by_id(subject_id), reason="payment abandoned on the demo payment page", actor="customer"
        )


def register() -> None:
    demo.register(demo.ORDER, OrderSale())
