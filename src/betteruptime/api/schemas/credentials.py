"""The field types of sign-in bodies: emails, passwords and two-factor codes.

An email and a code are what a person types on one line (no control characters); a
password may hold any character but NUL, since it is hashed, never stored as text.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from betteruptime.domain.url_grammar import CONTROL, SPACE, WHITESPACE
from betteruptime.schemas.text import LINE, TEXT, pattern
from betteruptime.services.users import (
    MAX_EMAIL_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password,
    normalize_email,
)

# Room for "123 456" and stray spaces; a code itself is 6 digits.
MAX_CODE_LENGTH = 16
_PASSWORD_FORMAT = {"format": "password"}
# What normalize_email takes: blanks around, one "@" with something before it, and a
# dotted domain after it with no empty label; no blank or control character inside.
_PART = f"[^@{WHITESPACE}{CONTROL}]"
_LABEL = f"[^@.{WHITESPACE}{CONTROL}]+"
EMAIL_PATTERN = rf"^[{SPACE}]*{_PART}+@{_LABEL}(?:\.{_LABEL})+[{SPACE}]*$"

Email = Annotated[str, Field(max_length=MAX_EMAIL_LENGTH), LINE]
# Checked by normalize_email, in the words the CLI uses too; its length is published.
NewEmail = Annotated[
    str,
    LINE,
    AfterValidator(normalize_email),
    Field(
        description="Stored lowercased; unique regardless of letter case.",
        json_schema_extra={"maxLength": MAX_EMAIL_LENGTH},
    ),
    pattern(EMAIL_PATTERN),
]
Password = Annotated[
    str, Field(max_length=MAX_PASSWORD_LENGTH, json_schema_extra=_PASSWORD_FORMAT), TEXT
]
# Lengths checked by check_password, in the words the CLI uses too; published here.
NewPassword = Annotated[
    str,
    TEXT,
    AfterValidator(check_password),
    Field(
        description="8 to 1024 characters.",
        json_schema_extra={
            **_PASSWORD_FORMAT,
            "minLength": MIN_PASSWORD_LENGTH,
            "maxLength": MAX_PASSWORD_LENGTH,
        },
    ),
]
TotpCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_CODE_LENGTH,
        description="The 6-digit code the authenticator app shows now.",
        examples=["123456"],
    ),
    LINE,
]
# At sign-in a code may be left out, or sent empty, when the account does not need one.
OptionalTotpCode = Annotated[
    Annotated[str, Field(max_length=MAX_CODE_LENGTH), LINE] | None,
    Field(description="The current 6-digit code, for a user with two-factor sign-in on."),
]
