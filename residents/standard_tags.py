"""The standard care and key-population categories (also written by migration 0002)."""

from __future__ import annotations

# code, English name (translated at display time), kind, visit every (days)
STANDARD_TAGS = (
    ("elderly-alone", "Elderly living alone", "care", 30),
    ("left-behind-minor", "Minor left behind", "care", 30),
    ("fraud-target", "Targeted by telecom fraud", "care", 14),
    ("disabled", "Person with a disability", "care", 60),
    ("mental-health", "Severe mental disorder under care", "care", 30),
    ("community-correction", "Under community correction", "key_population", None),
    ("released-prisoner", "Released from prison", "key_population", None),
    ("drug-user", "Registered drug user", "key_population", None),
    ("petitioner", "Frequent petitioner", "key_population", None),
)


def ensure_standard_tags() -> int:
    """Create the standard tags that are missing (e.g. after a test flush); returns how many."""
    from residents.models import Tag

    existing = set(Tag.objects.values_list("code", flat=True))
    missing = [
        Tag(code=code, name=name, kind=kind, visit_every_days=days)
        for code, name, kind, days in STANDARD_TAGS
        if code not in existing
    ]
    Tag.objects.bulk_create(missing)
    return len(missing)
