"""Password hashing with Argon2id (argon2-cffi).

Hashing is deliberately slow (tens of milliseconds) and CPU-bound: async callers run these
functions in a thread so one login does not stall every other request.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# A hash of a throw-away password, made with the current hasher: logins for unknown emails
# verify against it so they take as long as logins with a wrong password.
_dummy: tuple[PasswordHasher, str] | None = None


def use_hasher(hasher: PasswordHasher) -> None:
    """Swap the hasher (tests use cheap parameters; production keeps the defaults)."""
    global _hasher, _dummy
    _hasher, _dummy = hasher, None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if `password` matches; False for a mismatch or an unreadable stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current ones."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def verify_dummy(password: str) -> None:
    """Spend the time of one verification without a user, so timing does not reveal one."""
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash("dummy password for timing"))
    verify_password(_dummy[1], password)
