"""The risks app's scoped pages and API endpoints, for the access matrix (tests/access.py).

Every object lives in the home grid cell A1-G1: the station and sub-bureau above it and the
officers of the cell see it; the neighbouring station, the other sub-bureau, the other cell's
officer and a user without a profile get nothing. Writes are refused to grid workers too.
"""

from django.urls import reverse

from risks.models import RiskReview
from tests.access import ACTS_IN_HOME_CELL, ALL_ROLES, SEES_HOME_CELL, ScopedEndpoint
from tests.risks.helpers import (
    HOME_TITLE,
    home_link,
    home_measure,
    home_proposal,
    home_risk,
)

DENIED_ACT = tuple(role for role in ALL_ROLES if role not in ACTS_IN_HOME_CELL)


def _review_data(world):
    return {
        "inherent_likelihood": 3,
        "inherent_severity": 3,
        "residual_likelihood": 2,
        "residual_severity": 3,
        "reviewed_on": "2026-01-05",
        "note": "checked",
    }


def _no_review_by_denied(world):
    return not RiskReview.objects.filter(reviewer__username__in=DENIED_ACT).exists()


def _risk_url(name):
    return lambda w: reverse(name, args=[home_risk(w).pk])


ENDPOINTS = [
    # Pages
    ScopedEndpoint(
        "page: risk point list",
        url=lambda w: (home_risk(w), reverse("risk_point_list"))[1],
        kind="list",
        marker=lambda w: HOME_TITLE,
    ),
    ScopedEndpoint("page: risk point detail", url=_risk_url("risk_point_detail")),
    ScopedEndpoint(
        "page: risk point edit", url=_risk_url("risk_point_update"), allowed=ACTS_IN_HOME_CELL
    ),
    ScopedEndpoint(
        "page: risk point review form",
        url=_risk_url("risk_point_review"),
        allowed=ACTS_IN_HOME_CELL,
    ),
    ScopedEndpoint(
        "page: risk point review (post)",
        url=_risk_url("risk_point_review"),
        method="post",
        data=_review_data,
        allowed=ACTS_IN_HOME_CELL,
        ok_status=302,
        unchanged=_no_review_by_denied,
    ),
    ScopedEndpoint(
        "page: risk point status",
        url=_risk_url("risk_point_transition"),
        allowed=ACTS_IN_HOME_CELL,
    ),
    ScopedEndpoint(
        "page: measure add", url=_risk_url("risk_measure_create"), allowed=ACTS_IN_HOME_CELL
    ),
    ScopedEndpoint(
        "page: measure update",
        url=lambda w: reverse("risk_measure_update", args=[home_measure(w).pk]),
        allowed=ACTS_IN_HOME_CELL,
    ),
    ScopedEndpoint("page: link add", url=_risk_url("risk_link_create"), allowed=ACTS_IN_HOME_CELL),
    ScopedEndpoint(
        "page: oversight list",
        url=lambda w: (home_risk(w), reverse("risk_oversight") + "?tier=community_officer")[1],
        kind="list",
        marker=lambda w: HOME_TITLE,
    ),
    ScopedEndpoint(
        "page: risk map",
        url=lambda w: (home_risk(w), reverse("risk_map"))[1],
        kind="list",
        marker=lambda w: HOME_TITLE,
    ),
    ScopedEndpoint(
        "page: proposal list",
        url=lambda w: (home_proposal(w), reverse("risk_proposal_list"))[1],
        kind="list",
        marker=lambda w: "HOME-PROPOSAL",
    ),
    ScopedEndpoint(
        "page: proposal accept form",
        url=lambda w: reverse("risk_proposal_accept", args=[home_proposal(w).pk]),
        allowed=ACTS_IN_HOME_CELL,
    ),
    ScopedEndpoint(
        "page: proposal dismiss form",
        url=lambda w: reverse("risk_proposal_dismiss", args=[home_proposal(w).pk]),
        allowed=ACTS_IN_HOME_CELL,
    ),
    # API
    ScopedEndpoint(
        "api: risk point list",
        url=lambda w: (home_risk(w), reverse("risk-point-list"))[1],
        kind="list",
        api=True,
        marker=lambda w: HOME_TITLE,
    ),
    ScopedEndpoint(
        "api: risk point detail",
        url=lambda w: reverse("risk-point-detail", args=[home_risk(w).pk]),
        api=True,
    ),
    ScopedEndpoint(
        "api: risk point review",
        url=lambda w: reverse("risk-point-review", args=[home_risk(w).pk]),
        api=True,
        method="post",
        data=_review_data,
        allowed=ACTS_IN_HOME_CELL,
        unchanged=_no_review_by_denied,
    ),
    ScopedEndpoint(
        "api: measure list",
        url=lambda w: (home_measure(w), reverse("risk-measure-list"))[1],
        kind="list",
        api=True,
        marker=lambda w: "HOME-MEASURE",
    ),
    ScopedEndpoint(
        "api: measure detail",
        url=lambda w: reverse("risk-measure-detail", args=[home_measure(w).pk]),
        api=True,
    ),
    ScopedEndpoint(
        "api: link list",
        url=lambda w: (home_link(w), reverse("risk-link-list"))[1],
        kind="list",
        api=True,
        marker=lambda w: f'"id":{home_link(w).pk},',
    ),
    ScopedEndpoint(
        "api: link detail",
        url=lambda w: reverse("risk-link-detail", args=[home_link(w).pk]),
        api=True,
    ),
    ScopedEndpoint(
        "api: proposal list",
        url=lambda w: (home_proposal(w), reverse("risk-proposal-list"))[1],
        kind="list",
        api=True,
        marker=lambda w: "HOME-PROPOSAL",
    ),
    ScopedEndpoint(
        "api: proposal detail",
        url=lambda w: reverse("risk-proposal-detail", args=[home_proposal(w).pk]),
        api=True,
    ),
]

__all__ = ["ENDPOINTS", "SEES_HOME_CELL"]
