"""Sign-in and sign-up limits for the api (and the browser pages): 429 with Retry-After.

Limits per client address and per account, so neither one address guessing many
accounts nor many addresses guessing one account get far. The address is the TCP peer:
behind a reverse proxy that is the proxy, so run the proxy's own limits there too.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from fastapi import Request

from betteruptime.api.errors import ApiError
from betteruptime.auth.throttle import Throttle


@dataclass
class AuthThrottles:
    # 20 sign-in attempts a minute from one address; 10 per account in 15 minutes.
    login_by_address: Throttle = field(default_factory=lambda: Throttle(20, 60))
    login_by_account: Throttle = field(default_factory=lambda: Throttle(10, 900))
    # 10 sign-ups an hour from one address.
    signup_by_address: Throttle = field(default_factory=lambda: Throttle(10, 3600))


def throttles(request: Request) -> AuthThrottles:
    found: AuthThrottles = request.app.state.throttles
    return found


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def enforce(throttle: Throttle, key: str) -> None:
    """Count an attempt; raise a 429 saying when to try again if over the limit."""
    wait = throttle.hit(key, time.monotonic())
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise ApiError(
            429,
            "too_many_attempts",
            f"Too many attempts; try again in {seconds} seconds.",
            headers={"Retry-After": str(seconds)},
        )
