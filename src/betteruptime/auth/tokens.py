"""API tokens: `bu_` + 43 URL-safe characters (256 random bits); stored as SHA-256 hex.

A fast hash is right here (unlike passwords): the token is random and long, so there is
nothing to brute-force, and a lookup by digest needs one indexed equality match.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "bu_"


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
