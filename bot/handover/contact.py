"""Validation of the contact details a person types: name, phone number, e-mail address."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

# No digits, markup or control characters (NUL would break storing it on PostgreSQL).
_NAME = re.compile(r"^[^\d@<>{}\[\]\\/|=_*#$%^~`\x00-\x1f\x7f-\x9f]{2,60}$")
_URL = re.compile(r"(https?://|www\.)", re.IGNORECASE)


def parse_name(text: str) -> str | None:
    """A name or nickname: 2–60 characters of letters, spaces and common punctuation."""
    name = " ".join(text.split())
    if not _NAME.match(name) or _URL.search(name) or not any(ch.isalpha() for ch in name):
        return None
    return name


def parse_phone(text: str, default_region: str = "DE") -> str | None:
    """A valid phone number in E.164 form; German numbers may be written nationally (0151 …)."""
    candidate = text.strip()
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    try:
        number = phonenumbers.parse(candidate, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_email(text: str) -> str | None:
    """A syntactically valid address, normalised; no DNS look-up (tests and privacy)."""
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None
