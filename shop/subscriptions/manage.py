"""What a subscriber does from their account: skip a box (and undo it), pause, resume,
move house, cancel, fix the card. The back office calls the same functions.

Each is one service call: the shop's own change (lifecycle, which writes the event row,
flushed), then the payment provider told through the gateway, then the email that tells
the subscriber (a job in the same transaction). `actor` says who acted: ACTOR (the
subscriber, "you" in the email) or anyone else (the shop: "we"). Nothing here commits: the
view commits once, or rolls back on SubscriptionError or PaymentError, so if the provider
refuses or cannot be reached the shop's change is undone too. The provider is told in the
request, not by a job, because the subscriber needs its answer (docs/architecture.md).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..accounts.models import ANONYMISED_EMAIL, ANONYMISED_LINE, ANONYMISED_NAME
from ..accounts.services import SubscriptionsRunning
from ..core.addresses import PostalAddress
from ..db_types import utcnow
from ..discounts import services as discounts
from ..extensions import db
from ..payments import get_gateway
from ..shipping import services as shipping
from ..templating import london_datetime
from . import address_book, box_run, churn, emails, lifecycle
from .lifecycle import SubscriptionError
from .models import BoxRun, Edition, Skip, Subscription
from .models import SubscriptionStatus as S
from .pricing import BoxQuote, quote, sell_at, sold_quote
from .services import first_box_month

ACTOR = "customer"
NOTHING_TO_SKIP = "There is no upcoming box you can skip just now."


def by_shop(actor: str) -> bool:
    """Whether the email says the shop made the change ("we") rather than the subscriber."""
    return actor != ACTOR


def _tell_provider_next_renewal(sub: Subscription, now: datetime) -> None:
    upcoming = lifecycle.next_payment(sub, now)
    if upcoming is not None:
        get_gateway().reschedule(sub, upcoming.due_at)


def skippable_edition(sub: Subscription, now: datetime | None = None) -> Edition | None:
    """The next box the subscriber can still skip: the first edition whose cutoff has not
    passed and whose box run has not been done, from their first box on, that they have not
    skipped already."""
    if sub.status is not S.ACTIVE or sub.sent_by_email:  # a gift's boxes are its recipient's
        return None
    now = now or utcnow()
    start = max(first_box_month(now), sub.first_month)
    skipped = select(Skip.edition_id).where(Skip.subscription_id == sub.id)
    packed = select(BoxRun.edition_id)
    query = (
        select(Edition)
        .where(Edition.month >= start, Edition.cutoff_at >= now, Edition.id.not_in(skipped), Edition.id.not_in(packed))
        .order_by(Edition.month)
        .limit(1)
    )
    return db.session.scalar(query)


def skip_next_box(
    sub: Subscription, *, offered: str | None = None, now: datetime | None = None, actor: str = ACTOR
) -> Edition:
    """Skip the next box. A box already paid for moves to the end of the paid boxes, and
    the next renewal moves a month later (the provider is told). `offered` is the edition
    ("2027-02") the subscriber saw on the page: if that is no longer the next skippable box
    (its cutoff passed while the page sat open), nothing is skipped and they are told why."""
    now = now or utcnow()
    edition = skippable_edition(sub, now)
    if offered is not None and (edition is None or edition.code != offered):
        raise SubscriptionError(_offered_box_gone(sub, offered, edition, now))
    if edition is None:
        raise SubscriptionError(NOTHING_TO_SKIP)
    lifecycle.skip(sub, edition, actor=actor, now=now)
    _tell_provider_next_renewal(sub, now)
    emails.send_skipped(sub.id, edition, by_shop=by_shop(actor))
    return edition


def undo_skip(sub: Subscription, code: str, *, now: datetime | None = None, actor: str = ACTOR) -> Edition:
    """Take back the skip of the box of edition `code` ("2027-02"), until its cutoff: the
    box is sent after all, the paid boxes move back, and the next renewal with them."""
    now = now or utcnow()
    try:
        edition = box_run.edition_by_code(code)
    except box_run.BoxRunError:
        edition = None
    if edition is None:
        raise SubscriptionError("That box is not skipped.")
    lifecycle.unskip(sub, edition, actor=actor, now=now)
    _tell_provider_next_renewal(sub, now)
    emails.send_skip_undone(sub.id, edition, by_shop=by_shop(actor))
    return edition


def _offered_box_gone(sub: Subscription, offered: str, next_edition: Edition | None, now: datetime) -> str:
    try:
        seen = box_run.edition_by_code(offered)
    except box_run.BoxRunError:
        seen = None
    if seen is not None and (refusal := lifecycle.packed_refusal(sub, seen)):
        return refusal
    if seen is not None and seen.cutoff_at < now:
        return (
            f"The {seen.month:%B} box passed its cutoff ({london_datetime(seen.cutoff_at)} UK time) and can "
            "no longer be skipped: it is being packed."
        )
    if next_edition is None:
        return NOTHING_TO_SKIP
    return f"The next box you can skip is now the {next_edition.month:%B %Y} box: please check and try again."


def pause(sub: Subscription, *, actor: str = ACTOR) -> None:
    if not sub.plan.renews:
        raise SubscriptionError("A gift is paid for already: there is nothing to pause.")
    lifecycle.pause(sub, actor=actor)
    get_gateway().pause(sub)
    emails.send_paused(sub.id, by_shop=by_shop(actor))


def resume(sub: Subscription, *, now: datetime | None = None, actor: str = ACTOR) -> None:
    now = now or utcnow()
    lifecycle.resume(sub, actor=actor)
    upcoming = lifecycle.next_payment(sub, now)
    if upcoming is not None:
        get_gateway().resume(sub, upcoming.due_at)
    emails.send_resumed(sub.id, by_shop=by_shop(actor))


def requote(sub: Subscription, country_code: str) -> BoxQuote:
    """What each payment would cost with the box going to `country_code`. A discount code it
    was sold with stays, worked out for the new country (an export's is without VAT)."""
    try:
        try:
            code = discounts.by_code(sub.discount_code)
            return quote(sub.plan, country_code, discount=code, payments=sub.discount_payments)
        except discounts.DiscountError:  # it would take nothing off there (free shipping to the UK)
            return quote(sub.plan, country_code)
    except shipping.ShippingError as error:
        raise SubscriptionError(str(error)) from None


def change_address(sub: Subscription, address: PostalAddress, *, actor: str = ACTOR) -> BoxQuote:
    """Send future boxes to `address`. Renewals are re-priced for its country; boxes
    already shipped keep the address they went to."""
    if sub.status is S.ENDED:
        raise SubscriptionError("This subscription has ended.")
    if sub.sent_by_email:
        raise SubscriptionError("This gift's address is its recipient's: only they can give it.")
    new_quote = requote(sub, address.country)
    old_quote = sold_quote(sub)
    if not sub.plan.renews and new_quote.totals.total_pence != requote(sub, sub.ship_country).totals.total_pence:
        raise SubscriptionError(
            "This gift's shipping was paid for its original destination. To send it to another "
            "region, please contact us."
        )
    old_address = sub.postal_address
    before = f"{sub.ship_city}, {sub.ship_country}"
    sub.postal_address = address
    lifecycle.record(sub, "address", actor=actor, detail=f"{before} -> {sub.ship_city}, {sub.ship_country}")
    if sub.plan.renews:
        sell_at(sub, new_quote)
    address_book.remember_address(sub)
    db.session.flush()
    if sub.plan.renews and new_quote.totals.total_pence != old_quote.totals.total_pence:
        get_gateway().change_amount(sub, new_quote)
    emails.send_address_changed(
        sub.id, old_address=old_address, old_price=old_quote, new_price=sold_quote(sub), by_shop=by_shop(actor)
    )
    return new_quote


@dataclass(frozen=True)
class Alternatives:
    """What a subscriber about to cancel is offered instead, once: skip the next box, pause."""

    skip: Edition | None
    pause: bool


def alternatives_to_cancelling(sub: Subscription, now: datetime | None = None) -> Alternatives | None:
    """A skip or a pause to offer instead of cancelling, or None: nothing is possible, or
    it has been offered before (it is offered once)."""
    if sub.status is not S.ACTIVE or not sub.plan.renews or sub.cancel_at_period_end:
        return None
    if churn.offered_alternatives(sub):
        return None
    offer = Alternatives(skip=skippable_edition(sub, now), pause=True)
    return offer


def offer_alternatives(sub: Subscription, now: datetime | None = None) -> Alternatives | None:
    """Make the offer (recorded, so it is made once), or None if there is none to make."""
    offer = alternatives_to_cancelling(sub, now)
    if offer is not None:
        lifecycle.record(sub, "retention_offer", actor=ACTOR, detail=offer.skip.code if offer.skip else "pause")
        db.session.flush()
    return offer


def cancel(sub: Subscription, *, actor: str = ACTOR, reason: str | None = None, note: str = "") -> None:
    """End after the boxes already paid for; nothing more is charged. `reason` (optional) is
    one of churn.REASONS; `note` says more (for "other")."""
    if reason is not None and reason not in churn.REASONS:
        raise SubscriptionError("Please choose one of the reasons, or none.")
    lifecycle.cancel_at_period_end(sub, actor=actor, reason=reason, note=note if reason == churn.OTHER else "")
    if sub.plan.renews:
        get_gateway().cancel_at_period_end(sub)
    emails.send_cancelled(sub.id, by_shop=by_shop(actor))


def keep(sub: Subscription, *, actor: str = ACTOR) -> None:
    """Take back a cancellation: renewals go on as before."""
    lifecycle.keep(sub, actor=actor)
    if sub.plan.renews:
        get_gateway().keep_renewing(sub)
    emails.send_kept(sub.id, by_shop=by_shop(actor))


def card_update_url(sub: Subscription, *, return_url: str) -> str:
    if not sub.plan.renews or sub.status is S.ENDED:
        raise SubscriptionError("This subscription has no renewals to pay.")
    return get_gateway().card_update_url(sub, return_url=return_url)


def close_account(user, **_) -> int:
    """accounts.services.account_closing receiver. An account whose subscription still
    bills or ships cannot go yet (SubscriptionsRunning); the ended ones are detached and
    the person's details removed. Returns how many were anonymised."""
    owned = db.session.scalars(select(Subscription).where(Subscription.user_id == user.id)).all()
    if any(sub.status is not S.ENDED for sub in owned):
        raise SubscriptionsRunning(
            "You have a Culture Box subscription that is still running. Cancel it first (boxes you've "
            "paid for still ship), then delete your account once it has ended."
        )
    for sub in owned:
        sub.user_id = None
        sub.email = ANONYMISED_EMAIL
        sub.ship_name = ANONYMISED_NAME
        sub.ship_line1 = ANONYMISED_LINE
        sub.ship_line2 = ""
        sub.ship_city = ANONYMISED_LINE
        sub.ship_postcode = ""
        sub.gift_message = None
        lifecycle.record(sub, "anonymised", actor=ACTOR, detail="account deleted: name, email and address removed")
    db.session.flush()
    return len(owned)
