"""Account pages: thin views (form → service → error on the form → redirect). Each view
that changes something commits once, after the service; an AccountError rolls back."""

import json
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from ..core.forms import options
from ..extensions import db, limiter
from ..orders.accounts import user_orders
from ..shipping.services import countries_not_shipped, country_choices
from ..subscriptions.accounts import account_boxes, orders_and_payments
from . import services
from .access import limit_failed_sign_ins, owned_or_404, start_session
from .forms import (
    AddressForm,
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
)
from .models import Address

bp = Blueprint("accounts", __name__)

# Who registered in this browser, and where they were going: the confirmation link opened
# here signs them in and takes them on.
REGISTERED_KEY = "registered_email"
REGISTERED_NEXT_KEY = "registered_next"


# ---- helpers ---------------------------------------------------------------------------


def _limit(setting: str):
    return lambda: current_app.config[setting]


def _email_key(prefix: str):
    return lambda: f"{prefix}:{services.normalise_email(request.form.get('email', ''))}"


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, no //evil.example)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _me():
    """The signed-in User itself (not Flask-Login's proxy), for services and the ORM."""
    return current_user._get_current_object()


def _apply_error(form, error: services.AccountError) -> str | None:
    """Put a service error on its field; return it if it has no field on this form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
        return None
    return error.message


# ---- register, sign in, sign out ---------------------------------------------------------


@bp.route("/account/register", methods=["GET", "POST"])
@limiter.limit(_limit("ACCOUNTS_REGISTER_LIMIT"), methods=["POST"])
def register():
    target = _safe_next(request.values.get("next"))  # e.g. back to subscribing
    if current_user.is_authenticated:
        return redirect(target or url_for("accounts.account"))
    form = RegisterForm()
    if request.method == "GET":
        form.email.data = request.args.get("email", "")
        form.order.data = request.args.get("order", "")
        form.order_token.data = request.args.get("token", "")
    error = None
    if form.validate_on_submit():
        refused = None
        try:
            services.register(
                form.email.data,
                form.password.data,
                name=form.name.data or "",
                order_number=form.order.data or "",
                order_token=form.order_token.data or "",
            )
        except services.EmailTaken:
            # The same answer as for a new account: the page never tells whose email has one.
            db.session.rollback()
            services.tell_owner_of_registration_attempt(form.email.data)
        except services.AccountError as exc:
            db.session.rollback()
            refused = exc
        if refused is not None:
            error = _apply_error(form, refused)
        else:
            db.session.commit()
            session[REGISTERED_KEY] = services.normalise_email(form.email.data)
            session[REGISTERED_NEXT_KEY] = target
            return redirect(url_for("accounts.check_email"))
    return render_template("accounts/register.html", form=form, error=error, next=target)


@bp.get("/account/register/check-email")
def check_email():
    """After registering: open the link we sent. A new account is signed in once its email
    is confirmed, so the page is the same whether or not the email already had an account."""
    email = session.get(REGISTERED_KEY)
    if not email:
        return redirect(url_for("accounts.register"))
    return render_template("accounts/check_email.html", email=email)


@bp.route("/account/sign-in", methods=["GET", "POST"])
@limit_failed_sign_ins
def sign_in():
    target = _safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("accounts.account"))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.InvalidCredentials as exc:
            db.session.rollback()
            g.sign_in_failed = True
            error = exc.message
        else:
            start_session(user, remember=form.remember.data)
            db.session.commit()
            flash("You're signed in. Welcome back!", "success")
            return redirect(target or url_for("accounts.account"))
    return render_template("accounts/sign_in.html", form=form, error=error, next=target)


@bp.post("/account/sign-out")
def sign_out():
    form = ConfirmForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            services.close_session(current_user.session_token)
            db.session.commit()
        _end_browser_session()
        flash("You're signed out.", "info")
    return redirect(url_for("pages.home"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    form = ConfirmForm()
    if form.validate_on_submit():
        services.close_all_sessions(_me())
        db.session.commit()
        _end_browser_session()
        flash("You're signed out on every device, this one included.", "info")
    return redirect(url_for("pages.home"))


def _end_browser_session() -> None:
    logout_user()
    # A shared computer must not keep anything of the last person: the session goes whole.
    session.clear()


# ---- email confirmation ------------------------------------------------------------------


@bp.route("/account/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    return _confirm_link(
        token,
        services.confirm_email,
        heading="Confirm your email address",
        button="Confirm my email address",
        done="Thank you: {email} is confirmed.",
    )


def _confirm_link(token: str, confirm, *, heading: str, button: str, done: str):
    """GET shows a button and POST confirms: mail scanners that open links change nothing."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = confirm(token)
        except services.LinkInvalid as exc:
            db.session.rollback()
            return render_template("accounts/link_invalid.html", message=exc.message), 400
        # Confirmed in the browser that registered (it typed the password): sign in there and
        # carry on where registering began. Anywhere else, signing in is the next step.
        registered_here = not current_user.is_authenticated and session.get(REGISTERED_KEY) == user.email
        if registered_here:
            start_session(user)
        db.session.commit()
        flash(done.format(email=user.email), "success")
        if registered_here:
            session.pop(REGISTERED_KEY, None)
            return redirect(_safe_next(session.pop(REGISTERED_NEXT_KEY, None)) or url_for("accounts.account"))
        return redirect(url_for("accounts.account" if current_user.is_authenticated else "accounts.sign_in"))
    return render_template("accounts/confirm.html", form=form, heading=heading, button=button)


@bp.post("/account/confirm-email/resend")
@login_required
@limiter.limit(_limit("ACCOUNTS_RESET_LIMIT"), methods=["POST"])
def resend_confirmation():
    form = ConfirmForm()
    if form.validate_on_submit() and not current_user.email_confirmed:
        services.send_confirmation(_me())
        db.session.commit()
        flash(f"We've sent a new confirmation link to {current_user.email}.", "success")
    return redirect(url_for("accounts.account"))


# ---- password reset ----------------------------------------------------------------------


@bp.route("/account/forgot-password", methods=["GET", "POST"])
@limiter.limit(_limit("ACCOUNTS_RESET_LIMIT"), methods=["POST"])
@limiter.limit(_limit("ACCOUNTS_RESET_LIMIT"), key_func=_email_key("reset"), methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the account exists.
        flash(
            f"If {services.normalise_email(form.email.data)} has an account, a reset link is on its way. "
            "It works once, for one hour.",
            "info",
        )
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/account/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("ACCOUNTS_RESET_LIMIT"), methods=["POST"])
def reset_password(token: str):
    try:
        services.check_reset_token(token)
    except services.LinkInvalid as exc:
        return render_template("accounts/link_invalid.html", message=exc.message, reset=True), 400
    form = ResetPasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            error = _apply_error(form, exc)
        else:
            start_session(user)
            db.session.commit()
            flash("Your password is changed and you're signed in.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/reset_password.html", form=form, error=error)


# ---- the account page --------------------------------------------------------------------


@bp.get("/account")
@login_required
def account():
    boxes = account_boxes(current_user)
    addresses = services.saved_addresses(current_user)
    return render_template(
        "accounts/account.html",
        orders=orders_and_payments(user_orders(current_user), boxes.payments),
        addresses=addresses,
        subscriptions=boxes.subscriptions,
        gifts_received=boxes.gifts_received,
        # Only the address cards mark a country we don't ship to.
        no_ship=countries_not_shipped() if addresses else set(),
    )


# ---- addresses ---------------------------------------------------------------------------


def _address_data(form: AddressForm) -> services.AddressData:
    return services.AddressData(form.postal_address(), make_default=bool(form.make_default.data))


def _address_form(**kwargs) -> AddressForm:
    form = AddressForm(**kwargs)
    form.country.choices = options([("", "Choose a country")] + country_choices())
    return form


@bp.route("/account/addresses/new", methods=["GET", "POST"])
@login_required
def address_new():
    form = _address_form()
    if request.method == "GET":
        form.country.data = "GB"
    error = None
    if form.validate_on_submit():
        try:
            services.add_address(_me(), _address_data(form))
        except services.AccountError as exc:
            db.session.rollback()
            error = _apply_error(form, exc)
        else:
            db.session.commit()
            flash("Address saved.", "success")
            return redirect(url_for("accounts.account", _anchor="addresses"))
    return render_template("accounts/address_form.html", form=form, error=error, address=None)


@bp.route("/account/addresses/<int:address_id>/edit", methods=["GET", "POST"])
@login_required
def address_edit(address_id: int):
    address = owned_or_404(Address, address_id)
    form = _address_form(data=AddressForm.values_of(address))
    if request.method == "GET":
        form.make_default.data = address.is_default
    error = None
    if form.validate_on_submit():
        try:
            services.update_address(address, _address_data(form))
        except services.AccountError as exc:
            db.session.rollback()
            error = _apply_error(form, exc)
        else:
            db.session.commit()
            flash("Address updated.", "success")
            return redirect(url_for("accounts.account", _anchor="addresses"))
    return render_template("accounts/address_form.html", form=form, error=error, address=address)


@bp.post("/account/addresses/<int:address_id>/delete")
@login_required
def address_delete(address_id: int):
    address = owned_or_404(Address, address_id)
    if ConfirmForm().validate_on_submit():
        services.delete_address(address)
        db.session.commit()
        flash("Address deleted.", "success")
    return redirect(url_for("accounts.account", _anchor="addresses"))


@bp.post("/account/addresses/<int:address_id>/default")
@login_required
def address_default(address_id: int):
    address = owned_or_404(Address, address_id)
    if ConfirmForm().validate_on_submit():
        services.set_default_address(address)
        db.session.commit()
        flash("Default address changed: checkout will start with it.", "success")
    return redirect(url_for("accounts.account", _anchor="addresses"))


# ---- settings: password, email -----------------------------------------------------------


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.change_password(_me(), form.current_password.data, form.new_password.data)
        except services.AccountError as exc:
            db.session.rollback()
            error = _apply_error(form, exc)
        else:
            # Every login session was closed: other devices are signed out, this one gets a new
            # session (and, if it was remembered, a new remember cookie).
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            start_session(user, remember=remembered)
            db.session.commit()
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form, error=error)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit(_limit("ACCOUNTS_RESET_LIMIT"), methods=["POST"])  # each POST may send an email
def change_email():
    form = ChangeEmailForm()
    error = None
    if form.validate_on_submit():
        try:
            new_email = services.request_email_change(_me(), form.new_email.data, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            error = _apply_error(form, exc)
        else:
            db.session.commit()
            flash(f"We've sent a link to {new_email}. Your email stays {current_user.email} until you open it.", "info")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_email.html", form=form, error=error)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    return _confirm_link(
        token,
        services.confirm_email_change,
        heading="Confirm your new email address",
        button="Use this email address",
        done="Your email address is now {email}.",
    )


# ---- my data -----------------------------------------------------------------------------


@bp.get("/account/data")
@login_required
def export_data():
    body = json.dumps(services.export_data(_me()), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="inspire-me-korea-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    error = None
    if form.validate_on_submit():
        try:
            services.delete_account(_me(), form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            error = _apply_error(form, exc)
        else:
            db.session.commit()
            _end_browser_session()
            flash("Your account and personal details are deleted. Thank you for shopping with us.", "success")
            return redirect(url_for("pages.home"))
    return render_template("accounts/delete_account.html", form=form, error=error)
