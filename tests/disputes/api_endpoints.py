"""The disputes API endpoints, for the access matrix (tests/access.py).

The home case lives in the home grid cell A1-G1 (``tests.disputes.helpers.home_case``): the
station and sub-bureau above it and the cell's officer and grid worker see it; the neighbouring
station, the other sub-bureau, the other cell's officer and a user without a profile get
nothing. Writes are refused to grid workers too, and a refused write changes nothing (no
timeline entry, no case, no party by a refused user)."""

from __future__ import annotations

import itertools
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disputes import services
from disputes.models import DisputeCase, DisputeEvent, Stage
from disputes.services import PartyInput
from tests.access import ACTS_IN_HOME_CELL, ALL_ROLES, ScopedEndpoint
from tests.disputes.helpers import HOME_SUMMARY, home_case, move_to

DENIED_ACT = tuple(role for role in ALL_ROLES if role not in ACTS_IN_HOME_CELL)
_numbers = itertools.count(1)

# Moves any officer of the case may make, so every allowed role can take one in turn.
_NEXT_MOVE = {
    Stage.REGISTERED: {"to_stage": Stage.SCREENING},
    Stage.SCREENING: {"to_stage": Stage.MEDIATING},
    Stage.MEDIATING: {
        "to_stage": Stage.REFERRED,
        "reason": "转人民调解",
        "referral_kind": "mediation_committee",
        "referral_body": "桃源街道人民调解委员会",
    },
    Stage.REFERRED: {"to_stage": Stage.MEDIATING, "reason": "调解委员会退回"},
}


def _nothing_by_denied(world) -> bool:
    return not (
        DisputeEvent.objects.filter(actor__username__in=DENIED_ACT).exists()
        or DisputeCase.objects.filter(created_by__username__in=DENIED_ACT).exists()
    )


def _mediating_home_case(world) -> DisputeCase:
    case = home_case(world)
    if case.stage == Stage.REGISTERED:
        case = move_to(world, case, Stage.MEDIATING)
    return case


def _home_session(world):
    """A session of the home case with a signed agreement file."""
    case = _mediating_home_case(world)
    session = case.sessions.exclude(agreement_file="").first()
    if session is None:
        session = services.mediation_session_add(
            case=case,
            actor=world.user("officer_a1"),
            held_on=date.today(),
            place="社区警务室",
            participants="双方当事人",
            agreement_reached=True,
            agreement_file=SimpleUploadedFile("agreement.pdf", b"%PDF-1.4 test"),
        )
    return session


def _spare_party(world):
    """A party of the home case that may be removed (the case keeps its others)."""
    case = home_case(world)
    return services.case_party_add(
        case=case,
        actor=world.user("officer_a1"),
        party=PartyInput(role="other", name=f"证人{next(_numbers)}"),
    )


def _case_url(name):
    return lambda w: reverse(name, args=[home_case(w).pk])


API_ENDPOINTS = [
    ScopedEndpoint(
        "api: disputes: case list",
        url=lambda w: (home_case(w), reverse("dispute-case-list"))[1],
        kind="list",
        api=True,
        marker=lambda w: HOME_SUMMARY,
    ),
    ScopedEndpoint("api: disputes: case detail", url=_case_url("dispute-case-detail"), api=True),
    ScopedEndpoint("api: disputes: case events", url=_case_url("dispute-case-events"), api=True),
    ScopedEndpoint(
        "api: disputes: case sessions", url=_case_url("dispute-case-sessions"), api=True
    ),
    ScopedEndpoint(
        "api: disputes: agreement file",
        url=lambda w: reverse(
            "dispute-case-agreement", args=[home_case(w).pk, _home_session(w).pk]
        ),
        api=True,
    ),
    ScopedEndpoint(
        "api: disputes: case create",
        url=lambda w: reverse("dispute-case-list"),
        api=True,
        method="post",
        data=lambda w: {
            "grid_cell": w.home_cell.pk,
            "category": "neighbour",
            "summary": "API 登记的纠纷",
            "parties": [{"role": "applicant", "name": "外来人员", "phone": "13700000001"}],
        },
        allowed=ACTS_IN_HOME_CELL,
        ok_status=201,
        unchanged=_nothing_by_denied,
    ),
    ScopedEndpoint(
        "api: disputes: case update",
        url=_case_url("dispute-case-detail"),
        api=True,
        method="patch",
        data=lambda w: {"address": "幸福路12号", "version": home_case(w).version},
        allowed=ACTS_IN_HOME_CELL,
        unchanged=_nothing_by_denied,
    ),
    ScopedEndpoint(
        "api: disputes: case transition",
        url=_case_url("dispute-case-transition"),
        api=True,
        method="post",
        data=lambda w: {
            **_NEXT_MOVE[home_case(w).stage],
            "version": home_case(w).version,
        },
        allowed=ACTS_IN_HOME_CELL,
        unchanged=_nothing_by_denied,
    ),
    ScopedEndpoint(
        "api: disputes: session add",
        url=lambda w: reverse("dispute-case-sessions", args=[_mediating_home_case(w).pk]),
        api=True,
        method="post",
        data=lambda w: {
            "held_on": date.today().isoformat(),
            "place": "社区警务室",
            "participants": "双方当事人、社区民警",
        },
        allowed=ACTS_IN_HOME_CELL,
        ok_status=201,
        unchanged=_nothing_by_denied,
    ),
    ScopedEndpoint(
        "api: disputes: party add",
        url=_case_url("dispute-case-parties"),
        api=True,
        method="post",
        data=lambda w: {"role": "other", "name": f"见证人{next(_numbers)}"},
        allowed=ACTS_IN_HOME_CELL,
        ok_status=201,
        unchanged=_nothing_by_denied,
    ),
    ScopedEndpoint(
        "api: disputes: party remove",
        url=lambda w: reverse("dispute-case-party", args=[home_case(w).pk, _spare_party(w).pk]),
        api=True,
        method="delete",
        allowed=ACTS_IN_HOME_CELL,
        unchanged=_nothing_by_denied,
    ),
]
