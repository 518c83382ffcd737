"""Masking of personal data: the one place that decides what a masked value looks like.

ID numbers keep the six-digit region code and the last four characters
(``110101********1234``); phones keep the first three and last four digits
(``138****5678``). Everything that shows a resident (pages, API, exports, admin) calls these.
"""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) <= 7:
        return "*" * max(0, len(value) - 2) + value[-2:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
