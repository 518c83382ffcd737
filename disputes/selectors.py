"""Reads of dispute cases, always built on the scoped querysets (``visible_to`` /
``actionable_by``), so tier rules and referral grants apply to every page, API list and
export alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from disputes.models import (
    OPEN_STAGES,
    DisputeCase,
    DisputeEvent,
    DisputeParty,
    DisputeRepeat,
    EscalationRisk,
    MediationSession,
    Stage,
)
from grid.models import GridCell

ORDERINGS = {
    # Overdue first, then the nearest deadline, then the riskiest.
    "due": ("-overdue_flag", "stage_due_on", "-risk_rank", "-created_at", "pk"),
    "risk": ("-risk_rank", "-overdue_flag", "stage_due_on", "pk"),
    "newest": ("-created_at", "pk"),
    "updated": ("-updated_at", "pk"),
}
BOARD_STAGES = [stage for stage in Stage if stage != Stage.CLOSED]
BOARD_COLUMN_LIMIT = 50


def with_flags(cases: QuerySet[DisputeCase], today: date) -> QuerySet[DisputeCase]:
    """Annotate ``overdue_flag`` and ``risk_rank`` (2 high, 1 medium, 0 low) for ordering
    (pages read ``DisputeCase.is_overdue``, the same rule in Python)."""
    return cases.annotate(
        overdue_flag=Case(
            When(Q(stage_due_on__lt=today) & ~Q(stage=Stage.CLOSED), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        risk_rank=Case(
            When(escalation_risk=EscalationRisk.HIGH, then=Value(2)),
            When(escalation_risk=EscalationRisk.MEDIUM, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


def _list_related(cases: QuerySet[DisputeCase]) -> QuerySet[DisputeCase]:
    return cases.select_related("grid_cell", "officer").prefetch_related(
        Prefetch("parties", queryset=DisputeParty.objects.select_related("resident"))
    )


def case_list(
    *,
    user,
    stage: str = "",
    open_only: bool = False,
    overdue_only: bool = False,
    category: str = "",
    escalation_risk: str = "",
    officer_id: int | None = None,
    grid_cell_code: str = "",
    station_id: int | None = None,
    query: str = "",
    ordering: str = "due",
    actionable: bool = False,
) -> QuerySet[DisputeCase]:
    """The cases the user may see (or act on), filtered; two queries to show a page of them
    (the cases with their cell and officer, and their parties)."""
    today = timezone.localdate()
    cases = DisputeCase.objects.actionable_by(user) if actionable else DisputeCase.objects
    if not actionable:
        cases = cases.visible_to(user)
    if stage:
        cases = cases.filter(stage=stage)
    elif open_only:
        cases = cases.filter(stage__in=OPEN_STAGES)
    if overdue_only:
        cases = cases.overdue(today)
    if category:
        cases = cases.filter(category=category)
    if escalation_risk:
        cases = cases.filter(escalation_risk=escalation_risk)
    if officer_id:
        cases = cases.filter(officer_id=officer_id)
    if grid_cell_code:
        cases = cases.filter(grid_cell__code=grid_cell_code)
    if station_id:
        cases = cases.filter(grid_cell__community__station_id=station_id)
    query = (query or "").strip()
    if query:
        condition = Q(summary__icontains=query) | Q(address__icontains=query)
        digits = query.upper().lstrip("D").lstrip("0")
        if digits.isdigit():
            condition |= Q(pk=int(digits))
        # Parties keep their name as at registration (residents' too), so the search reads
        # the parties table only; joining the registry scanned every resident of the city.
        condition |= Exists(
            DisputeParty.objects.filter(case_id=OuterRef("pk"), name__icontains=query)
        )
        cases = cases.filter(condition)
    order = ORDERINGS.get(ordering, ORDERINGS["due"])
    return _list_related(with_flags(cases, today)).order_by(*order)


def my_cases(*, user, include_closed: bool = False) -> QuerySet[DisputeCase]:
    """Cases the user is the responsible officer of, overdue first."""
    cases = case_list(user=user, open_only=not include_closed)
    return cases.filter(officer_id=user.pk)


@dataclass
class BoardColumn:
    stage: str
    label: str
    cases: list[DisputeCase]
    total: int
    overdue: int


def case_board(
    *, user, station_id: int | None = None, officer_id: int | None = None
) -> list[BoardColumn]:
    """The station's case board: one column per open stage, overdue first in each, at most
    ``BOARD_COLUMN_LIMIT`` cards a column. Two queries for the counts and the cards, one for
    their parties, whatever the number of cases."""
    today = timezone.localdate()
    scoped = DisputeCase.objects.visible_to(user).filter(stage__in=BOARD_STAGES)
    if station_id:
        scoped = scoped.filter(grid_cell__community__station_id=station_id)
    if officer_id:
        scoped = scoped.filter(officer_id=officer_id)
    counts = {
        row["stage"]: row
        for row in scoped.order_by()
        .values("stage")
        .annotate(total=Count("pk"), overdue=Count("pk", filter=Q(stage_due_on__lt=today)))
    }
    # The first cards of every column in one query: rank within the stage by the board order.
    ranked = with_flags(scoped, today).annotate(
        position=Window(
            RowNumber(),
            partition_by=[F("stage")],
            order_by=[
                F("overdue_flag").desc(),
                F("stage_due_on").asc(nulls_last=True),
                F("risk_rank").desc(),
                F("pk").asc(),
            ],
        )
    )
    # The ids first: as a subquery, PostgreSQL misjudged its size and scanned every case.
    card_ids = list(ranked.filter(position__lte=BOARD_COLUMN_LIMIT).values_list("pk", flat=True))
    cards = list(
        _list_related(with_flags(DisputeCase.objects.all(), today))
        .filter(pk__in=card_ids)
        .order_by(*ORDERINGS["due"])
    )
    columns = []
    for stage in BOARD_STAGES:
        row = counts.get(stage, {"total": 0, "overdue": 0})
        columns.append(
            BoardColumn(
                stage=stage,
                label=Stage(stage).label,
                cases=[case for case in cards if case.stage == stage],
                total=row["total"],
                overdue=row["overdue"],
            )
        )
    return columns


def _get(queryset, pk) -> DisputeCase:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such dispute case.") from None
    case = queryset.filter(pk=pk).first()
    if case is None:
        raise Http404("No such dispute case in your area.")
    return case


def case_get(*, user, pk) -> DisputeCase:
    """One case the user may see, with what its page shows in the same query."""
    queryset = DisputeCase.objects.visible_to(user).select_related(
        "grid_cell__community__station",
        "officer",
        "created_by",
        "updated_by",
        "referred_station",
        "source_concern",
        "source_visit",
    )
    return _get(queryset, pk)


def case_actionable(*, user, pk) -> DisputeCase:
    return _get(DisputeCase.objects.actionable_by(user).select_related("grid_cell"), pk)


def case_can_act(*, user, case: DisputeCase) -> bool:
    return DisputeCase.objects.actionable_by(user).filter(pk=case.pk).exists()


def case_parties(*, case: DisputeCase) -> QuerySet[DisputeParty]:
    return case.parties.select_related("resident").order_by("role", "pk")


def case_sessions(*, case: DisputeCase) -> QuerySet[MediationSession]:
    return case.sessions.select_related("recorded_by").order_by("-held_on", "-pk")


def case_timeline(*, case: DisputeCase) -> QuerySet[DisputeEvent]:
    """Every event of the case, newest first, with who acted (one query)."""
    return case.events.select_related("actor", "accountable_officer").order_by("-at", "-pk")


@dataclass
class RepeatLinks:
    earlier: list[DisputeRepeat]  # earlier cases this one repeats (that the user may see)
    later: list[DisputeRepeat]  # later cases that repeat this one (that the user may see)
    hidden: int  # links to cases outside the user's area: counted, not shown


def case_repeats(*, user, case: DisputeCase) -> RepeatLinks:
    earlier = list(
        case.repeats_of.select_related("earlier__grid_cell").order_by("-earlier__created_at")
    )
    later = list(case.repeated_by.select_related("case__grid_cell").order_by("-case__created_at"))
    ids = {link.earlier_id for link in earlier} | {link.case_id for link in later}
    allowed = set(
        DisputeCase.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    shown_earlier = [link for link in earlier if link.earlier_id in allowed]
    shown_later = [link for link in later if link.case_id in allowed]
    hidden = len(earlier) + len(later) - len(shown_earlier) - len(shown_later)
    return RepeatLinks(shown_earlier, shown_later, hidden)


def cells_for_new_case(*, user) -> QuerySet[GridCell]:
    """Grid cells where the user may register a case."""
    return GridCell.objects.actionable_by(user).select_related("community").order_by("code")


def overdue_count(*, user) -> int:
    return DisputeCase.objects.visible_to(user).overdue(timezone.localdate()).count()
