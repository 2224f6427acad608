"""Password hashing with Argon2id (argon2-cffi), the memory-hard KDF OWASP recommends first.

Parameters: RFC 9106's low-memory profile (64 MiB, 3 passes, 4 lanes). `needs_rehash`
moves stored hashes to new parameters at the customer's next sign-in.
"""

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

STRONG = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
# Only for apps built with TESTING=True: the test suite hashes hundreds of passwords.
FAST_FOR_TESTS = PasswordHasher.from_parameters(profiles.CHEAPEST)


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("TESTING"):
        return FAST_FOR_TESTS
    return STRONG


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified when the email is unknown, so both answers take about as long."""
    return hasher.hash("not a real password, only for timing")


MIN_LENGTH = 10
MAX_LENGTH = 256
# A short list of the passwords people pick most; length does the rest.
COMMON = {
    "1234567890",
    "12345678910",
    "0123456789",
    "password12",
    "password123",
    "password1234",
    "qwertyuiop",
    "1q2w3e4r5t",
    "qwerty1234",
    "iloveyou12",
    "abcdefghij",
    "aaaaaaaaaa",
    "letmein123",
    "welcome123",
    "passw0rd12",
    "0987654321",
    "1111111111",
    "asdfghjkl1",
}


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def password_problem(password: str, email: str = "") -> str | None:
    """Why this password is too weak, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if password.lower() in COMMON or len(set(password)) < 4:
        return "That password is too easy to guess: try a few unrelated words."
    if email and password.lower().strip() == email.lower().strip():
        return "Don't use your email address as your password."
    return None
