"""Passwords are stored as Argon2id hashes with RFC 9106 parameters outside tests."""

from shop import create_app
from shop.accounts import passwords


def test_outside_tests_hashes_use_rfc_9106_low_memory_parameters():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert not app.config.get("TESTING")
    with app.app_context():
        stored = passwords.hash_password("correct horse battery")
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert passwords.verify_password(stored, "correct horse battery")
        assert not passwords.verify_password(stored, "Correct horse battery")
        assert not passwords.needs_rehash(stored)


def test_unknown_account_and_garbage_hashes_never_verify(app):
    with app.app_context():
        assert not passwords.verify_password(None, "not a real password, only for timing")
        assert not passwords.verify_password("not-a-hash", "anything")
