"""Two-factor secrets are stored encrypted under a key derived from the secret key."""

from __future__ import annotations

import pytest

from betteruptime.auth.secretbox import SecretBox, SecretUnreadableError, secret_box

KEY = "a-test-secret-key-of-some-length"


def test_a_sealed_secret_opens_to_itself_and_does_not_show_it() -> None:
    box = SecretBox(KEY)
    sealed = box.seal("JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in sealed and len(sealed) < 255
    assert box.open(sealed) == "JBSWY3DPEHPK3PXP"
    assert secret_box(KEY).open(sealed) == "JBSWY3DPEHPK3PXP"


@pytest.mark.parametrize("sealed", ["not a token", "gAAAAAB" + "x" * 60, "ünïcode"])
def test_anything_not_sealed_by_it_is_unreadable(sealed: str) -> None:
    with pytest.raises(SecretUnreadableError):
        SecretBox(KEY).open(sealed)


def test_another_key_cannot_open_it() -> None:
    sealed = SecretBox(KEY).seal("JBSWY3DPEHPK3PXP")
    with pytest.raises(SecretUnreadableError):
        SecretBox(KEY + "!").open(sealed)
