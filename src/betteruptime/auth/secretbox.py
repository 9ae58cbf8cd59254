"""Encryption at rest for secrets the server must read back (two-factor secrets).

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived by HKDF from
BETTERUPTIME_SECRET_KEY, so a copy of the database alone does not reveal them. The
derivation names its purpose: the cookie signer's key and this one never coincide.
Changing BETTERUPTIME_SECRET_KEY makes stored secrets unreadable (`betteruptime user
reset-totp` turns two-factor sign-in off for a user who is locked out by that).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"betteruptime.secretbox.totp.v1"


class SecretUnreadableError(Exception):
    """A stored secret cannot be decrypted: altered, or sealed under another key."""


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
            secret_key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError) as error:
            raise SecretUnreadableError("the stored secret cannot be decrypted") from error


@lru_cache(maxsize=4)
def secret_box(secret_key: str) -> SecretBox:
    """The box for a key, made once (key derivation per request would be waste)."""
    return SecretBox(secret_key)
