"""How people's names are shown."""

import unicodedata


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(char, "").startswith("CJK UNIFIED") for char in text)


def person_name(user) -> str:
    """Chinese names surname first with no space (王伟); others "given family"; else username."""
    if user is None:
        return ""
    family, given = (user.last_name or "").strip(), (user.first_name or "").strip()
    if not (family or given):
        return user.get_username()
    if _is_cjk(family + given):
        return f"{family}{given}"
    return " ".join(part for part in (given, family) if part)
