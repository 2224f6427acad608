"""Email: rendered from templates/emails/<name>.txt and .html, and delivered by an
`email.send` job: over SMTP when MAIL_SERVER is set, otherwise written to the outbox folder
(instance/outbox/) and logged.

`send_email` renders the message when it is asked for. `send_email_later` records only ids,
and the job worker renders the message with the composer registered under that name (the
order confirmation, asked for inside every payment webhook, keeps the request short so).

Asking for an email records the job in the caller's transaction, so an email goes out
if and only if the change it reports commits. Sending never raises into the caller; a
failed SMTP send raises inside the job, which is retried, and leaves a copy of the
message in the outbox until it is delivered.
"""

import base64
import hashlib
import logging
import smtplib
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from flask import Flask, current_app, render_template, url_for

from .. import jobs

log = logging.getLogger(__name__)

EMAIL_JOB = "email.send"

Composer = Callable[..., EmailMessage | None]
COMPOSERS: dict[str, Composer] = {}


class UnknownComposer(LookupError):
    pass


def email_link(endpoint: str, **values) -> str:
    """An absolute link for an email, always on SHOP_BASE_URL: never built from the
    request's Host header, which an attacker could set (password-reset poisoning)."""
    base = current_app.config["SHOP_BASE_URL"].rstrip("/")
    with current_app.test_request_context("/", base_url=base):
        return url_for(endpoint, _external=True, **values)


def build_message(
    to: str,
    subject: str,
    template: str,
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
    **context,
) -> EmailMessage:
    """The message; `headers` adds to the standard ones (Reply-To, List-Unsubscribe, …).
    Without `message_id` (from `stable_message_id`) the Message-ID is a fresh one."""
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr((config["MAIL_FROM_NAME"], config["MAIL_FROM"]))
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain=config["MAIL_FROM"].split("@")[-1])
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(render_template(f"emails/{template}.txt", **context))
    message.add_alternative(render_template(f"emails/{template}.html", **context), subtype="html")
    return message


def stable_message_id(key: str) -> str:
    """A Message-ID that is the same every time the message for `key` is rendered (an email
    a job renders again after a retry is the same message, in the same outbox file)."""
    safe = "".join(c if c.isalnum() or c in ".-" else "-" for c in key)
    return f"<{safe}@{current_app.config['MAIL_FROM'].split('@')[-1]}>"


def _outbox_path(message: EmailMessage) -> Path:
    # Named after the Message-ID: a repeated delivery writes the same file, not a second one.
    name = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:32]
    return Path(current_app.config["MAIL_OUTBOX_DIR"]) / f"{name}.eml"


def _write_to_outbox(message: EmailMessage) -> Path:
    path = _outbox_path(message)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(message))
    return path


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def send_email(to: str, subject: str, template: str, headers: dict[str, str] | None = None, **context) -> None:
    """Render the email now (from the state this transaction sees) and record its delivery
    as a job; it is sent once the caller's transaction commits. `headers` adds headers
    such as Reply-To or List-Unsubscribe."""
    message = build_message(to, subject, template, headers=headers, **context)
    jobs.enqueue(EMAIL_JOB, to=to, subject=subject, message=base64.b64encode(bytes(message)).decode("ascii"))


def composer(name: str) -> Callable[[Composer], Composer]:
    """Register `fn(**ids) -> EmailMessage | None`, which the job worker calls to render an
    email asked for with `send_email_later(..., name, **ids)`. It returns None when there is
    nothing to send any more (the row is gone, or no longer has anyone to write to). It may
    run more than once for one email: give the message a `stable_message_id`."""

    def register(fn: Composer) -> Composer:
        if COMPOSERS.get(name, fn) is not fn:
            raise ValueError(f"email composer {name!r} is already registered")
        COMPOSERS[name] = fn
        return fn

    return register


def send_email_later(to: str, subject: str, name: str, **ids) -> None:
    """Record an email that the job worker renders with the composer registered as `name`,
    from `ids` (JSON: row ids, not objects), once the caller's transaction commits. Nothing
    is rendered here: for an email whose content the change does not alter afterwards (an
    order's snapshot), so the change's transaction stays short. `to` and `subject` are for
    the job's log and `flask jobs failed`; the composer decides the message."""
    if name not in COMPOSERS:
        raise UnknownComposer(f"no email composer is registered as {name!r}")
    jobs.enqueue(EMAIL_JOB, to=to, subject=subject, compose=name, ids=ids)


def _message(message: str | None, compose: str | None, ids: dict | None) -> EmailMessage | None:
    if message is not None:
        return message_from_bytes(base64.b64decode(message), policy=policy.default)
    if compose not in COMPOSERS:
        raise UnknownComposer(f"no email composer is registered as {compose!r}")
    return COMPOSERS[compose](**(ids or {}))


@jobs.handler(EMAIL_JOB)
def deliver(to: str, subject: str, message: str | None = None, compose: str | None = None, ids=None) -> None:
    """The email.send job: the message it carries, or the one its composer renders now.
    Raises if the mail server refuses or cannot be reached (the job is retried), keeping a
    copy in the outbox meanwhile."""
    email = _message(message, compose, ids)
    if email is None:
        log.info("Email to %s (%s): nothing to send any more", to, subject)
        return
    if not current_app.config["MAIL_SERVER"]:
        path = _write_to_outbox(email)
        log.info("Email to %s (%s) written to %s", to, subject, path)
        return
    try:
        _send_smtp(email)
    except (OSError, smtplib.SMTPException):
        path = _write_to_outbox(email)
        log.warning("Could not send email to %s (%s); kept in %s until it is sent", to, subject, path)
        raise
    _outbox_path(email).unlink(missing_ok=True)
    log.info("Email to %s (%s) sent", to, subject)


def init_app(app: Flask) -> None:
    app.config.setdefault("MAIL_OUTBOX_DIR", str(Path(app.instance_path) / "outbox"))
    app.jinja_env.globals["email_link"] = email_link  # the links in every email's footer
