"""Email: rendered from templates/emails/<name>.txt and .html, sent over SMTP when
MAIL_SERVER is set, otherwise written to the outbox folder (instance/outbox/) and logged.

Sending never raises into the caller: an order or a sign-up must not be lost because
the mail server is down. A failure is logged and the message is kept in the outbox.
"""

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from flask import Flask, current_app, render_template

log = logging.getLogger(__name__)


def build_message(to: str, subject: str, template: str, **context) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr((config["MAIL_FROM_NAME"], config["MAIL_FROM"]))
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].split("@")[-1])
    message.set_content(render_template(f"emails/{template}.txt", **context))
    message.add_alternative(render_template(f"emails/{template}.html", **context), subtype="html")
    return message


def _write_to_outbox(message: EmailMessage) -> Path:
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{uuid.uuid4().hex}.eml"
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


def send_email(to: str, subject: str, template: str, **context) -> bool:
    """Render and send one email. Returns False (and keeps a copy) if it could not be sent."""
    message = build_message(to, subject, template, **context)
    if not current_app.config["MAIL_SERVER"]:
        path = _write_to_outbox(message)
        log.info("Email to %s (%s) written to %s", to, subject, path)
        return True
    try:
        _send_smtp(message)
    except (OSError, smtplib.SMTPException):
        path = _write_to_outbox(message)
        log.exception("Could not send email to %s (%s); kept in %s", to, subject, path)
        return False
    log.info("Email to %s (%s) sent", to, subject)
    return True


def init_app(app: Flask) -> None:
    app.config.setdefault("MAIL_OUTBOX_DIR", str(Path(app.instance_path) / "outbox"))
