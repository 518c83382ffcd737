"""The dispute pages, for the access matrix (tests/access.py).

The home case lives in grid cell A1-G1 (``tests.disputes.helpers.home_case``): the station and
sub-bureau above it and the cell's officers see it; the neighbouring station, the other
sub-bureau, the other cell's officer and a user without a profile get nothing. Writes are
refused to grid workers too, and a refused write changes nothing.

Writes that move a case on (a transition, removing a party, recording a session) get a fresh
case for every request (the ``url`` callable makes it), so every allowed role finds the case
at the stage the move starts from.
"""

from __future__ import annotations

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disputes import services
from disputes.models import DisputeCase, DisputeEvent, MediationSession, Stage
from tests.access import ACTS_IN_HOME_CELL, ALL_ROLES, ScopedEndpoint
from tests.disputes.helpers import HOME_SUMMARY, home_case, make_case, move_to

DENIED_ACT = tuple(role for role in ALL_ROLES if role not in ACTS_IN_HOME_CELL)
HOME_SESSION_PLACE = "HOME-SESSION 社区调解室"
_names = itertools.count(1)


def home_session(world) -> MediationSession:
    """A session with an agreement file, on a case of its own in the home cell."""
    session = MediationSession.objects.filter(place=HOME_SESSION_PLACE).first()
    if session is None:
        case = move_to(world, make_case(world), Stage.MEDIATING)
        session = services.mediation_session_add(
            case=case,
            actor=world.user("officer_a1"),
            held_on=case.created_at.date(),
            place=HOME_SESSION_PLACE,
            participants="双方",
            agreement_reached=True,
            agreement_file=SimpleUploadedFile(
                "agreement.pdf", b"%PDF-1.4 home agreement", content_type="application/pdf"
            ),
        )
    return session


def _case_url(name, *extra):
    return lambda w: reverse(f"disputes:{name}", args=[home_case(w).pk, *extra])


def _fresh_case_url(name, stage=Stage.REGISTERED, *extra):
    def url(world):
        case = make_case(world)
        if stage != Stage.REGISTERED:
            case = move_to(world, case, stage)
        return reverse(f"disputes:{name}", args=[case.pk, *extra])

    return url


def _fresh_party_remove_url(world):
    case = make_case(world)
    party = case.parties.order_by("pk").last()
    return reverse("disputes:party_remove", args=[case.pk, party.pk])


def _no_event_by_denied(kind, **extra):
    def unchanged(world):
        return not DisputeEvent.objects.filter(
            kind=kind, actor__username__in=DENIED_ACT, **extra
        ).exists()

    return unchanged


def _edit_data(world):
    case = home_case(world)
    return {
        "version": case.version,
        "category": case.category,
        "summary": case.summary,
        "address": f"幸福路{next(_names)}号",
        "severity": case.severity,
        "officer": case.officer.username,
    }


def _create_data(world):
    return {
        "grid_cell": "A1-G1",
        "category": "neighbour",
        "summary": "MATRIX-CREATE 噪音纠纷",
        "severity": "general",
        "source": "officer",
        "party_name": [f"矩阵人员{next(_names)}"],
        "party_phone": ["13800000000"],
        "party_role": ["applicant"],
    }


def _no_case_by_denied(world):
    return not DisputeCase.objects.filter(created_by__username__in=DENIED_ACT).exists()


def _fresh_version() -> int:
    # The request's ``url`` made a fresh case just before ``data`` is asked for.
    return DisputeCase.objects.order_by("-pk").values_list("version", flat=True).first()


def _transition_data(world):
    return {"version": _fresh_version(), "reason": ""}


def _session_data(world):
    from django.utils import timezone

    return {
        "version": _fresh_version(),
        "held_on": timezone.localdate().isoformat(),
        "place": "矩阵调解室",
        "participants": "双方",
    }


def _party_add_data(world):
    return {"role": "other", "name": f"矩阵第三人{next(_names)}", "phone": ""}


PAGE_ENDPOINTS = [
    ScopedEndpoint(
        "page: disputes case list",
        url=lambda w: (home_case(w), reverse("disputes:case_list"))[1],
        kind="list",
        marker=lambda w: HOME_SUMMARY,
    ),
    ScopedEndpoint(
        "page: disputes case list, search by reference",
        url=lambda w: reverse("disputes:case_list") + f"?q={home_case(w).reference}",
        kind="list",
        marker=lambda w: HOME_SUMMARY,
    ),
    ScopedEndpoint(
        "page: disputes my cases",
        url=lambda w: (home_case(w), reverse("disputes:my_cases"))[1],
        kind="list",
        allowed=("officer_a1",),  # only the responsible officer's own list shows it
        marker=lambda w: home_case(w).reference,
    ),
    ScopedEndpoint(
        "page: disputes case board",
        url=lambda w: (home_case(w), reverse("disputes:board"))[1],
        kind="list",
        marker=lambda w: home_case(w).reference,
    ),
    ScopedEndpoint("page: disputes case detail", url=_case_url("case_detail")),
    ScopedEndpoint(
        "page: disputes case edit form", url=_case_url("case_update"), allowed=ACTS_IN_HOME_CELL
    ),
    ScopedEndpoint(
        "page: disputes case edit (post)",
        url=_case_url("case_update"),
        method="post",
        data=_edit_data,
        allowed=ACTS_IN_HOME_CELL,
        ok_status=302,
        unchanged=_no_event_by_denied("edited"),
    ),
    ScopedEndpoint(
        "page: disputes case move form",
        url=_case_url("case_transition", Stage.SCREENING),
        allowed=ACTS_IN_HOME_CELL,
    ),
    ScopedEndpoint(
        "page: disputes case move (post)",
        url=_fresh_case_url("case_transition", Stage.REGISTERED, Stage.SCREENING),
        method="post",
        data=_transition_data,
        allowed=ACTS_IN_HOME_CELL,
        ok_status=302,
        unchanged=_no_event_by_denied("transition"),
    ),
    ScopedEndpoint(
        "page: disputes case register form",
        url=lambda w: reverse("disputes:case_create") + "?cell=A1-G1",
        allowed=ACTS_IN_HOME_CELL,
    ),
    ScopedEndpoint(
        "page: disputes case register (post)",
        url=lambda w: reverse("disputes:case_create"),
        method="post",
        data=_create_data,
        allowed=ACTS_IN_HOME_CELL,
        ok_status=302,
        unchanged=_no_case_by_denied,
    ),
    ScopedEndpoint(
        "page: disputes mediation session form",
        url=_case_url("session_create"),
        allowed=ACTS_IN_HOME_CELL,
    ),
    ScopedEndpoint(
        "page: disputes mediation session (post)",
        url=_fresh_case_url("session_create", Stage.MEDIATING),
        method="post",
        data=_session_data,
        allowed=ACTS_IN_HOME_CELL,
        ok_status=302,
        unchanged=lambda w: (
            not MediationSession.objects.filter(recorded_by__username__in=DENIED_ACT).exists()
        ),
    ),
    ScopedEndpoint(
        "page: disputes agreement file",
        url=lambda w: reverse("disputes:session_agreement", args=[home_session(w).pk]),
    ),
    ScopedEndpoint(
        "page: disputes party add (post)",
        url=_case_url("party_add"),
        method="post",
        data=_party_add_data,
        allowed=ACTS_IN_HOME_CELL,
        ok_status=302,
        unchanged=_no_event_by_denied("edited"),
    ),
    ScopedEndpoint(
        "page: disputes party remove (post)",
        url=_fresh_party_remove_url,
        method="post",
        data=lambda w: {},
        allowed=ACTS_IN_HOME_CELL,
        ok_status=302,
        unchanged=_no_event_by_denied("edited"),
    ),
]
