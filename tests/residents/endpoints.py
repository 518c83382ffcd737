"""The residents app's scoped pages and API endpoints, for the access matrix (tests/access.py)."""

from django.urls import reverse

from residents.models import ConcernNote, PersonalDataAccess
from tests.access import ACTS_IN_HOME_CELL, SEES_HOME_CELL, ScopedEndpoint
from tests.residents.helpers import home_concern, home_resident

REVEALERS = ("chief_a1", "officer_a1")  # the responsible community officer and the chief
SEES_RECORDS_A1 = ("admin", "staff_a", "chief_a1")


def _resident_url(name):
    return lambda w: reverse(name, args=[home_resident(w).pk])


def _concern_url(action=None):
    if action:
        return lambda w: reverse("residents:concern_action", args=[home_concern(w).pk, action])
    return lambda w: reverse("residents:concern_detail", args=[home_concern(w).pk])


def _access_record(world):
    resident = home_resident(world)
    record = PersonalDataAccess.objects.filter(reason="MARKER-RECORD").first()
    if record is None:
        record = PersonalDataAccess.objects.create(
            actor=world.user("officer_a1"),
            action="reveal",
            reason="MARKER-RECORD",
            resident_count=1,
            station=world.stations["A1"],
            sub_bureau=world.sub_bureaus["A"],
        )
        record.residents.add(resident)
    return "MARKER-RECORD"


def _no_reveal_by_denied(world) -> bool:
    return (
        not PersonalDataAccess.objects.filter(reason="matrix reveal")
        .exclude(actor__username__in=REVEALERS)
        .exists()
    )


def _no_note_by_denied(world) -> bool:
    return (
        not ConcernNote.objects.filter(body="matrix note")
        .exclude(author__username__in=ACTS_IN_HOME_CELL)
        .exists()
    )


def _resident_list(world) -> str:
    home_resident(world)
    return reverse("residents:resident_list")


ENDPOINTS = [
    # Pages
    ScopedEndpoint(
        "page: resident list",
        url=_resident_list,
        kind="list",
        marker=lambda w: home_resident(w).name,
    ),
    ScopedEndpoint("page: resident detail", url=_resident_url("residents:resident_detail")),
    ScopedEndpoint(
        "page: resident edit form",
        url=_resident_url("residents:resident_edit"),
        allowed=ACTS_IN_HOME_CELL,
    ),
    ScopedEndpoint(
        "page: resident edit (post)",
        url=_resident_url("residents:resident_edit"),
        method="post",
        data=lambda w: {"name": "改名", "grid_cell": w.home_cell.pk},
        allowed=ACTS_IN_HOME_CELL,
        ok_status=302,
    ),
    ScopedEndpoint(
        "page: resident reveal",
        url=_resident_url("residents:resident_reveal"),
        method="post",
        data=lambda w: {"reason": "matrix reveal"},
        allowed=REVEALERS,
        unchanged=_no_reveal_by_denied,
    ),
    ScopedEndpoint(
        "page: access records",
        url=lambda w: _access_record(w) and reverse("residents:access_record_list"),
        kind="list",
        allowed=SEES_RECORDS_A1,
        marker=_access_record,
    ),
    ScopedEndpoint(
        "page: concern queue",
        url=lambda w: home_concern(w) and reverse("residents:concern_list"),
        kind="list",
        marker=lambda w: home_concern(w).reference,
    ),
    ScopedEndpoint("page: concern detail", url=_concern_url()),
    ScopedEndpoint(
        "page: concern note (post)",
        url=_concern_url("note"),
        method="post",
        data=lambda w: {"body": "matrix note"},
        allowed=ACTS_IN_HOME_CELL,
        ok_status=302,
        unchanged=_no_note_by_denied,
    ),
    ScopedEndpoint(
        "page: concern assign (post)",
        url=_concern_url("assign"),
        method="post",
        data=lambda w: {"assignee": w.user("officer_a1").pk},
        allowed=ACTS_IN_HOME_CELL,
        ok_status=302,
    ),
    # API
    ScopedEndpoint(
        "api: resident list",
        url=lambda w: home_resident(w) and reverse("resident-list"),
        kind="list",
        api=True,
        marker=lambda w: f'"name":"{home_resident(w).name}"',
    ),
    ScopedEndpoint(
        "api: resident detail",
        url=lambda w: reverse("resident-detail", args=[home_resident(w).pk]),
        api=True,
    ),
    ScopedEndpoint(
        "api: resident reveal",
        url=lambda w: reverse("resident-reveal", args=[home_resident(w).pk]),
        api=True,
        method="post",
        data=lambda w: {"reason": "matrix reveal"},
        allowed=REVEALERS,
        unchanged=_no_reveal_by_denied,
    ),
    ScopedEndpoint(
        "api: household list",
        url=lambda w: home_resident(w) and reverse("household-list"),
        kind="list",
        api=True,
        marker=lambda w: '"number":"HH-HOME"',
    ),
    ScopedEndpoint(
        "api: household detail",
        url=lambda w: reverse("household-detail", args=[home_resident(w).household_id]),
        api=True,
    ),
    ScopedEndpoint(
        "api: concern list",
        url=lambda w: home_concern(w) and reverse("concern-list"),
        kind="list",
        api=True,
        marker=lambda w: f'"reference":"{home_concern(w).reference}"',
    ),
    ScopedEndpoint(
        "api: concern detail",
        url=lambda w: reverse("concern-detail", args=[home_concern(w).pk]),
        api=True,
    ),
]

__all__ = ["ENDPOINTS", "SEES_HOME_CELL"]
