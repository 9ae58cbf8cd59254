"""Session cookies: signed, tamper-evident, expiring, bound to the key."""

from __future__ import annotations

from betteruptime.web.session import SessionSigner, WebSession

KEY = "k" * 32


def test_a_session_survives_the_round_trip() -> None:
    signer = SessionSigner(KEY, max_age_seconds=60)
    session = WebSession.anonymous().signed_in(user_id=7, password_tag="tag")
    assert signer.loads(signer.dumps(session)) == session


def test_signing_in_replaces_the_csrf_token() -> None:
    anonymous = WebSession.anonymous()
    assert anonymous.signed_in(user_id=1, password_tag="t").csrf != anonymous.csrf


def test_an_altered_or_foreign_cookie_is_refused() -> None:
    signer = SessionSigner(KEY, max_age_seconds=60)
    value = signer.dumps(WebSession.anonymous().signed_in(user_id=7, password_tag="t"))
    payload, signature = value.split(".")
    altered = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    assert signer.loads(f"{altered}.{signature}") is None
    assert SessionSigner("x" * 32, max_age_seconds=60).loads(value) is None
    for garbage in ("", "a.b.c", "no-dot", "é.é", f"{payload}.", "e30.sig"):
        assert signer.loads(garbage) is None


def test_an_expired_session_is_refused() -> None:
    signer = SessionSigner(KEY, max_age_seconds=60)
    session = WebSession.anonymous()
    value = signer.dumps(session)
    assert signer.loads(value, now=session.issued_at + 60) == session
    assert signer.loads(value, now=session.issued_at + 61) is None


def test_the_password_tag_changes_with_the_password_hash_and_the_key() -> None:
    signer = SessionSigner(KEY, max_age_seconds=60)
    assert signer.password_tag("hash-1") == signer.password_tag("hash-1")
    assert signer.password_tag("hash-1") != signer.password_tag("hash-2")
    assert SessionSigner("y" * 32, max_age_seconds=60).password_tag("hash-1") != (
        signer.password_tag("hash-1")
    )
