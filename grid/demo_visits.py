"""The "visits" demo step: a year of grid visits at the scale's rate (DESIGN.md).

Runs after the grid and residents steps (``DEMO_STEPS``). Every random choice comes from
``ctx.rng("visits")``; dates are counted back from the build day, so the day page and the
coverage pages look current whenever the data set is built. The shape follows the field:

- visits per cell in proportion to its households, at ``spec.visits_per_year`` a year, on
  working days mostly (a few at weekends), between 08:30 and 18:00 local time;
- each visit is logged by whoever was assigned to the cell on that day: the responsible
  officer (about four in five) or its grid worker; no visit before a cell's first assignment;
- about one cell in twelve is neglected (no visit for 35-120 days): the blind spots;
- door-to-door and follow-up visits record the residents met: residents in care in turn (two
  to six a visit, the one waiting longest first; a round is sometimes skipped) and a few others,
  so most periodic visits are on time and some are overdue.

Rows are written with ``bulk_create`` in batches of cells, so memory stays flat at city scale.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from grid.demo import DemoContext
from grid.models import AssignmentRole, GridAssignment, GridCell, GridVisit, VisitType

BATCH_CELLS = 500
BATCH_SIZE = 5000
NEGLECTED_SHARE = 1 / 12
RESIDENTS_PER_CELL = 60  # ordinary residents a cell's visits may record (besides those in care)
TYPE_WEIGHTS = (
    (VisitType.DOOR_TO_DOOR, 45),
    (VisitType.PATROL, 25),
    (VisitType.MEETING, 8),
    (VisitType.PUBLICITY, 10),
    (VisitType.FOLLOW_UP, 12),
)
NOTES = {
    VisitType.DOOR_TO_DOOR: (
        "入户走访、了解住户情况",
        "走访出租屋、核对租住人员",
        "入户登记、宣传平安建设",
    ),
    VisitType.PATROL: ("小区巡逻、检查消防通道", "夜间巡逻、重点部位巡查", "巡查电动车充电点"),
    VisitType.MEETING: ("组织居民座谈、听取意见", "与楼栋长座谈、排查矛盾"),
    VisitType.PUBLICITY: ("开展反诈宣传讲座", "发放防诈骗宣传资料", "消防安全宣传"),
    VisitType.FOLLOW_UP: ("回访群众诉求处理情况", "回访调解当事人", "回访独居老人"),
}
FINDINGS = (
    "楼道堆放杂物、已提醒清理",
    "电动车楼道充电、存在火灾隐患",
    "邻里噪音纠纷、需进一步调解",
    "独居老人身体欠佳、联系社区跟进",
    "疑似电信诈骗受害人、已劝阻",
    "出租屋人员信息未登记",
)
HOUSEHOLDS = {
    VisitType.DOOR_TO_DOOR: (3, 25),
    VisitType.PATROL: (0, 0),
    VisitType.MEETING: (5, 30),
    VisitType.PUBLICITY: (10, 60),
    VisitType.FOLLOW_UP: (1, 3),
}


def _resident_pools(cell_ids: list[int]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """(in care, ordinary) resident ids per cell, for the cells of one batch."""
    try:
        from residents.models import Resident
    except ImportError:  # the residents part is not installed
        return {}, {}
    in_care: dict[int, list[int]] = defaultdict(list)
    for resident_id, cell_id in (
        Resident.objects.filter(grid_cell_id__in=cell_ids)
        .in_care()
        .order_by("pk")
        .values_list("pk", "grid_cell_id")
    ):
        in_care[cell_id].append(resident_id)
    ordinary: dict[int, list[int]] = defaultdict(list)
    ranked = (
        Resident.objects.filter(grid_cell_id__in=cell_ids)
        .annotate(rank=Window(RowNumber(), partition_by=[F("grid_cell_id")], order_by="pk"))
        .order_by()
        .values_list("pk", "grid_cell_id", "rank")
    )
    for resident_id, cell_id, rank in ranked.iterator(chunk_size=20_000):
        if rank <= RESIDENTS_PER_CELL:
            ordinary[cell_id].append(resident_id)
    return in_care, ordinary


def _assignments(cell_ids: list[int]) -> dict[int, list[tuple[date, date | None, int, str]]]:
    rows: dict[int, list] = defaultdict(list)
    for cell_id, valid_from, valid_to, officer_id, role in (
        GridAssignment.objects.filter(grid_cell_id__in=cell_ids)
        .order_by("grid_cell_id", "valid_from", "pk")
        .values_list("grid_cell_id", "valid_from", "valid_to", "officer_id", "role")
    ):
        rows[cell_id].append((valid_from, valid_to, officer_id, role))
    return rows


def _on(periods, day: date, role: str) -> int | None:
    for valid_from, valid_to, officer_id, period_role in periods:
        if period_role == role and valid_from <= day and (valid_to is None or day < valid_to):
            return officer_id
    return None


def _pick_day(rng: random.Random, first: date, last: date) -> date:
    span = (last - first).days
    while True:
        day = first + timedelta(days=rng.randint(0, span))
        if day.weekday() < 5 or rng.random() < 0.15:
            return day


def build(ctx: DemoContext) -> int:
    rng = ctx.rng("visits")
    today = timezone.localdate()
    year_ago = today - timedelta(days=364)
    cells = list(GridCell.objects.order_by("pk").values_list("pk", "household_count"))
    if not cells:
        return 0
    total_households = sum(max(h, 1) for _, h in cells) or 1
    rate = ctx.spec.visits_per_year
    tz = timezone.get_current_timezone()
    types = [t for t, _ in TYPE_WEIGHTS]
    weights = [w for _, w in TYPE_WEIGHTS]
    neglected = {pk for pk, _ in cells if rng.random() < NEGLECTED_SHARE}
    written = 0
    for start in range(0, len(cells), BATCH_CELLS):
        batch = cells[start : start + BATCH_CELLS]
        ids = [pk for pk, _ in batch]
        periods = _assignments(ids)
        in_care, ordinary = _resident_pools(ids)
        visits: list[GridVisit] = []
        met: list[list[int]] = []
        for cell_id, households in batch:
            cell_periods = periods.get(cell_id, [])
            if not cell_periods:
                continue
            first = max(year_ago, min(p[0] for p in cell_periods))
            last = today
            if cell_id in neglected:
                last = today - timedelta(days=rng.randint(35, 120))
            if last < first:
                continue
            share = max(households, 1) / total_households
            expected = rate * share * ((last - first).days + 1) / 365
            count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            care_pool, other_pool = in_care.get(cell_id, []), ordinary.get(cell_id, [])
            # Residents in care are met in turn (the one waiting longest first), so most
            # periodic visits are on time; an officer sometimes skips a round.
            care_turn = 0
            for day in sorted(_pick_day(rng, first, last) for _ in range(count)):
                if rng.random() < 0.8:
                    officer_id = _on(cell_periods, day, AssignmentRole.RESPONSIBLE)
                else:
                    officer_id = _on(cell_periods, day, AssignmentRole.GRID_WORKER)
                officer_id = officer_id or _on(cell_periods, day, AssignmentRole.RESPONSIBLE)
                if officer_id is None:
                    continue
                visit_type = rng.choices(types, weights)[0]
                minute = rng.randint(8 * 60 + 30, 17 * 60)
                started = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
                if day == today:
                    now = timezone.localtime()
                    if started > now - timedelta(hours=2):
                        started = now - timedelta(hours=2, minutes=rng.randint(0, 60))
                duration = rng.randint(15, 120)
                low, high = HOUSEHOLDS[visit_type]
                visits.append(
                    GridVisit(
                        grid_cell_id=cell_id,
                        officer_id=officer_id,
                        visit_type=visit_type,
                        started_at=started,
                        ended_at=started + timedelta(minutes=duration),
                        visit_date=timezone.localdate(started),
                        households_reached=min(rng.randint(low, high), households or high),
                        notes=rng.choice(NOTES[visit_type]),
                        findings=rng.choice(FINDINGS) if rng.random() < 0.15 else "",
                    )
                )
                residents: list[int] = []
                if visit_type in (VisitType.DOOR_TO_DOOR, VisitType.FOLLOW_UP):
                    if care_pool and rng.random() < 0.85:
                        for _ in range(rng.randint(2, 6)):
                            residents.append(care_pool[care_turn % len(care_pool)])
                            care_turn += 1
                    if other_pool:
                        residents.extend(
                            rng.sample(other_pool, min(len(other_pool), rng.randint(0, 2)))
                        )
                met.append(sorted(set(residents)))
        created = GridVisit.objects.bulk_create(visits, batch_size=BATCH_SIZE)
        through = GridVisit.residents_met.through
        links = [
            through(gridvisit_id=visit.pk, resident_id=resident_id)
            for visit, residents in zip(created, met, strict=True)
            for resident_id in residents
        ]
        through.objects.bulk_create(links, batch_size=BATCH_SIZE)
        written += len(created) + len(links)
        ctx.log(f"  visits: {start + len(batch):,} of {len(cells):,} grid cells")
    ctx.log(f"  visits: {written:,} rows (visits and residents met)")
    return written


def reset(ctx: DemoContext) -> None:
    from grid.models import VisitPhoto

    VisitPhoto.objects.all().delete()
    GridVisit.residents_met.through.objects.all()._raw_delete(GridVisit.objects.db)
    GridVisit.companions.through.objects.all()._raw_delete(GridVisit.objects.db)
    # No cascade is left to collect: one DELETE, also for millions of rows.
    GridVisit.objects.all()._raw_delete(GridVisit.objects.db)
    ctx.log("  visits: deleted")
