"""The one LS matrix: bands, levels, cadence and control duty by level."""

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from risks import scoring
from risks.scoring import ControlTier, Level


@pytest.mark.parametrize(
    ("likelihood", "severity", "level"),
    [
        (1, 1, Level.BLUE),
        (1, 3, Level.BLUE),
        (2, 2, Level.YELLOW),
        (3, 3, Level.YELLOW),
        (2, 5, Level.ORANGE),
        (4, 4, Level.ORANGE),
        (4, 5, Level.RED),
        (5, 5, Level.RED),
    ],
)
def test_default_bands(likelihood, severity, level):
    assert scoring.level_for(likelihood, severity) == level


def test_every_product_has_exactly_one_band_and_17_to_19_never_occur():
    products = {lk * sv for lk in range(1, 6) for sv in range(1, 6)}
    assert not products & {17, 18, 19}
    for product in products:
        assert scoring.level_for_score(product) in Level


def test_factors_outside_the_scale_name_the_field():
    with pytest.raises(ValidationError) as error:
        scoring.score_for(6, 2)
    assert "likelihood" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        scoring.score_for(2, 0)
    assert "severity" in error.value.message_dict


def test_bands_come_from_the_one_setting(settings):
    settings.RISK_LEVEL_BANDS = [
        (1, 4, "blue"),
        (5, 9, "yellow"),
        (10, 14, "orange"),
        (15, 25, "red"),
    ]
    assert scoring.level_for(2, 2) == Level.BLUE
    assert scoring.level_for(3, 5) == Level.RED


def test_bands_that_leave_a_gap_are_refused(settings):
    settings.RISK_LEVEL_BANDS = [(1, 3, "blue"), (5, 9, "yellow"), (10, 25, "red")]
    with pytest.raises(ImproperlyConfigured):
        scoring.level_for(2, 2)


def test_review_cadence_and_measure_deadlines_tighten_with_the_level():
    cadence = [scoring.review_cadence_days(level) for level in scoring.LEVELS_DESCENDING]
    assert cadence == [7, 14, 30, 90]
    due = [scoring.measure_due_days(level) for level in scoring.LEVELS_DESCENDING]
    assert due == sorted(due)


def test_control_duty_by_level():
    assert scoring.control_tier_for("red") == ControlTier.SUB_BUREAU
    assert scoring.control_tier_for("orange") == ControlTier.STATION
    assert scoring.control_tier_for("yellow") == ControlTier.COMMUNITY_OFFICER
    assert scoring.levels_for_tier(ControlTier.COMMUNITY_OFFICER) == [Level.YELLOW, Level.BLUE]


def test_level_ordering():
    assert scoring.level_rank("red") > scoring.level_rank("orange") > scoring.level_rank("yellow")
    assert scoring.level_rank("yellow") > scoring.level_rank("blue")


def test_matrix_for_display_is_5_by_5_highest_severity_first():
    matrix = scoring.matrix()
    assert len(matrix) == 5 and all(len(row) == 5 for row in matrix)
    assert matrix[0][4] == {"likelihood": 5, "severity": 5, "score": 25, "level": "red"}
