"""Customer accounts: the business rules. Plain arguments in, typed errors out. Nothing
here commits: each function flushes and asks for its emails, and the view that called it
commits once (or rolls back on an AccountError)."""

from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace
from sqlalchemy import bindparam, delete, func, inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from ..core.addresses import PostalAddress, is_country
from ..db_types import utcnow
from ..extensions import db
from ..notifications import email_link, send_email
from . import tokens
from .models import Address, LoginSession, User, address_order
from .passwords import hash_password, needs_rehash, password_problem, verify_password

# Accounts sit below the areas that hold a customer's data (orders, subscriptions): they
# connect to these signals in their init_app, and every receiver runs in the same
# transaction as the account change that sent it.
signals = Namespace()
# A new account, maybe with the number and secret token of the guest order it was made from.
account_created = signals.signal("account-created")
# The account's email is confirmed as its owner's (confirmation, sign-in, email change):
# guest orders placed with it can be linked.
email_verified = signals.signal("email-verified")
# The customer's data download: each receiver returns (section name, JSON-ready data).
data_exported = signals.signal("data-exported")
# Just before an account is deleted: receivers remove the person's details; a receiver
# refuses by raising an AccountError.
account_closing = signals.signal("account-closing")

SIGN_IN_FAILED = "That email and password don't match an account. Check them and try again."


# ---- errors ----------------------------------------------------------------------------


class AccountError(Exception):
    """A rule said no. `field` names the form field the message belongs to (or None)."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class EmailTaken(AccountError):
    field = "email"


class InvalidEmail(AccountError):
    field = "email"


class WeakPassword(AccountError):
    field = "password"


class InvalidCredentials(AccountError):
    """Wrong password or unknown email: deliberately the same error, with the same message."""

    def __init__(self):
        super().__init__(SIGN_IN_FAILED, field=None)


class WrongPassword(AccountError):
    field = "current_password"


class LinkInvalid(AccountError):
    pass


class AddressInvalid(AccountError):
    pass


class SubscriptionsRunning(AccountError):
    pass


# ---- helpers ---------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def check_email(email: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidEmail("Enter an email address like name@example.com.") from None
    return email


def _check_password(password: str, email: str, field: str = "password") -> None:
    problem = password_problem(password, email)
    if problem:
        raise WeakPassword(problem, field=field)


def _email_taken(email: str, except_user_id: int | None = None) -> bool:
    query = select(func.count()).select_from(User).where(User.email == email)
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return bool(db.session.scalar(query))


# ---- registration, confirmation, sign-in -----------------------------------------------


def register(email: str, password: str, *, name: str = "", order_number: str = "", order_token: str = "") -> User:
    """Create an account. With the number and secret token of a guest order placed with
    the same email (the order confirmation page's "create an account"), that order is
    linked at once; other guest orders follow when the email is confirmed."""
    email = check_email(email)
    _check_password(password, email)
    if _email_taken(email):
        raise EmailTaken("An account with this email already exists. Sign in, or reset your password.")
    user = User(email=email, name=(name or "").strip()[:120], password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    account_created.send(user, order_number=order_number, order_token=order_token)
    send_confirmation(user)
    return user


def tell_owner_of_registration_attempt(email: str) -> None:
    """Someone tried to create an account with an email that has one. The page says the same
    as for a new account (nobody learns which emails are customers'); the owner is told here,
    with the way back in."""
    user = user_by_email(email)
    if user is None:
        return
    send_email(
        user.email,
        "You already have an account with us",
        "account_exists",
        user=user,
        sign_in_link=email_link("accounts.sign_in"),
        reset_link=email_link("accounts.forgot_password"),
    )


def make_admin(email: str, password: str | None = None) -> tuple[User, bool]:
    """Make the account with this email an admin, creating it (with `password`) if there is
    none. An existing account keeps its password unless a new one is given. The operator who
    runs this vouches for the address, so a new account is confirmed at once. Returns the
    user and whether it was created."""
    email = check_email(email)
    user = user_by_email(email)
    if user is None:
        if password is None:
            raise WeakPassword("A new account needs a password.")
        _check_password(password, email)
        user = User(email=email, password_hash=hash_password(password), email_confirmed_at=utcnow(), is_admin=True)
        db.session.add(user)
        db.session.flush()
        return user, True
    if password is not None:
        _check_password(password, email)
        _set_password(user, password)
    user.is_admin = True
    db.session.flush()
    return user, False


def send_confirmation(user: User) -> None:
    token = tokens.make("confirm", {"u": user.id, "e": user.email})
    send_email(
        user.email,
        "Confirm your email address",
        "account_confirm",
        user=user,
        link=email_link("accounts.confirm_email", token=token),
    )


def confirm_email(token: str, *, now: datetime | None = None) -> User:
    """Mark the address confirmed and bring in the guest orders placed with it."""
    payload = _read(tokens.read, "confirm", token, tokens.CONFIRM_MAX_AGE)
    user = db.session.get(User, payload.get("u"))
    if user is None or user.email != payload.get("e"):
        raise LinkInvalid("This confirmation link is no longer valid.")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now or utcnow()
    email_verified.send(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User:
    """The account for this email and password, or InvalidCredentials (the same for an
    unknown email as for a wrong password, and about as slow)."""
    user = user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        raise InvalidCredentials()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    email_verified.send(user)
    db.session.flush()
    return user


# ---- login sessions: one row per signed-in browser ----------------------------------------


def open_session(user: User) -> str:
    """A new login session for the user; its token goes in the cookie (User.get_id)."""
    login = LoginSession(user=user)
    db.session.add(login)
    db.session.flush()
    user.session_token = login.token
    return login.token


# Built once: every request of a signed-in customer runs it.
_USER_BY_SESSION_TOKEN = select(User).join(LoginSession).where(LoginSession.token == bindparam("token"))


def user_by_session_token(token: str) -> User | None:
    """Flask-Login's user loader: the user of an open login session, or None once it is closed."""
    if not token:
        return None
    user = db.session.scalar(_USER_BY_SESSION_TOKEN, {"token": token})
    if user is not None:
        user.session_token = token
    return user


def close_session(token: str | None) -> None:
    """Sign one browser out, on the server: its cookie no longer signs anyone in."""
    if token:
        db.session.execute(delete(LoginSession).where(LoginSession.token == token))


def close_all_sessions(user: User) -> None:
    """Sign the user out of every browser and remembered device."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.expire(user, ["login_sessions"])


# ---- password reset and change ---------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists. Says nothing either way."""
    user = user_by_email(email)
    if user is None:
        return
    token = tokens.make("reset", {"u": user.id, "p": tokens.password_fingerprint(user.password_hash)})
    send_email(
        user.email,
        "Reset your password",
        "password_reset",
        user=user,
        link=email_link("accounts.reset_password", token=token),
        minutes=tokens.RESET_MAX_AGE // 60,
    )


def check_reset_token(token: str) -> User:
    payload = _read(tokens.read, "reset", token, tokens.RESET_MAX_AGE)
    user = db.session.get(User, payload.get("u"))
    if user is None or payload.get("p") != tokens.password_fingerprint(user.password_hash):
        raise LinkInvalid("This reset link has already been used. Ask for a new one below.")
    return user


def reset_password(token: str, new_password: str, *, now: datetime | None = None) -> User:
    user = check_reset_token(token)
    _check_password(new_password, user.email)
    _set_password(user, new_password)
    # The link reached their inbox, so the address is theirs.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now or utcnow()
    db.session.flush()
    send_email(user.email, "Your password was changed", "password_changed", user=user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> User:
    if not verify_password(user.password_hash, current_password):
        raise WrongPassword("Your current password is not right.")
    _check_password(new_password, user.email, field="new_password")
    _set_password(user, new_password)
    db.session.flush()
    send_email(user.email, "Your password was changed", "password_changed", user=user)
    return user


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    close_all_sessions(user)  # every other browser and remembered device is signed out


# ---- email change ----------------------------------------------------------------------


def request_email_change(user: User, new_email: str, password: str) -> str:
    """Send a confirmation link to the new address; the current one keeps working until then."""
    if not verify_password(user.password_hash, password):
        raise WrongPassword("Your password is not right.", field="password")
    new_email = check_email(new_email)
    if new_email == user.email:
        raise InvalidEmail("That is already your email address.", field="new_email")
    if _email_taken(new_email, except_user_id=user.id):
        raise EmailTaken("Another account uses this email address.", field="new_email")
    token = tokens.make("email-change", {"u": user.id, "old": user.email, "new": new_email})
    send_email(
        new_email,
        "Confirm your new email address",
        "email_change",
        user=user,
        new_email=new_email,
        link=email_link("accounts.confirm_email_change", token=token),
    )
    return new_email


def confirm_email_change(token: str, *, now: datetime | None = None) -> User:
    payload = _read(tokens.read, "email-change", token, tokens.EMAIL_CHANGE_MAX_AGE)
    user = db.session.get(User, payload.get("u"))
    if user is None or user.email != payload.get("old"):
        raise LinkInvalid("This link has already been used or is no longer valid.")
    new_email = payload.get("new", "")
    if _email_taken(new_email, except_user_id=user.id):
        raise LinkInvalid("Another account now uses this email address.")
    old_email = user.email
    user.email = new_email
    user.email_confirmed_at = now or utcnow()
    email_verified.send(user)
    db.session.flush()
    send_email(old_email, "Your email address was changed", "email_changed", user=user, new_email=new_email)
    return user


def _read(reader, purpose: str, token: str, max_age: int) -> dict:
    try:
        return reader(purpose, token, max_age)
    except tokens.TokenInvalid as exc:
        if exc.expired:
            raise LinkInvalid("This link has expired. Ask for a new one below.") from None
        raise LinkInvalid("This link is not valid. Check you copied all of it, or ask for a new one.") from None


# ---- addresses -------------------------------------------------------------------------

# Built once: the account page lists them on every visit, and loading `user.addresses` lazily
# cost twice as much as this statement.
_SAVED_ADDRESSES = select(Address).where(Address.user_id == bindparam("user_id")).order_by(*address_order())


def saved_addresses(user: User) -> list[Address]:
    """The customer's addresses, as `user.addresses` lists them (and from now on holds them)."""
    if "addresses" not in inspect(user).unloaded:
        return list(user.addresses)
    found = list(db.session.scalars(_SAVED_ADDRESSES, {"user_id": user.id}))
    set_committed_value(user, "addresses", found)
    return found


@dataclass(frozen=True)
class AddressData:
    """A saved address: the shop's postal address (region and phone for the courier included)."""

    address: PostalAddress
    make_default: bool = False

    def cleaned(self) -> "AddressData":
        address = PostalAddress.of(**self.address.to_dict())
        for field, label in (
            ("name", "a name"),
            ("line1", "the first line of the address"),
            ("city", "a town or city"),
        ):
            if not getattr(address, field):
                raise AddressInvalid(f"Enter {label}.", field=field)
        if not is_country(address.country):
            raise AddressInvalid("Choose a country from the list.", field="country")
        for field, message in address.problems().items():
            raise AddressInvalid(message, field=field)
        return AddressData(address, self.make_default)

    def save_to(self, row: Address) -> None:
        row.postal_address = self.address


def add_address(user: User, data: AddressData) -> Address:
    data = data.cleaned()
    address = Address(user=user)
    data.save_to(address)
    db.session.add(address)
    db.session.flush()
    if data.make_default or len(user.addresses) == 1:
        _make_default(user, address)
    db.session.flush()
    return address


def update_address(address: Address, data: AddressData) -> Address:
    data = data.cleaned()
    data.save_to(address)
    if data.make_default:
        _make_default(address.user, address)
    db.session.flush()
    return address


def delete_address(address: Address) -> None:
    user = address.user
    was_default = address.is_default
    user.addresses.remove(address)
    db.session.flush()
    if was_default and user.addresses:
        _make_default(user, user.addresses[0])
    db.session.flush()


def set_default_address(address: Address) -> Address:
    _make_default(address.user, address)
    db.session.flush()
    return address


def _make_default(user: User, address: Address) -> None:
    for other in user.addresses:
        other.is_default = other.id == address.id


# ---- checking out with an account ----------------------------------------------------


def checkout_prefill(user) -> dict:
    """What a delivery form starts with for a signed-in customer: their email and default
    address (the address form's field names). Empty for a visitor."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    values = {"email": user.email, "name": user.name}
    address = user.default_address
    if address is not None:
        values |= address.postal_address.to_dict()
    return values


def current_user_id() -> int | None:
    """The signed-in customer's id, for linking an order as it is placed."""
    from flask_login import current_user

    return current_user.id if current_user.is_authenticated else None


# ---- my data ---------------------------------------------------------------------------


def export_data(user: User) -> dict:
    """Everything the shop holds about this customer, as plain JSON-ready data."""
    data = {
        "exported_at": utcnow().isoformat(),
        "profile": {
            "email": user.email,
            "name": user.name,
            "email_confirmed_at": user.email_confirmed_at.isoformat() if user.email_confirmed_at else None,
            "created_at": user.created_at.isoformat(),
        },
        "addresses": [
            {
                "name": a.ship_name,
                "line1": a.ship_line1,
                "line2": a.ship_line2,
                "city": a.ship_city,
                "region": a.ship_region,
                "postal_code": a.ship_postcode,
                "country": a.ship_country,
                "phone": a.ship_phone,
                "is_default": a.is_default,
            }
            for a in user.addresses
        ],
    }
    for _, (section, section_data) in data_exported.send(user):
        data[section] = section_data
    return data


def delete_account(user: User, password: str) -> None:
    """Personal data goes (the account, its addresses); orders stay for the accounts,
    with the person's details anonymised by their own areas (account_closing). Raises
    WrongPassword, or whatever AccountError a receiver refuses with (SubscriptionsRunning)."""
    if not verify_password(user.password_hash, password):
        raise WrongPassword("Your password is not right.", field="password")
    account_closing.send(user)
    db.session.delete(user)
    db.session.flush()
