"""The subscriber's address in their account's address book, so the checkout fills it in."""

from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from .models import Subscription


def remember_address(sub: Subscription) -> None:
    """Put the subscription's address in its owner's address book (unless it is there
    already), so it fills in the checkout; the default if they have none. A gift's
    recipient address stays out of the buyer's book."""
    if sub.user_id is None or not sub.plan.renews:
        return
    user = db.session.get(User, sub.user_id)
    wanted = sub.postal_address
    if any(saved.postal_address == wanted for saved in user.addresses):
        return
    try:
        accounts.add_address(user, accounts.AddressData(wanted, make_default=user.default_address is None))
    except accounts.AccountError:
        pass  # an address the book refuses (e.g. no postcode) is simply not saved
