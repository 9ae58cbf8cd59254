"""Time-based one-time passwords (RFC 6238) for two-factor sign-in: pure, the clock passed in.

Codes are 6 digits from 30-second steps, what every authenticator app makes by default.
A code is accepted one step either side of now, for clocks a little off and codes typed
as the step turns; a code's step must be later than the last one accepted, so a code
seen over someone's shoulder (or in a proxy's log) cannot be used again.
"""

from __future__ import annotations

import hmac
import re

import pyotp

ISSUER = "BetterUptime"
DIGITS = 6
STEP_SECONDS = 30
# Steps either side of now that still count: ±30 s of clock drift or typing time.
DRIFT_STEPS = 1
_CODE = re.compile(r"[0-9]{6}")
# Authenticator apps show "123 456"; people paste "123-456".
_SEPARATORS = str.maketrans("", "", " -\t")


def new_secret() -> str:
    """A fresh random base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, email: str) -> str:
    """The otpauth:// URI an authenticator app reads (from a QR code or pasted)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=ISSUER
    )


def normalize_code(code: str) -> str | None:
    """The 6 digits of a typed code without spaces or dashes; None if it is not one."""
    digits = code.translate(_SEPARATORS)
    return digits if _CODE.fullmatch(digits) else None


def counter_at(now: float) -> int:
    """The time step `now` (Unix seconds) falls in."""
    return int(now // STEP_SECONDS)


def verify(secret: str, code: str, *, now: float, last_counter: int | None) -> int | None:
    """The time step whose code `code` is, if it is within the drift and later than
    `last_counter` (the last step accepted for this secret); None otherwise."""
    digits = normalize_code(code)
    if digits is None:
        return None
    otp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = counter_at(now)
    accepted = None
    for counter in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_counter is not None and counter <= last_counter:
            continue
        # Every candidate is compared (no early exit) in constant time: how long a
        # wrong code takes says nothing about how close it was.
        if hmac.compare_digest(otp.generate_otp(counter), digits) and accepted is None:
            accepted = counter
    return accepted
