"""The one risk-scoring mechanism: the 5x5 likelihood x severity (LS) matrix.

score = likelihood x severity (each 1-5); the score falls in one band of
``settings.RISK_LEVEL_BANDS`` which gives the four-colour level. Review cadence, the control
tier (分级管控) and the longest measure due date follow from the level. Everything that scores
a risk (forms, services, the API, the nightly register) calls these functions.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

LIKELIHOOD_MIN, LIKELIHOOD_MAX = 1, 5
SEVERITY_MIN, SEVERITY_MAX = 1, 5


class Level(models.TextChoices):
    """The four-colour levels, declared from the highest to the lowest."""

    RED = "red", _("Red (major)")
    ORANGE = "orange", _("Orange (significant)")
    YELLOW = "yellow", _("Yellow (general)")
    BLUE = "blue", _("Blue (low)")


# Ordering: a higher rank is a more serious level.
LEVEL_RANK = {Level.BLUE: 1, Level.YELLOW: 2, Level.ORANGE: 3, Level.RED: 4}
LEVELS_DESCENDING = [Level.RED, Level.ORANGE, Level.YELLOW, Level.BLUE]


class ControlTier(models.TextChoices):
    """Who oversees a risk by its level (分级管控)."""

    SUB_BUREAU = "sub_bureau", _("Sub-bureau")
    STATION = "station", _("Police station")
    COMMUNITY_OFFICER = "community_officer", _("Community officer")


CONTROL_TIER_FOR_LEVEL = {
    Level.RED: ControlTier.SUB_BUREAU,
    Level.ORANGE: ControlTier.STATION,
    Level.YELLOW: ControlTier.COMMUNITY_OFFICER,
    Level.BLUE: ControlTier.COMMUNITY_OFFICER,
}


def level_rank(level: str) -> int:
    return LEVEL_RANK[Level(level)]


def levels_for_tier(tier: str) -> list[Level]:
    """The levels a control tier owns, highest first."""
    return [level for level in LEVELS_DESCENDING if CONTROL_TIER_FOR_LEVEL[level] == tier]


def control_tier_for(level: str) -> ControlTier:
    return CONTROL_TIER_FOR_LEVEL[Level(level)]


@lru_cache(maxsize=1)
def bands() -> tuple[tuple[int, int, Level], ...]:
    """The configured bands, validated: every possible product lies in exactly one band."""
    configured = tuple(
        (int(low), int(high), Level(level)) for low, high, level in settings.RISK_LEVEL_BANDS
    )
    products = {
        likelihood * severity
        for likelihood in range(LIKELIHOOD_MIN, LIKELIHOOD_MAX + 1)
        for severity in range(SEVERITY_MIN, SEVERITY_MAX + 1)
    }
    for product in products:
        matches = [band for band in configured if band[0] <= product <= band[1]]
        if len(matches) != 1:
            raise ImproperlyConfigured(
                f"RISK_LEVEL_BANDS must put the score {product} in exactly one band "
                f"(found {len(matches)})."
            )
    return configured


def _reset_bands(*, setting, **kwargs) -> None:
    if setting == "RISK_LEVEL_BANDS":
        bands.cache_clear()


setting_changed.connect(_reset_bands)


def validate_factor(value: int, *, field: str) -> int:
    """A likelihood or severity: an integer 1-5, else a ValidationError naming the field."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: _("Enter a whole number from 1 to 5.")})
    if not LIKELIHOOD_MIN <= value <= LIKELIHOOD_MAX:
        raise ValidationError(
            {field: _("%(value)s is outside the scale; enter 1 to 5.") % {"value": value}}
        )
    return value


def score_for(likelihood: int, severity: int) -> int:
    validate_factor(likelihood, field="likelihood")
    validate_factor(severity, field="severity")
    return likelihood * severity


def level_for_score(score: int) -> Level:
    for low, high, level in bands():
        if low <= score <= high:
            return level
    raise ValueError(f"No risk level band holds the score {score}.")


def level_for(likelihood: int, severity: int) -> Level:
    """The four-colour level of one likelihood x severity assessment."""
    return level_for_score(score_for(likelihood, severity))


def review_cadence_days(level: str) -> int:
    return int(settings.RISK_REVIEW_CADENCE_DAYS[Level(level).value])


def next_review_date(level: str, from_date: date) -> date:
    return from_date + timedelta(days=review_cadence_days(level))


def measure_due_days(level: str) -> int:
    """The longest a new measure may take at this level (deadlines tighten with the level)."""
    return int(settings.RISK_MEASURE_DUE_DAYS[Level(level).value])


def latest_measure_due(level: str, from_date: date) -> date:
    return from_date + timedelta(days=measure_due_days(level))


def level_rank_expression(field: str) -> Case:
    """SQL: the rank (4 red .. 1 blue) of a level column, for ordering in the database."""
    return Case(
        *(When(**{field: level.value}, then=Value(rank)) for level, rank in LEVEL_RANK.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def level_from_score_expression(field: str) -> Case:
    """SQL: the level of a score column by the configured bands (set-based recomputation)."""
    return Case(
        *(
            When(**{f"{field}__gte": low, f"{field}__lte": high}, then=Value(level.value))
            for low, high, level in bands()
        ),
        default=Value(""),
        output_field=models.CharField(),
    )


def matrix() -> list[list[dict]]:
    """The 5x5 matrix for display: rows of severity 5..1, columns of likelihood 1..5."""
    return [
        [
            {
                "likelihood": likelihood,
                "severity": severity,
                "score": likelihood * severity,
                "level": level_for(likelihood, severity).value,
            }
            for likelihood in range(LIKELIHOOD_MIN, LIKELIHOOD_MAX + 1)
        ]
        for severity in range(SEVERITY_MAX, SEVERITY_MIN - 1, -1)
    ]
