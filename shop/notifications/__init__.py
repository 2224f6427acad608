"""Email: rendered from templates/emails/<name>.txt and .html when it is asked for, and
delivered by an `email.send` job: over SMTP when MAIL_SERVER is set, otherwise written to
the outbox folder (instance/outbox/) and logged.

Asking for an email records the job in the caller's transaction, so an email goes out
if and only if the change it reports commits. Sending never raises into the caller; a
failed SMTP send raises inside the job, which is retried, and leaves a copy of the
message in the outbox until it is delivered.
"""

import base64
import hashlib
import logging
import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from flask import Flask, current_app, render_template, url_for

from .. import jobs

log = logging.getLogger(__name__)

EMAIL_JOB = "email.send"


def email_link(endpoint: str, **values) -> str:
    """An absolute link for an email, always on SHOP_BASE_URL: never built from the
    request's Host header, which an attacker could set (password-reset poisoning)."""
    base = current_app.config["SHOP_BASE_URL"].rstrip("/")
    with current_app.test_request_context("/", base_url=base):
        return url_for(endpoint, _external=True, **values)


def build_message(
    to: str, subject: str, template: str, headers: dict[str, str] | None = None, **context
) -> EmailMessage:
    """The message; `headers` adds to the standard ones (Reply-To, List-Unsubscribe, …)."""
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr((config["MAIL_FROM_NAME"], config["MAIL_FROM"]))
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].split("@")[-1])
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(render_template(f"emails/{template}.txt", **context))
    message.add_alternative(render_template(f"emails/{template}.html", **context), subtype="html")
    return message


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


@jobs.handler(EMAIL_JOB)
def deliver(to: str, subject: str, message: str) -> None:
    """The email.send job: raises if the mail server refuses or cannot be reached (the job
    is retried), keeping a copy in the outbox meanwhile."""
    email = message_from_bytes(base64.b64decode(message), policy=policy.default)
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
