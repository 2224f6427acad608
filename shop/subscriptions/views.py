"""/culture-box: the plans; /culture-box/subscribe and /culture-box/gift: choose → review →
pay → welcome. Subscribing needs an account (the subscriber manages the box from it): a
visitor who is not signed in creates it, or signs in, on the choose page itself."""

from dataclasses import replace
from datetime import date

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..accounts import services as accounts
from ..accounts.access import limit_failed_sign_ins, owned_or_404, start_session
from ..accounts.passwords import password_problem
from ..blog import attribution
from ..core.addresses import PostalAddress
from ..core.calendar import SHIP_DAY
from ..db_types import utcnow
from ..discounts import services as discounts
from ..extensions import db, limiter
from ..http_caching import keepable
from ..payments import PaymentError, get_gateway
from ..shipping.country_choice import preferred_country, remember_country
from . import gifts, lifecycle, services, subscribe
from .forms import BY_ADDRESS, BY_EMAIL, BoxDiscountForm, GiftClaimForm, SubscribeForm
from .lifecycle import SubscriptionError
from .models import PlanKind, Subscription, SubscriptionStatus
from .subscribe import BoxChoice

bp = Blueprint("subscriptions", __name__)

CHOICE_KEY = "box_choice"
PLAN_KEY = "box_plan"  # the plan last picked, before the rest of the choice is typed


@bp.get("/culture-box")
@keepable
def culture_box():
    now = utcnow()
    first_month = services.first_box_month(now)
    return render_template(
        "subscriptions/culture_box.html",
        plans=services.active_plans(),
        monthly=services.monthly_plan(),
        zones=services.zones_with_box_shipping(),
        first_month=first_month,
        cutoff=services.cutoff_for(first_month),
        ship_day=SHIP_DAY,
        editions=services.upcoming_editions(first_month),
    )


def _plans(gift: bool):
    return [p for p in services.active_plans() if (p.kind is PlanKind.GIFT) == gift]


def _take_plan_from_link(gift: bool, plans):
    """A plan button (a post's product card, the plans, a product page) links here with
    ?plan=: the plan wins over one chosen before, and the page is opened again at its own
    address, so going back to it later shows what was chosen on it rather than the link's plan."""
    code = request.args.get("plan")
    if code in {p.code for p in plans}:
        session[PLAN_KEY] = code
        saved = BoxChoice.from_dict(session.get(CHOICE_KEY))
        if saved and subscribe.plan_by_code(saved.plan_code, gift=gift) is not None:
            session[CHOICE_KEY] = replace(saved, plan_code=code).to_dict()
    kept = {key: value for key, value in request.args.items() if key != "plan"}
    return redirect(url_for(request.endpoint, **kept))


WRONG_PASSWORD = (
    "This email already has an account, and that is not its password. "
    "Try again, or reset your password from the sign-in page."
)


def _account_for(form: SubscribeForm, gift: bool):
    """The account a visitor who is not signed in subscribes with: a new email creates it
    (as registering does, confirmation email included), an email that has one signs in with
    its password. None, with the reason on the form's field, otherwise."""
    email, password = form.email.data, form.password.data
    if accounts.user_by_email(email) is None:
        name = (form.gift_from.data if gift else form.name.data) or ""
        try:
            user = accounts.register(email, password, name=name)
        except accounts.AccountError as error:
            db.session.rollback()
            field = form.password if isinstance(error, accounts.WeakPassword) else form.email
            field.errors = [*field.errors, error.message]
            return None
        g.account_created = True
        return user
    try:
        return accounts.authenticate(email, password)
    except accounts.InvalidCredentials:
        db.session.rollback()
        g.sign_in_failed = True
        form.password.errors = [WRONG_PASSWORD]
        return None


def _check_new_password(form: SubscribeForm) -> None:
    """A password too weak for a new account is said beside the address's problems."""
    if not form.needs_account or form.email.errors or form.password.errors or not form.email.data:
        return
    email = accounts.normalise_email(form.email.data)
    if accounts.user_by_email(email) is None and (problem := password_problem(form.password.data or "", email)):
        form.password.errors = [problem]


def _choose(gift: bool):
    plans = _plans(gift)
    if request.method == "GET" and "plan" in request.args:
        return _take_plan_from_link(gift, plans)
    now = utcnow()
    saved = BoxChoice.from_dict(session.get(CHOICE_KEY))
    form = SubscribeForm()
    form.gift = gift
    form.needs_account = not current_user.is_authenticated
    if not form.needs_account:  # signed in: whatever is sent for them is no business of this form
        del form.email, form.password
    form.set_choices(plans, subscribe.gift_start_months(now) if gift else [])
    if request.method == "GET":
        if saved and (subscribe.plan_by_code(saved.plan_code, gift=gift) is not None):
            form.fill_from(saved.ship_to)
            form.plan.data, form.first_month.data, form.gift_message.data = (
                saved.plan_code,
                saved.first_month,
                saved.gift_message,
            )
            form.recipient_email.data, form.gift_from.data = saved.recipient_email, saved.gift_from
            form.delivery.data = BY_EMAIL if saved.recipient_email else BY_ADDRESS
        else:
            if not gift:  # a gift goes to someone else: their address starts empty
                form.process(data=accounts.checkout_prefill(current_user))
            if session.get(PLAN_KEY) in {p.code for p in plans}:
                form.plan.data = session[PLAN_KEY]
        form.plan.data = form.plan.data or (plans[0].code if plans else None)
        form.delivery.data = form.delivery.data or BY_EMAIL
        form.country.data = form.country.data or preferred_country()
    elif not form.validate_on_submit():
        _check_new_password(form)  # every problem on the page at once, not one round at a time
    else:
        by_email = gift and form.by_email
        choice = BoxChoice(
            plan_code=form.plan.data,
            # A gift sent by email: its recipient types the address when they claim it.
            ship_to=PostalAddress.of(form.name.data, country=form.country.data) if by_email else form.postal_address(),
            first_month=form.first_month.data if gift and not by_email else None,
            gift_message=form.gift_message.data if gift else None,
            discount_code=saved.discount_code if saved else None,  # kept from the review page
            recipient_email=form.recipient_email.data if by_email else None,
            gift_from=form.gift_from.data if by_email else None,
        )
        session[CHOICE_KEY] = choice.to_dict()  # kept even if it is refused below
        session[PLAN_KEY] = choice.plan_code
        try:
            subscribe.price(replace(choice, discount_code=None), now)  # the review page checks the code
        except SubscriptionError as error:
            form.country.errors.append(str(error))
        else:
            if not gift:  # their own country, accepted: the next address form starts from it
                remember_country(form.country.data)
            user = _account_for(form, gift) if form.needs_account else None
            if user is not None:
                start_session(user)  # its login session is committed with the account
                db.session.commit()
            if not form.errors:
                return redirect(url_for("subscriptions.review"))
    status = 422 if form.errors else 200
    return render_template(
        "subscriptions/subscribe.html",
        form=form,
        plans=plans,
        gift=gift,
        first_month=services.first_box_month(now),
        cutoff=services.cutoff_for(services.first_box_month(now)),
    ), status


def _account_created(response) -> bool:
    return bool(g.get("account_created"))


_REGISTER_LIMIT = limiter.limit(
    lambda: current_app.config["ACCOUNTS_REGISTER_LIMIT"], methods=["POST"], deduct_when=_account_created
)


@bp.route("/culture-box/subscribe", methods=["GET", "POST"])
@limit_failed_sign_ins
@_REGISTER_LIMIT
def choose():
    return _choose(gift=False)


@bp.route("/culture-box/gift", methods=["GET", "POST"])
@limit_failed_sign_ins
@_REGISTER_LIMIT
def choose_gift():
    return _choose(gift=True)


def _saved_choice():
    choice = BoxChoice.from_dict(session.get(CHOICE_KEY))
    if choice is None:
        flash("Choose your plan and where the box goes first.", "info")
    return choice


def _edit_url(priced) -> str:
    return url_for("subscriptions.choose_gift" if priced.plan.kind is PlanKind.GIFT else "subscriptions.choose")


def _review_page(choice: BoxChoice, discount_form: BoxDiscountForm | None = None):
    """The review page for `choice`; a code refused since it was applied (expired, used up)
    is taken off and said so on its field."""
    discount_form = discount_form or BoxDiscountForm(discount_code=choice.discount_code or "")
    try:
        priced = subscribe.price(choice, email=current_user.email)
    except subscribe.DiscountRefused as error:
        choice = replace(choice, discount_code=None)
        session[CHOICE_KEY] = choice.to_dict()
        discount_form.discount_code.errors = [str(error)]
        return _review_page(choice, discount_form)
    except SubscriptionError as error:
        flash(str(error), "error")
        gift_page = choice.first_month or choice.recipient_email
        return redirect(url_for("subscriptions.choose_gift" if gift_page else "subscriptions.choose"))
    edition = services.edition_for(priced.first_month)
    return render_template(
        "subscriptions/review.html",
        priced=priced,
        edition=edition,
        edit_url=_edit_url(priced),
        ship_day=SHIP_DAY,
        gateway_name=get_gateway().name,
        discount_form=discount_form,
    ), (422 if discount_form.errors else 200)


@bp.get("/culture-box/subscribe/review")
@login_required
def review():
    choice = _saved_choice()
    if choice is None:
        return redirect(url_for("subscriptions.choose"))
    return _review_page(choice)


@bp.post("/culture-box/subscribe/discount")
@login_required
def apply_discount():
    """Apply (or, with `remove`, take off) a discount code; a refused code is shown on its
    field with the price unchanged."""
    choice = _saved_choice()
    if choice is None:
        return redirect(url_for("subscriptions.choose"))
    form = BoxDiscountForm()
    if not form.validate_on_submit():
        return _review_page(choice, form)
    code = None if request.form.get("remove") else discounts.normalise(form.discount_code.data) or None
    try:
        subscribe.price(replace(choice, discount_code=code), email=current_user.email)
    except subscribe.DiscountRefused as error:
        form.discount_code.errors = [str(error)]
        return _review_page(choice, form)
    except SubscriptionError:
        pass  # the review page says what is wrong with the rest of the choice
    session[CHOICE_KEY] = replace(choice, discount_code=code).to_dict()
    if code:
        flash(f"Discount code {code} applied.", "success")
    return redirect(url_for("subscriptions.review"))


@bp.post("/culture-box/subscribe/pay")
@login_required
@limiter.limit(lambda: current_app.config.get("CHECKOUT_RATE_LIMIT", "10 per minute"))
def pay():
    choice = _saved_choice()
    if choice is None:
        return redirect(url_for("subscriptions.choose"))

    def urls(sub: Subscription) -> tuple[str, str]:
        return (
            url_for("subscriptions.welcome", sub_id=sub.id, _external=True),
            url_for("subscriptions.review", _external=True),
        )

    try:
        _, checkout = subscribe.start(current_user, choice, urls=urls, touches=attribution.read(request.cookies))
    except (SubscriptionError, PaymentError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("subscriptions.review"))
    db.session.commit()
    return redirect(checkout.url, code=303)


@bp.post("/culture-box/subscribe/finish/<int:sub_id>")
@login_required
def finish(sub_id: int):
    """ "Finish paying" for an attempt that was not completed: back to its review page with
    the same plan and address; paying there replaces the attempt (subscribe.start)."""
    sub = owned_or_404(Subscription, sub_id)
    try:
        session[CHOICE_KEY] = subscribe.choice_of(sub).to_dict()
    except SubscriptionError as error:
        flash(str(error), "info")
        return redirect(url_for("subscriber.manage", sub_id=sub.id))
    return redirect(url_for("subscriptions.review"))


@bp.get("/culture-box/welcome/<int:sub_id>")
@login_required
def welcome(sub_id: int):
    sub = owned_or_404(Subscription, sub_id)
    if sub.status is not SubscriptionStatus.PENDING_PAYMENT:
        session.pop(CHOICE_KEY, None)
        session.pop(PLAN_KEY, None)
    now = utcnow()
    boxes = lifecycle.upcoming_boxes(sub, now)
    edition = services.edition_for(boxes[0] if boxes else None)
    return render_template(
        "subscriptions/welcome.html",
        sub=sub,
        first_box=boxes[0] if boxes else None,
        edition=edition,
        upcoming=lifecycle.next_payment(sub, now),
    )


# ---- a gift's claim: the link in the gift email ---------------------------------------------

CLAIMED_KEY = "claimed_gift"


@bp.route("/gift/claim/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("CHECKOUT_RATE_LIMIT", "10 per minute"), methods=["POST"])
def claim_gift(token: str):
    """The recipient types their own address (and may create an account). The link is the
    credential: signed, single-use, expiring (gifts.py)."""
    try:
        sub = gifts.gift_for_claim(token)
    except gifts.GiftClaimError as error:
        return render_template("subscriptions/gift_claim_invalid.html", message=str(error)), 410
    form = GiftClaimForm()
    if request.method == "GET":
        form.name.data, form.country.data = sub.ship_name, sub.ship_country
    elif form.validate_on_submit():
        user = current_user if current_user.is_authenticated else None
        new_account = None
        try:
            if user is None and form.password.data:
                new_account = accounts.register(sub.recipient_email, form.password.data, name=form.name.data)
                user = new_account
            first = gifts.claim(sub, form.postal_address(), user_id=user.id if user else None)
        except accounts.AccountError as error:
            db.session.rollback()
            message = error.message
            if isinstance(error, accounts.EmailTaken):
                message = "You already have an account with this email: sign in first, then open the link again."
            form.password.errors = [message]
        except SubscriptionError as error:
            db.session.rollback()
            form.country.errors = [str(error)]
        else:
            if new_account is not None:
                start_session(new_account)  # its login session is committed with the claim
            db.session.commit()
            session[CLAIMED_KEY] = {"plan": sub.plan.name, "first": f"{first:%Y-%m}", "from": sub.gift_from or ""}
            return redirect(url_for("subscriptions.gift_claimed"), code=303)
    return render_template("subscriptions/gift_claim.html", form=form, sub=sub), (422 if form.errors else 200)


@bp.get("/gift/claimed")
def gift_claimed():
    claimed = session.get(CLAIMED_KEY)
    if not claimed:
        return redirect(url_for("subscriptions.culture_box"))
    first = date.fromisoformat(claimed["first"] + "-01")
    return render_template(
        "subscriptions/gift_claimed.html", claimed=claimed, first=first, edition=services.edition_for(first)
    )
