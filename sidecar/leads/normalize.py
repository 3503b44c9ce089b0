"""Normal forms of contact details, so the same person is recognised however
they typed their email or phone: emails trimmed and lower-cased, phones in
E.164 (+15035550100) via the `phonenumbers` package."""
from __future__ import annotations

import re

import phonenumbers


class InvalidContact(ValueError):
    """A contact detail that cannot be normalized; `field` names which one."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is
# the provider's business; this only keeps obvious garbage out of dedupe.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(raw: str) -> str:
    """'  Jane.Doe@Example.COM ' -> 'jane.doe@example.com'; InvalidContact if malformed."""
    email = (raw or "").strip().lower()
    if not email:
        raise InvalidContact("email", "Email is empty.")
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidContact("email", "Email is not a valid address.")
    return email


def normalize_phone(raw: str, region: str = "US") -> str:
    """'(503) 555-0100' -> '+15035550100'; InvalidContact if not a valid number.

    Numbers without a country code are read in `region` (Config.default_region).
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidContact("phone", "Phone is empty.")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidContact("phone", "Phone is not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidContact("phone", "Phone is not a valid number for its country.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

