"""The session cookie: Flask's signed cookie, with its signer built once per process.

Flask builds a new itsdangerous serializer each time it reads and each time it writes the
session, and building one costs more than the signing itself (it tries its JSON serializer
out on a sample). The serializer keeps no state between calls, so one per secret key is
shared by every request and thread.
"""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionCookies(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._signer: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # Keyed on the keys, so a secret changed in the config is used at once.
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._signer
        if built is None or built[0] != keys:
            built = self._signer = (keys, super().get_signing_serializer(app))
        return built[1]


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
