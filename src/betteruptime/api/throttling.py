"""Sign-in, sign-up and channel-test limits for the api (and the browser pages): 429
with Retry-After.

Sign-in limits go per client address and per account, so neither one address guessing
many accounts nor many addresses guessing one account get far. The address is the TCP
peer: behind a reverse proxy that is the proxy, so run the proxy's own limits there too.
Test messages go per channel and per user, so nobody turns a channel into a spam cannon
(each test is a real message to a real receiver).
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
    # Test messages: 5 a minute to one channel, 20 a minute from one user.
    test_by_channel: Throttle = field(default_factory=lambda: Throttle(5, 60))
    test_by_user: Throttle = field(default_factory=lambda: Throttle(20, 60))


def throttles(request: Request) -> AuthThrottles:
    found: AuthThrottles = request.app.state.throttles
    return found


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def enforce(throttle: Throttle, key: str, *, what: str = "attempts") -> None:
    """Count an attempt; raise a 429 saying when to try again if over the limit.
    `what` names the attempts in the message (its code is `too_many_<what>`)."""
    wait = throttle.hit(key, time.monotonic())
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise ApiError(
            429,
            "too_many_" + what.replace(" ", "_"),
            f"Too many {what}; try again in {seconds} seconds.",
            headers={"Retry-After": str(seconds)},
        )


def enforce_test_limits(request: Request, *, user_id: int, channel_id: int) -> None:
    """Count a test message to a channel; a 429 if the user or the channel had enough."""
    limits = throttles(request)
    enforce(limits.test_by_user, str(user_id), what="test messages")
    enforce(limits.test_by_channel, str(channel_id), what="test messages")
