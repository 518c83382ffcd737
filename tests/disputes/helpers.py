# ruff: noqa: RUF001  (Chinese test text uses full-width punctuation)
"""Test data for the disputes app: cases in the world's grid cells, moved through stages."""

from __future__ import annotations

import itertools
from datetime import date

from disputes import services
from disputes.models import DisputeCase, Stage
from disputes.services import PartyInput
from tests.residents.helpers import make_resident

HOME_SUMMARY = "HOME-DISPUTE 楼上漏水，邻里争执"
_sequence = itertools.count(1)

# The shortest legal path from "registered" to each stage (the service does every step).
PATH_TO = {
    Stage.REGISTERED: [],
    Stage.SCREENING: [Stage.SCREENING],
    Stage.MEDIATING: [Stage.SCREENING, Stage.MEDIATING],
    Stage.RESOLVED: [Stage.SCREENING, Stage.MEDIATING, Stage.RESOLVED],
    Stage.FOLLOW_UP: [Stage.SCREENING, Stage.MEDIATING, Stage.RESOLVED, Stage.FOLLOW_UP],
    Stage.CLOSED: [
        Stage.SCREENING,
        Stage.MEDIATING,
        Stage.RESOLVED,
        Stage.FOLLOW_UP,
        Stage.CLOSED,
    ],
    Stage.ESCALATED: [Stage.SCREENING, Stage.ESCALATED],
    Stage.REFERRED: [Stage.SCREENING, Stage.REFERRED],
    Stage.REOPENED: [Stage.SCREENING, Stage.MEDIATING, Stage.RESOLVED, Stage.REOPENED],
}


def make_case(
    world,
    *,
    cell: str = "A1-G1",
    actor: str = "officer_a1",
    summary: str | None = None,
    parties=None,
    **fields,
) -> DisputeCase:
    """A registered case; by default between a fresh resident and a named outsider."""
    if parties is None:
        resident = make_resident(world, cell, name=f"王{next(_sequence)}")
        parties = [
            PartyInput(role="applicant", resident_id=resident.pk),
            PartyInput(role="respondent", name=f"外来人员{next(_sequence)}", phone="13700000000"),
        ]
    fields.setdefault("category", "neighbour")
    return services.case_create(
        actor=world.user(actor),
        grid_cell=world.cells[cell],
        summary=summary or f"邻里纠纷 {next(_sequence)}",
        parties=parties,
        **fields,
    )


def move_to(
    world, case: DisputeCase, stage: str, *, chief: str = "chief_a1", officer: str = "officer_a1"
) -> DisputeCase:
    """Walk the case along PATH_TO[stage] with the inputs each step needs."""
    for target in PATH_TO[stage]:
        actor = world.user(officer)
        extra = {"reason": "测试"}
        if target == Stage.ESCALATED:
            extra["escalation_level"] = "station"
        if target == Stage.REFERRED:
            extra.update(
                referral_kind="mediation_committee", referral_body="桃源街道人民调解委员会"
            )
        if target == Stage.RESOLVED:
            services.mediation_session_add(
                case=case,
                actor=actor,
                held_on=date.today(),
                place="社区警务室",
                participants="双方当事人、社区民警",
                outcome="赔偿维修费",
                agreement_reached=True,
                agreement_text="甲方赔偿乙方维修费800元。",
            )
            extra["resolution"] = "双方签订调解协议"
        if target in (Stage.CLOSED, Stage.REOPENED):
            actor = world.user(chief)
        if target == Stage.REOPENED:
            extra.update(accountable_officer=world.user(officer), fault="未核实协议履行")
        case = services.case_transition(case=case, to_stage=target, actor=actor, **extra)
    return case


def home_case(world) -> DisputeCase:
    """The case in the home cell A1-G1 that the access matrix looks for."""
    case = DisputeCase.objects.filter(summary=HOME_SUMMARY).first()
    if case is None:
        case = make_case(world, summary=HOME_SUMMARY)
    return case
