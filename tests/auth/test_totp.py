"""TOTP codes: accepted within one step of drift, never twice, never an older step;
the otpauth:// URI names the issuer and the account. Fixed times, no I/O."""

from __future__ import annotations

import pyotp
import pytest

from betteruptime.auth import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_015.0  # 15 s into step 60_000_000
STEP = 60_000_000


def _code_at(counter: int) -> str:
    return pyotp.TOTP(SECRET).at(counter * 30)


def test_it_accepts_the_current_code_and_answers_its_step() -> None:
    assert totp.verify(SECRET, _code_at(STEP), now=NOW, last_counter=None) == STEP


@pytest.mark.parametrize("offset", [-1, 1])
def test_it_accepts_a_code_one_step_either_side(offset: int) -> None:
    assert totp.verify(SECRET, _code_at(STEP + offset), now=NOW, last_counter=None) == STEP + offset


@pytest.mark.parametrize("offset", [-2, 2, 100])
def test_it_refuses_a_code_further_off(offset: int) -> None:
    assert totp.verify(SECRET, _code_at(STEP + offset), now=NOW, last_counter=None) is None


def test_it_refuses_a_code_of_the_step_already_accepted_or_an_earlier_one() -> None:
    assert totp.verify(SECRET, _code_at(STEP), now=NOW, last_counter=STEP) is None
    assert totp.verify(SECRET, _code_at(STEP - 1), now=NOW, last_counter=STEP) is None
    assert totp.verify(SECRET, _code_at(STEP + 1), now=NOW, last_counter=STEP) == STEP + 1


def test_it_accepts_the_code_typed_with_a_space_or_dash() -> None:
    code = _code_at(STEP)
    for typed in (f"{code[:3]} {code[3:]}", f"{code[:3]}-{code[3:]}", f" {code}\t"):
        assert totp.verify(SECRET, typed, now=NOW, last_counter=None) == STEP


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12 34 5"])
def test_it_refuses_what_is_not_six_digits(typed: str) -> None:
    assert totp.normalize_code(typed) is None
    assert totp.verify(SECRET, typed, now=NOW, last_counter=None) is None


def test_it_refuses_a_code_of_another_secret() -> None:
    other = pyotp.TOTP("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").at(NOW)
    assert totp.verify(SECRET, other, now=NOW, last_counter=None) is None


def test_new_secrets_are_random_base32_of_160_bits() -> None:
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second and len(first) == 32
    assert set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_the_uri_names_the_issuer_and_the_account() -> None:
    uri = totp.provisioning_uri(SECRET, email="alice@example.com")
    assert uri == (
        f"otpauth://totp/BetterUptime:alice%40example.com?secret={SECRET}&issuer=BetterUptime"
    )
    assert pyotp.parse_uri(uri).secret == SECRET
