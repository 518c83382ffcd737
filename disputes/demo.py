# ruff: noqa: RUF001  (Chinese demo text uses full-width punctuation)
"""The "disputes" demo step: a realistic last year of dispute cases (DESIGN.md's scales).

Runs after the grid, residents, visits and risks steps and before the register
(``DEMO_STEPS``). ``spec.disputes_per_year`` cases (demo 400, district 28,000, city 265,000)
registered over the last 365 days, every choice drawn from ``ctx.rng("disputes")``:

- categories weighted (neighbour and family most common), sources (110 calls, concerns and
  visits of the earlier steps, linked both ways, referrals, found by the officer), severities
  and escalation-risk flags; parties mostly residents of the cell (a family dispute within one
  household), some named outsiders (landlords, employers, property companies, shops);
- the responsible officer is whoever held the cell's responsible assignment on the day the
  case was registered (what ``case_create`` asks ``grid.services.responsible_officer_on``);
- each case walks the procedure of ``disputes.workflow`` from registration: every move one
  ``DisputeEvent`` with actor, time and reason, made by the tier the move needs (the officer,
  the station chief for closing and reopening, the tier a case was escalated to), with
  mediation sessions (the last one with a written agreement before "resolved"), referrals
  (another station's chief gets the guardian grant while the referral lasts, with the access
  events), reopenings with the accountable officer and what was wrong. How long a case stays
  in a stage is drawn around the stage's deadline, a share of stays runs late; where the case
  is now follows from its age, so older cases are mostly closed and recent ones are screened
  or mediated, some overdue;
- the daily deadline job is taken to have run every morning up to yesterday: a stage that ran
  past its deadline has its "overdue" event and ``overdue_escalated_at``; stages that went
  overdue since are left for today's run;
- repeat detection as ``services._detect_repeats`` does it (same parties, or same address,
  within 90 days, across stations): ``DisputeRepeat`` links, their events, and
  ``repeated_conflict`` / ``escalation_risk`` (``workflow.escalation_risk_for``) to match.
  Some cases deliberately repeat an earlier feud of their cell (about 12 % of cases end up
  linked at city scale).

Set-based: no service is called per case. Rows get explicit case ids and go in with ``COPY`` on
PostgreSQL (``executemany`` elsewhere), at large scales with the tables' foreign keys and plain
indexes dropped for the load and added back after it; each case gets one history row with its
state. The
demo logins find work: officer01 has open cases, some of them overdue (a few recent cases of
their cells are stalled in screening on purpose), on chief01's board too.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import random
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from disputes import workflow
from disputes.models import (
    DisputeCase,
    DisputeCaseGroupObjectPermission,
    DisputeCaseUserObjectPermission,
    DisputeCategory,
    DisputeEvent,
    DisputeParty,
    DisputeRepeat,
    DisputeSource,
    EscalationLevel,
    EventKind,
    MediationSession,
    PartyRole,
    ReferralKind,
    Severity,
    Stage,
)
from grid.demo import GIVEN_NAME_CHARACTERS, MOBILE_PREFIXES, SURNAMES, DemoContext
from grid.models import AssignmentRole, GridAssignment, GridCell, OfficerProfile, Tier
from grid.people import person_name

DAY = 86_400.0
HOUR = 3_600.0
WINDOW_DAYS = 365
JOB_HOUR = 7  # the daily deadline job (DISPUTE_DEADLINES_CRON "0 7 * * *")
COPY_CHUNK = 200_000
REPEAT_SHARE = 0.065  # cases that deliberately repeat an earlier feud of their cell
REOPEN_SHARE = 0.04
STALLED_FOR_LOGIN = ("officer01", 3)  # a few recent cases of this login stalled (overdue)

CATEGORY_WEIGHTS = {
    DisputeCategory.NEIGHBOUR: 30,
    DisputeCategory.FAMILY: 22,
    DisputeCategory.LANDLORD_TENANT: 12,
    DisputeCategory.PROPERTY_MANAGEMENT: 10,
    DisputeCategory.WAGES: 8,
    DisputeCategory.CONSUMER: 6,
    DisputeCategory.LAND: 2,
    DisputeCategory.OTHER: 10,
}
SOURCE_WEIGHTS = {
    DisputeSource.CALL_110: 32,
    DisputeSource.CONCERN: 24,
    DisputeSource.VISIT: 18,
    DisputeSource.OFFICER: 20,
    DisputeSource.REFERRAL: 6,
}
SEVERITY_WEIGHTS = {
    Severity.MINOR: 30,
    Severity.GENERAL: 50,
    Severity.SERIOUS: 15,
    Severity.MAJOR: 5,
}
# Share of cases with each flag, by category (threats, weapons, vulnerable party).
FLAG_SHARES = {
    DisputeCategory.NEIGHBOUR: (0.08, 0.02, 0.08),
    DisputeCategory.FAMILY: (0.14, 0.04, 0.25),
    DisputeCategory.LANDLORD_TENANT: (0.06, 0.01, 0.05),
    DisputeCategory.PROPERTY_MANAGEMENT: (0.04, 0.01, 0.04),
    DisputeCategory.WAGES: (0.10, 0.02, 0.06),
    DisputeCategory.CONSUMER: (0.03, 0.0, 0.05),
    DisputeCategory.LAND: (0.12, 0.04, 0.05),
    DisputeCategory.OTHER: (0.05, 0.01, 0.05),
}
OFFICER_FLAGGED_REPEAT = 0.03  # the officer knows of earlier trouble nobody registered
# Disputes at home take the applicant's address; the others where they happened.
HOME_CATEGORIES = {
    DisputeCategory.NEIGHBOUR,
    DisputeCategory.FAMILY,
    DisputeCategory.LANDLORD_TENANT,
    DisputeCategory.PROPERTY_MANAGEMENT,
}
PLACES_OUTSIDE = ("商业街", "农贸市场", "工业区", "建筑工地", "步行街", "广场")
FK_RELOAD_FROM = 20_000  # cases; from here keys and indexes are dropped for the load, re-added

# Days a case stays in a stage: (usual low, usual high, share late, late low, late high).
STAY = {
    Stage.REGISTERED: (0.05, 0.9, 0.06, 1.2, 4.0),
    Stage.SCREENING: (0.3, 2.8, 0.10, 3.2, 10.0),
    Stage.MEDIATING: (2.0, 27.0, 0.15, 31.0, 70.0),
    Stage.ESCALATED: (1.0, 6.5, 0.15, 7.5, 25.0),
    Stage.REFERRED: (6.0, 29.0, 0.25, 31.0, 100.0),
    Stage.RESOLVED: (3.0, 14.5, 0.10, 15.5, 35.0),
    Stage.FOLLOW_UP: (1.0, 6.5, 0.10, 7.5, 18.0),
    Stage.REOPENED: (0.3, 2.8, 0.10, 3.2, 9.0),
    Stage.CLOSED: (5.0, 80.0, 0.0, 0.0, 0.0),  # until a planned reopening
}
REFERRAL_WEIGHTS = {
    ReferralKind.MEDIATION_COMMITTEE: 50,
    ReferralKind.DEPARTMENT: 22,
    ReferralKind.STATION: 16,
    ReferralKind.COURT: 12,
}

SUMMARIES = {
    DisputeCategory.NEIGHBOUR: (
        "楼上住户卫生间漏水至楼下，双方就维修费用发生争执。",
        "邻居长期在楼道堆放杂物、占用公共通道，多次沟通未果。",
        "楼上夜间噪音扰民，双方在楼道发生口角。",
        "因停车位占用问题邻里发生推搡。",
        "邻居饲养犬只未拴绳，咬伤申请人家小孩，赔偿未谈拢。",
    ),
    DisputeCategory.FAMILY: (
        "夫妻因家庭琐事多次争吵，女方报警称受到言语威胁。",
        "兄弟姐妹因老人赡养费用分担发生纠纷。",
        "婆媳矛盾激化，双方互不相让。",
        "离婚后子女探视问题引发争执。",
        "父子因房产继承问题发生争吵。",
    ),
    DisputeCategory.LANDLORD_TENANT: (
        "租客退租，房东拒不退还押金。",
        "房东提前收回房屋，租客要求赔偿搬家损失。",
        "合租人员水电费分摊发生争执。",
        "出租屋设施损坏，双方就维修责任各执一词。",
    ),
    DisputeCategory.PROPERTY_MANAGEMENT: (
        "业主拒交物业费，物业公司停止门禁卡授权。",
        "小区电梯频繁故障，业主与物业发生冲突。",
        "物业收取停车费标准引发多名业主不满。",
    ),
    DisputeCategory.WAGES: (
        "装修工人讨要工钱，包工头称未收到款项。",
        "餐馆员工离职后被拖欠两个月工资。",
        "临时工工伤后与雇主就医疗费用发生纠纷。",
    ),
    DisputeCategory.CONSUMER: (
        "顾客在美容店办卡后店铺关门，要求退款。",
        "网购商品质量问题，商家拒绝退货，双方在店内争吵。",
        "餐饮消费后对账单有异议，与店家发生口角。",
    ),
    DisputeCategory.LAND: (
        "旧村改造补偿分配，村民之间发生争执。",
        "宅基地边界不清，两户人家因围墙发生冲突。",
    ),
    DisputeCategory.OTHER: (
        "广场舞场地使用引发两支队伍争执。",
        "电动车剐蹭后双方就赔偿金额争执不下。",
        "快递丢失，收件人与快递员发生口角。",
    ),
}
RESOLUTIONS = {
    DisputeCategory.NEIGHBOUR: "双方达成协议：责任方承担维修费用，今后互相体谅。",
    DisputeCategory.FAMILY: "经调解双方和好，约定遇事协商，社区定期回访。",
    DisputeCategory.LANDLORD_TENANT: "房东退还押金扣除合理损耗，双方签字确认。",
    DisputeCategory.PROPERTY_MANAGEMENT: "物业限期整改，业主补交物业费。",
    DisputeCategory.WAGES: "雇主分两期支付拖欠工资，劳动部门跟进。",
    DisputeCategory.CONSUMER: "商家退还部分款项，双方无异议。",
    DisputeCategory.LAND: "按村集体决议重新划界，双方签字确认。",
    DisputeCategory.OTHER: "双方协商一致，当场履行完毕。",
}
OUTSIDERS = {
    DisputeCategory.LANDLORD_TENANT: ("房东",),
    DisputeCategory.PROPERTY_MANAGEMENT: ("物业服务中心", "物业管理处"),
    DisputeCategory.WAGES: ("建筑劳务公司", "装修工程队", "餐饮店"),
    DisputeCategory.CONSUMER: ("美容店", "家电维修店", "超市"),
}
SCREEN_REASONS = ("已电话联系双方，安排见面调解", "核实情况属实，纳入调解", "")
ESCALATE_REASONS = (
    "一方扬言报复，存在民转刑风险，报所领导",
    "多次调解无果，双方情绪激动",
    "涉及人数较多，需所里统筹",
)
REFER_REASONS = (
    "属民事纠纷，移交人民调解委员会",
    "当事人要求诉讼解决",
    "涉及劳动保障，移交相关部门",
    "当事人住所属外所辖区，移交处理",
)
BACK_TO_MEDIATION = ("所领导已约谈双方，退回社区民警继续调解", "接收单位退回，继续调解")
CLOSE_REASONS = ("回访双方无异议，协议已履行", "回访确认矛盾已化解，同意结案")
FAULTS = (
    "协议未实际履行即结案，未核实",
    "回访流于形式，未见当事人",
    "遗漏一方当事人诉求",
)
REOPEN_REASONS = ("当事人再次报警，原协议未履行", "督察发现结案依据不足")
PLACES = ("社区警务室", "居委会调解室", "派出所调解室", "当事人家中", "小区物业办公室")
OUTCOMES_OPEN = ("双方各自陈述，分歧较大，约定再谈", "初步达成意向，待核实费用")
BODIES = {
    ReferralKind.MEDIATION_COMMITTEE: "{community}人民调解委员会",
    ReferralKind.COURT: "南山区人民法院",
    ReferralKind.DEPARTMENT: "街道劳动保障事务所",
}


# --- What the earlier steps wrote -----------------------------------------------------------
@dataclass
class _Area:
    cells: list[tuple]  # (cell id, community id, community name, station id, sub-bureau id, hh)
    periods: dict[int, list[tuple[date, date | None, int]]]
    chiefs: dict[int, list[int]]  # station -> active chiefs
    staff: dict[int, int]  # sub-bureau -> its first staff member
    names: dict[int, str]  # user id -> displayed name
    station_names: dict[int, str]
    stations_by_sb: dict[int, list[int]]
    residents: dict[int, list[tuple]]  # cell -> [(id, name, address, household id)]
    concerns: dict[int, list[tuple[float, int]]]  # cell -> [(created ts, concern id)]
    visits: dict[int, list[tuple[float, int]]]  # cell -> [(ended ts, visit id)]
    resident_names: dict[int, str] = field(default_factory=dict)


def _ts(value: datetime) -> float:
    return value.timestamp()


def _read_area(now: datetime, per_cell: int) -> _Area:
    cells = list(
        GridCell.objects.order_by("pk").values_list(
            "pk",
            "community_id",
            "community__name",
            "community__station_id",
            "community__station__sub_bureau_id",
            "household_count",
        )
    )
    periods: dict[int, list] = defaultdict(list)
    for cell_id, valid_from, valid_to, officer_id in (
        GridAssignment.objects.filter(role=AssignmentRole.RESPONSIBLE)
        .order_by("grid_cell_id", "valid_from", "pk")
        .values_list("grid_cell_id", "valid_from", "valid_to", "officer_id")
    ):
        periods[cell_id].append((valid_from, valid_to, officer_id))
    chiefs: dict[int, list[int]] = defaultdict(list)
    staff: dict[int, int] = {}
    people = (
        OfficerProfile.objects.filter(is_active=True, user__is_active=True)
        .order_by("pk")
        .values_list("user_id", "tier", "station_id", "sub_bureau_id")
    )
    for user_id, tier, station_id, sub_bureau_id in people:
        if tier == Tier.STATION_CHIEF:
            chiefs[station_id].append(user_id)
        elif tier == Tier.SUB_BUREAU_STAFF:
            staff.setdefault(sub_bureau_id, user_id)
    users = get_user_model().objects.filter(officer_profile__isnull=False)
    names = {
        user.pk: person_name(user) for user in users.only("username", "first_name", "last_name")
    }
    from grid.models import Station

    station_names, stations_by_sb = {}, defaultdict(list)
    for pk, name, sub_bureau_id in Station.objects.order_by("pk").values_list(
        "pk", "name", "sub_bureau_id"
    ):
        station_names[pk] = name
        stations_by_sb[sub_bureau_id].append(pk)
    area = _Area(
        cells=cells,
        periods=dict(periods),
        chiefs=dict(chiefs),
        staff=staff,
        names=names,
        station_names=station_names,
        stations_by_sb=dict(stations_by_sb),
        residents=_residents(cells, per_cell),
        concerns={},
        visits={},
    )
    area.resident_names = {row[0]: row[1] for pool in area.residents.values() for row in pool}
    since = now - timedelta(days=WINDOW_DAYS)
    area.concerns = _concerns(since)
    area.visits = _visits(since)
    return area


def _residents(cells: list[tuple], per_cell: int) -> dict[int, list[tuple]]:
    """The first ``per_cell`` residents of every cell (by id): the people the cases name."""
    from residents.models import Resident

    out: dict[int, list[tuple]] = defaultdict(list)
    ids = [cell[0] for cell in cells]
    if connection.vendor == "postgresql":
        # One index probe per cell (LIMIT stops it early), not a scan of millions of rows.
        table = Resident._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT r.id, r.grid_cell_id, r.name, r.address, r.household_id "
                f"FROM unnest(%s::bigint[]) AS c(id) CROSS JOIN LATERAL ("
                f"SELECT id, grid_cell_id, name, address, household_id FROM {table} "
                f"WHERE grid_cell_id = c.id LIMIT %s) AS r",
                [ids, per_cell],
            )
            rows = cursor.fetchall()
    else:
        rows = Resident.objects.order_by("pk").values_list(
            "pk", "grid_cell_id", "name", "address", "household_id"
        )
    for resident_id, cell_id, name, address, household_id in rows:
        pool = out[cell_id]
        if connection.vendor == "postgresql" or len(pool) < per_cell:
            pool.append((resident_id, name, address, household_id))
    for pool in out.values():
        pool.sort()
    return dict(out)


def _concerns(since: datetime) -> dict[int, list[tuple[float, int]]]:
    """Neighbour and noise concerns routed to a cell: cases registered from them."""
    from residents.models import Concern, ConcernCategory

    out: dict[int, list] = defaultdict(list)
    rows = (
        Concern.objects.filter(
            created_at__gte=since,
            grid_cell__isnull=False,
            category__in=[ConcernCategory.NEIGHBOUR, ConcernCategory.NOISE],
        )
        .order_by("pk")
        .values_list("grid_cell_id", "created_at", "pk")
    )
    for cell_id, created_at, pk in rows.iterator(chunk_size=50_000):
        out[cell_id].append((_ts(created_at), pk))
    return dict(out)


def _visits(since: datetime) -> dict[int, list[tuple[float, int]]]:
    """Visits whose findings name a dispute (纠纷): cases registered from them."""
    from grid.models import GridVisit

    out: dict[int, list] = defaultdict(list)
    rows = (
        GridVisit.objects.filter(started_at__gte=since, findings__contains="纠纷")
        .order_by("pk")
        .values_list("grid_cell_id", "ended_at", "pk")
    )
    for cell_id, ended_at, pk in rows.iterator(chunk_size=50_000):
        if ended_at is not None:
            out[cell_id].append((_ts(ended_at), pk))
    return dict(out)


def _responsible(periods, day: date) -> int | None:
    for valid_from, valid_to, officer_id in periods:
        if valid_from <= day and (valid_to is None or day < valid_to):
            return officer_id
    return None


# --- One case, as plain data ----------------------------------------------------------------
@dataclass(eq=False)
class _Case:
    cell: tuple
    created: float
    category: str
    source: str
    source_concern: int | None = None
    source_visit: int | None = None
    source_detail: str = ""
    pk: int = 0
    officer: int = 0
    created_by: int = 0
    chief: int = 0
    severity: str = Severity.GENERAL
    threats: bool = False
    weapons: bool = False
    repeated_conflict: bool = False
    vulnerable_party: bool = False
    summary: str = ""
    address: str = ""
    address_key: str = ""
    parties: list[tuple] = field(default_factory=list)  # (resident id, name, phone, role, key)
    repeats: list[tuple[int, str]] = field(default_factory=list)
    escalation_risk: str = "low"
    stalled: bool = False
    reopen_planned: bool = False


def _local_day(ts: float, offset: float) -> date:
    return date.fromordinal(date(1970, 1, 1).toordinal() + int((ts + offset) // DAY))


def _at_local(day: date, hour: float, offset: float) -> float:
    return (day.toordinal() - date(1970, 1, 1).toordinal()) * DAY + hour * HOUR - offset


def _working(ts: float, rng: random.Random, offset: float) -> float:
    """Move a time outside 08:30-20:00 local to the next working morning."""
    second = (ts + offset) % DAY
    if 8.5 * HOUR <= second <= 20 * HOUR:
        return ts
    shift = (8.5 * HOUR - second) if second < 8.5 * HOUR else (DAY - second + 8.5 * HOUR)
    return ts + shift + rng.uniform(0, 2.5 * HOUR)


def _person(rng: random.Random) -> str:
    given = "".join(
        rng.choice(GIVEN_NAME_CHARACTERS) for _ in range(1 if rng.random() < 0.3 else 2)
    )
    return rng.choice(SURNAMES) + given


def _mobile(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def _outsider(rng: random.Random, category: str) -> tuple:
    kinds = OUTSIDERS.get(category)
    if kinds and rng.random() < 0.7:
        kind = rng.choice(kinds)
        name = f"{_person(rng)}（{kind}）" if kind == "房东" else f"{rng.choice(SURNAMES)}氏{kind}"
    else:
        name = _person(rng)
    phone = _mobile(rng) if rng.random() < 0.85 else ""
    key = workflow.party_key(resident_id=None, name=name, phone=phone)
    return (None, name, phone, key)


def _resident_party(resident: tuple) -> tuple:
    # The name as at registration, as services.case_create stores it (search reads it).
    return (resident[0], resident[2], "", workflow.party_key(resident_id=resident[0]))


def _draw_parties(rng: random.Random, case: _Case, pool: list[tuple]) -> None:
    """Applicant (a resident of the cell, or an outsider), respondent, sometimes another."""
    category = case.category
    picked: list[tuple] = []
    applicant = rng.choice(pool) if pool and rng.random() < 0.9 else None
    if applicant:
        picked.append(_resident_party(applicant))
        if category in HOME_CATEGORIES:
            case.address = applicant[2]
    else:
        picked.append(_outsider(rng, category))
    count = rng.choices((1, 2, 3), (8, 80, 12))[0]
    while len(picked) < count:
        party = None
        if category == DisputeCategory.FAMILY and applicant and rng.random() < 0.8:
            household = [r for r in pool if r[3] == applicant[3] and r[0] != applicant[0]]
            if household:
                party = _resident_party(rng.choice(household))
        if party is None and category in OUTSIDERS and rng.random() < 0.7:
            party = _outsider(rng, category)
        if party is None and pool and rng.random() < 0.85:
            party = _resident_party(rng.choice(pool))
        if party is None:
            party = _outsider(rng, category)
        if party[3] not in {p[3] for p in picked}:
            picked.append(party)
    roles = [PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.OTHER]
    case.parties = [(*party[:3], roles[i], party[3]) for i, party in enumerate(picked)]


# --- The build ------------------------------------------------------------------------------
def build(ctx: DemoContext) -> int:
    if DisputeCase.objects.exists():
        raise CommandError(
            "The dispute tables already hold cases that no demo build recorded; run "
            "generate_demo with --reset to replace them."
        )
    rng = ctx.rng("disputes")
    now = timezone.now()
    tz = timezone.get_current_timezone()
    offset = now.astimezone(tz).utcoffset().total_seconds()
    total = ctx.spec.disputes_per_year
    cells_count = GridCell.objects.count()
    if not cells_count or not total:
        return 0
    started = time.perf_counter()

    def lap(what: str) -> None:
        ctx.log(f"  disputes: {what} ({time.perf_counter() - started:.1f} s)")

    per_cell = max(40, min(150, 8 * total // cells_count))
    area = _read_area(now, per_cell)
    lap(
        f"read {len(area.cells):,} cells, "
        f"{sum(len(p) for p in area.residents.values()):,} residents, "
        f"{sum(len(p) for p in area.concerns.values()):,} concerns, "
        f"{sum(len(p) for p in area.visits.values()):,} visits"
    )
    cases = _plan_cases(ctx, rng, area, now.timestamp(), offset, total)
    _find_repeats(cases)
    for case in cases:
        case.escalation_risk = workflow.escalation_risk_for(
            severity=case.severity,
            threats=case.threats,
            weapons=case.weapons,
            repeated_conflict=case.repeated_conflict,
            vulnerable_party=case.vulnerable_party,
        )
    lap("planned the cases, their parties and repeats")
    with _foreign_keys_checked_once(enabled=total >= FK_RELOAD_FROM):
        rows = _walk_and_write(ctx, rng, area, cases, now, offset, lap)
    lap(f"{rows:,} rows in all")
    return rows


TABLES = (
    DisputeCase,
    DisputeCase.history.model,
    DisputeParty,
    DisputeEvent,
    MediationSession,
    DisputeRepeat,
    DisputeCaseUserObjectPermission,
)


@contextmanager
def _foreign_keys_checked_once(*, enabled: bool):
    """PostgreSQL, large scales: drop the dispute tables' foreign keys and plain indexes for
    the load and add them back after it (the usual bulk-load recipe). Adding a key checks all
    rows in one set-based query and an index is built by one sort; kept, the deferred per-row
    checks ran at COMMIT (a minute at city scale) and every row updated five or six indexes.
    Inside the step's transaction, so a failed build restores them all."""
    if not enabled or connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    tables = [model._meta.db_table for model in TABLES]
    with connection.cursor() as cursor:
        # Fire what earlier writes of this transaction left pending: ALTER TABLE refuses to
        # run on a table (or a referenced one) with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY conrelid::regclass::text, conname",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND NOT indisunique "
            "ORDER BY indexrelid::regclass::text",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


def _plan_cases(ctx, rng, area: _Area, now: float, offset: float, total: int) -> list[_Case]:
    """Who, where, when, what: every case registered, its parties and flags."""
    cells = area.cells
    # Busier cells: households, and about one cell in ten (urban villages) three times as busy.
    weights = [max(1, cell[5]) * (3 if rng.random() < 0.1 else 1) for cell in cells]
    cumulative, running = [], 0
    for weight in weights:
        running += weight
        cumulative.append(running)
    categories, category_weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    sources, source_weights = list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values())
    severities, severity_weights = list(SEVERITY_WEIGHTS), list(SEVERITY_WEIGHTS.values())
    start = now - WINDOW_DAYS * DAY
    concerns = {cell: list(rows) for cell, rows in area.concerns.items()}
    visits = {cell: list(rows) for cell, rows in area.visits.items()}
    cases: list[_Case] = []
    for _ in range(total):
        cell = cells[bisect.bisect_left(cumulative, rng.random() * running)]
        category = rng.choices(categories, category_weights)[0]
        source = rng.choices(sources, source_weights)[0]
        case = _Case(cell=cell, created=0.0, category=category, source=source)
        pool = concerns.get(cell[0]) if source == DisputeSource.CONCERN else None
        if source == DisputeSource.VISIT:
            pool = visits.get(cell[0])
        if pool:
            at, source_id = pool.pop(rng.randrange(len(pool)))
            if source == DisputeSource.CONCERN:
                case.source_concern = source_id
                case.created = min(now - 60, _working(at + rng.uniform(2, 30) * HOUR, rng, offset))
            else:
                case.source_visit = source_id
                case.created = min(now - 60, at + rng.uniform(10, 90) * 60)
        else:
            if source in (DisputeSource.CONCERN, DisputeSource.VISIT):
                case.source = source = rng.choice((DisputeSource.CALL_110, DisputeSource.OFFICER))
            case.created = start + rng.random() * (now - start)
            if source != DisputeSource.CALL_110:
                case.created = min(now - 60, _working(case.created, rng, offset))
        cases.append(case)
    cases.sort(key=lambda case: case.created)

    _stall_for_login(rng, area, cases, now, offset)
    recent: dict[int, list[_Case]] = defaultdict(list)
    for case in cases:
        cell_id, _community_id, community, station_id, _sub_bureau_id, _hh = case.cell
        day = _local_day(case.created, offset)
        chiefs = area.chiefs.get(station_id, [])
        case.chief = chiefs[0] if chiefs else 0
        periods = area.periods.get(cell_id, [])
        responsible = _responsible(periods, day)
        if responsible:
            case.officer = responsible
            case.created_by = responsible if rng.random() < 0.9 or not case.chief else case.chief
        else:
            # Before the demo's first assignments: the officer who took the cell over
            # registered it (case_create then makes the registering officer responsible).
            case.officer = case.created_by = periods[0][2] if periods else case.chief
        if case.source == DisputeSource.CALL_110:
            case.source_detail = f"110接警单 {day:%Y%m%d}{rng.randrange(10000):04d}"
        elif case.source == DisputeSource.REFERRAL:
            case.source_detail = rng.choice(("街道综治中心转来", "社区居委会转来", "12345热线转办"))
        case.severity = rng.choices(severities, severity_weights)[0]
        threats, weapons, vulnerable = FLAG_SHARES[case.category]
        case.threats = rng.random() < threats
        case.weapons = rng.random() < weapons
        case.vulnerable_party = rng.random() < vulnerable
        case.repeated_conflict = rng.random() < OFFICER_FLAGGED_REPEAT
        case.reopen_planned = rng.random() < REOPEN_SHARE
        # A feud that comes back: the same parties (or the same address) as a case of this cell
        # in the last 90 days.
        window = [
            earlier
            for earlier in recent[cell_id]
            if case.created - earlier.created < workflow.REPEAT_WINDOW_DAYS * DAY - HOUR
        ]
        recent[cell_id] = window
        if window and rng.random() < REPEAT_SHARE:
            earlier = rng.choice(window)
            if rng.random() < 0.7:
                case.category = earlier.category
                case.parties = list(earlier.parties)
                case.address = earlier.address
            else:
                _draw_parties(rng, case, area.residents.get(cell_id, []))
                case.address = earlier.address
        else:
            _draw_parties(rng, case, area.residents.get(cell_id, []))
        if not case.address and case.category in HOME_CATEGORIES:
            case.address = (
                f"深圳市{community}{rng.randrange(1, 80)}栋{rng.randrange(1, 33)}"
                f"{rng.randrange(1, 9):02d}室"
            )
        elif not case.address:  # where it happened: a shop, a site, a street
            case.address = f"深圳市{community}{rng.choice(PLACES_OUTSIDE)}{rng.randrange(1, 400)}号"
        case.address_key = workflow.address_key(case.address)
        case.summary = rng.choice(SUMMARIES[case.category])
        recent[cell_id].append(case)
    return cases


def _stall_for_login(rng, area: _Area, cases: list[_Case], now: float, offset: float) -> None:
    """The latest few cases of the demo officer's cells (ones not tied to a concern or visit)
    stall in screening: overdue work on their "My cases", one of them new for today's run of
    the daily job."""
    username, count = STALLED_FOR_LOGIN
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return
    today = _local_day(now, offset)
    cells = {
        cell_id
        for cell_id, periods in area.periods.items()
        if _responsible(periods, today) == user.pk
    }
    mine = [
        case
        for case in cases
        if case.cell[0] in cells and case.source_concern is None and case.source_visit is None
    ]
    for number, case in enumerate(reversed(mine[-count:])):
        case.stalled = True
        if number == 0:
            # Its screening deadline was yesterday: today's run of the daily job has it.
            day = today - timedelta(days=4)
            case.created = _at_local(day, 9.5, offset) + rng.uniform(0, 2) * HOUR
        else:
            case.created = _working(now - rng.uniform(9, 20) * DAY, rng, offset)
    cases.sort(key=lambda case: case.created)


def _find_repeats(cases: list[_Case]) -> None:
    """``services._detect_repeats`` for every case at its registration, over all cases."""
    window = workflow.REPEAT_WINDOW_DAYS * DAY
    by_party: dict[str, list[_Case]] = defaultdict(list)
    by_address: dict[str, list[_Case]] = defaultdict(list)
    for pk, case in enumerate(cases, start=1):
        case.pk = pk  # relative; made absolute when written
        since = case.created - window
        keys = [party[4] for party in case.parties]
        shared: dict[_Case, int] = defaultdict(int)
        for key in keys:
            for earlier in reversed(by_party[key]):
                if earlier.created < since:
                    break
                shared[earlier] += 1
        found = []
        for earlier, count in shared.items():
            if workflow.shared_parties_make_repeat(count, len(keys), len(earlier.parties)):
                found.append((earlier.pk, DisputeRepeat.Reason.PARTIES))
        if case.address_key:
            for earlier in reversed(by_address[case.address_key]):
                if earlier.created < since:
                    break
                found.append((earlier.pk, DisputeRepeat.Reason.ADDRESS))
        if found:
            case.repeats = sorted(found)
            case.repeated_conflict = True
        for key in keys:
            by_party[key].append(case)
        if case.address_key:
            by_address[case.address_key].append(case)


# --- The procedure, walked --------------------------------------------------------------------
class _Walk:
    """The rows of one case's path, as ``case_transition`` and friends would write them."""

    def __init__(self, case: _Case, rng: random.Random, area: _Area, offset: float):
        self.case, self.rng, self.area, self.offset = case, rng, area, offset
        self.events: list[tuple] = []  # (kind, from, to, actor, reason, accountable, details, at)
        self.sessions: list[tuple] = []
        self.grants: list[int] = []
        self.version = 1
        self.updated = (case.created, case.created_by)
        self.escalation_level = ""
        self.referral = ("", "", None)  # kind, body, station
        self.resolution, self.resolved_on, self.closed_on = "", None, None
        self.reopen_count = 0
        self.overdue_at: float | None = None

    def label(self, choices, value) -> str:
        return str(choices(value).label)

    def event(self, kind, at, actor=None, *, from_stage="", to_stage="", reason="", **extra):
        self.events.append(
            (
                kind,
                from_stage,
                to_stage,
                actor,
                reason,
                extra.get("accountable"),
                extra.get("details", {}),
                at,
            )
        )

    def write(self, at: float, actor) -> None:
        self.version += 1
        self.updated = (at, actor if actor is not None else self.updated[1])

    def session(self, at: float, actor: int, agreement: bool) -> None:
        case, rng = self.case, self.rng
        held = at - rng.uniform(1, 5) * HOUR
        held_on = _local_day(held, self.offset)
        place = rng.choice(PLACES)
        names = [party[1] or self.area.resident_names.get(party[0], "") for party in case.parties]
        participants = "、".join([*names, f"社区民警{self.area.names.get(case.officer, '')}"])
        if rng.random() < 0.4:
            participants += "、人民调解员"
        text = RESOLUTIONS[case.category] if agreement else ""
        outcome = text if agreement else rng.choice(OUTCOMES_OPEN)
        self.sessions.append((held_on, place, participants, outcome, agreement, text, actor, at))
        self.write(at, actor)
        self.event(
            EventKind.SESSION,
            at,
            actor,
            details={
                "held_on": held_on.isoformat(),
                "place": place,
                "agreement_reached": agreement,
            },
        )


def _next_stage(walk: _Walk, stage: str, history: set[str]) -> str | None:
    rng, case = walk.rng, walk.case
    risky = 0.10 if case.escalation_risk == "high" else 0.0
    roll = rng.random()
    if stage == Stage.REGISTERED:
        return Stage.SCREENING
    if stage in (Stage.SCREENING, Stage.REOPENED):
        if stage == Stage.SCREENING and Stage.ESCALATED not in history and roll < 0.06 + risky:
            return Stage.ESCALATED
        if stage == Stage.SCREENING and Stage.REFERRED not in history and roll > 0.93:
            return Stage.REFERRED
        if stage == Stage.REOPENED and roll < 0.5:
            return Stage.SCREENING
        return Stage.MEDIATING
    if stage == Stage.MEDIATING:
        if Stage.ESCALATED not in history and roll < 0.07 + risky:
            return Stage.ESCALATED
        if Stage.REFERRED not in history and roll > 0.94:
            return Stage.REFERRED
        return Stage.RESOLVED
    if stage == Stage.ESCALATED:
        if roll < 0.5:
            return Stage.MEDIATING
        if roll < 0.85 or Stage.REFERRED in history:
            return Stage.RESOLVED
        return Stage.REFERRED
    if stage == Stage.REFERRED:
        return Stage.RESOLVED if roll < 0.7 else Stage.MEDIATING
    if stage == Stage.RESOLVED:
        if case.reopen_planned and Stage.REOPENED not in history and roll < 0.5:
            return Stage.REOPENED
        return Stage.FOLLOW_UP
    if stage == Stage.FOLLOW_UP:
        return Stage.CLOSED
    if stage == Stage.CLOSED and case.reopen_planned and Stage.REOPENED not in history:
        return Stage.REOPENED
    return None


def _stay(rng: random.Random, stage: str, stalled: bool) -> float:
    low, high, late_share, late_low, late_high = STAY[stage]
    if stalled and stage == Stage.SCREENING:
        return 90 * DAY
    if stalled and stage == Stage.REGISTERED:
        return 0.1 * DAY
    if rng.random() < late_share:
        return rng.uniform(late_low, late_high) * DAY
    return rng.uniform(low, high) * DAY


def _overdue_job(walk: _Walk, stage: str, entered: float, left: float, last_job: date) -> None:
    """The daily job flags a stage once, on the first morning after its deadline."""
    due = workflow.stage_due_on(stage, _local_day(entered, walk.offset))
    if due is None:
        return
    job_day = due + timedelta(days=1)
    at = _at_local(job_day, JOB_HOUR, walk.offset)
    if job_day <= last_job and entered < at < left:
        walk.version += 1
        walk.updated = (at, walk.updated[1])
        walk.overdue_at = at
        walk.event(
            EventKind.OVERDUE, at, None, from_stage=stage, details={"due_on": due.isoformat()}
        )


def _walk(walk: _Walk, now: float, last_job: date) -> tuple[str, float]:
    """Move the case along the procedure until the next move would be after ``now``."""
    case, rng, area = walk.case, walk.rng, walk.area
    stage, entered = Stage.REGISTERED, case.created
    walk.event(EventKind.REGISTERED, case.created, case.created_by, to_stage=Stage.REGISTERED)
    if case.repeats:
        walk.event(
            EventKind.REPEAT,
            case.created,
            None,
            details={
                "earlier": sorted({pk for pk, _ in case.repeats}),
                "reasons": sorted({reason for _, reason in case.repeats}),
            },
        )
    history: set[str] = {Stage.REGISTERED}
    station_id, sub_bureau_id = case.cell[3], case.cell[4]
    while True:
        target = _next_stage(walk, stage, history)
        if target is None:
            break
        left = entered + _stay(rng, stage, case.stalled)
        if stage != Stage.CLOSED:
            left = _working(left, rng, walk.offset)
        if left >= now:
            break
        walk.overdue_at = None
        if stage != Stage.CLOSED:
            _overdue_job(walk, stage, entered, left, last_job)
        actor = case.officer
        if stage == Stage.ESCALATED:
            actor = (
                area.staff.get(sub_bureau_id, case.chief)
                if walk.escalation_level == EscalationLevel.SUB_BUREAU
                else case.chief
            )
        if target in (Stage.CLOSED, Stage.REOPENED):
            actor = case.chief
        # Mediation sessions before leaving mediation (the last one with the agreement).
        if stage == Stage.MEDIATING:
            count = rng.choices((1, 2, 3), (60, 30, 10))[0]
            span = left - entered
            for number in range(count):
                at = entered + span * (number + 1) / (count + 1)
                walk.session(at, case.officer, target == Stage.RESOLVED and number == count - 1)
        elif stage == Stage.ESCALATED and target == Stage.RESOLVED and rng.random() < 0.6:
            walk.session(entered + (left - entered) / 2, actor, True)
        reason, details, accountable, extra_events = "", {}, None, []
        move = workflow.move_for(stage, target)
        if target == Stage.ESCALATED:
            level = (
                EscalationLevel.SUB_BUREAU
                if case.severity == Severity.MAJOR and rng.random() < 0.5
                else EscalationLevel.STATION
            )
            walk.escalation_level = level
            details["escalation_level"] = walk.label(EscalationLevel, level)
            reason = rng.choice(ESCALATE_REASONS)
        if target == Stage.REFERRED:
            reason = rng.choice(REFER_REASONS)
            kind = rng.choices(list(REFERRAL_WEIGHTS), list(REFERRAL_WEIGHTS.values()))[0]
            others = [
                pk
                for pk in area.stations_by_sb.get(sub_bureau_id, [])
                if pk != station_id and area.chiefs.get(pk)
            ]
            if kind == ReferralKind.STATION and not others:
                kind = ReferralKind.MEDIATION_COMMITTEE
            station = None
            if kind == ReferralKind.STATION:
                station = rng.choice(others)
                body = area.station_names[station]
                details["referred_station"] = body
                walk.grants = list(area.chiefs[station])
                extra_events.append(
                    (
                        EventKind.ACCESS_GRANTED,
                        {"users": [area.names.get(pk, "") for pk in walk.grants]},
                    )
                )
            else:
                body = BODIES[kind].format(community=case.cell[2])
            walk.referral = (kind, body, station)
            details["referral_kind"] = walk.label(ReferralKind, kind)
            details["referral_body"] = body
        if move.needs_resolution:
            walk.resolution = RESOLUTIONS[case.category]
            walk.resolved_on = _local_day(left, walk.offset)
            details["resolution"] = walk.resolution
        if move.needs_accountability:
            reason = rng.choice(REOPEN_REASONS)
            accountable = case.officer
            details["fault"] = rng.choice(FAULTS)
            walk.reopen_count += 1
            walk.closed_on = None
        if target == Stage.CLOSED:
            walk.closed_on = _local_day(left, walk.offset)
            reason = rng.choice(CLOSE_REASONS)
        if stage == Stage.ESCALATED:
            walk.escalation_level = ""
            if target == Stage.MEDIATING:
                reason = rng.choice(BACK_TO_MEDIATION)
        if move.ends_referral:
            kind, _body, station = walk.referral
            details["referral_ended"] = walk.label(ReferralKind, kind)
            if target == Stage.MEDIATING:
                reason = rng.choice(BACK_TO_MEDIATION)
            if station is not None:
                extra_events.append(
                    (
                        EventKind.ACCESS_REVOKED,
                        {
                            "station": area.station_names[station],
                            "users": [area.names.get(pk, "") for pk in walk.grants],
                        },
                    )
                )
                walk.grants = []
            walk.referral = ("", "", None)
        if target == Stage.SCREENING and not reason and rng.random() < 0.5:
            reason = rng.choice(SCREEN_REASONS)
        if move.reason_required and not reason:
            reason = rng.choice(SCREEN_REASONS[:2])
        walk.write(left, actor)
        walk.event(
            EventKind.TRANSITION,
            left,
            actor,
            from_stage=stage,
            to_stage=target,
            reason=reason,
            accountable=accountable,
            details=details,
        )
        for kind, event_details in extra_events:
            walk.event(kind, left, actor, details=event_details)
        history.add(target)
        stage, entered = target, left
    walk.overdue_at = None
    if stage != Stage.CLOSED:
        _overdue_job(walk, stage, entered, now, last_job)
        # Sessions so far in the mediation under way, none with an agreement yet.
        if stage == Stage.MEDIATING and now - entered > 2 * DAY and rng.random() < 0.6:
            walk.session(entered + (now - entered) / 2, case.officer, False)
    return stage, entered


# --- Writing ----------------------------------------------------------------------------------
def _copy_value(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _write(model, columns: tuple[str, ...], rows: list[tuple]) -> int:
    """COPY on PostgreSQL, ``executemany`` elsewhere (values adapted by the model's fields)."""
    if not rows:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for start in range(0, len(rows), COPY_CHUNK):
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                for row in rows[start : start + COPY_CHUNK]:
                    writer.writerow([_copy_value(value) for value in row])
                buffer.seek(0)
                cursor.copy_expert(
                    f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
                )
        return len(rows)
    fields = {f.column: f for f in model._meta.concrete_fields}
    adapt = [fields[column] for column in columns]
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})",
            [
                [f.get_db_prep_save(value, connection) for f, value in zip(adapt, row, strict=True)]
                for row in rows
            ],
        )
    return len(rows)


def _reset_sequence(model) -> None:
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def _walk_and_write(ctx, rng, area: _Area, cases: list[_Case], now: datetime, offset, lap) -> int:
    first = (DisputeCase.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    shift = first - 1
    tz = timezone.get_current_timezone()
    stamp = lambda ts: datetime.fromtimestamp(ts, tz)  # noqa: E731
    today = timezone.localdate(now)
    last_job = today - timedelta(days=1)
    now_ts = now.timestamp()
    permission = Permission.objects.get(
        content_type__app_label="disputes", codename="change_disputecase"
    )
    case_rows, party_rows, event_rows, session_rows, repeat_rows, grant_rows = (
        [],
        [],
        [],
        [],
        [],
        [],
    )
    for case in cases:
        walk = _Walk(case, rng, area, offset)
        stage, entered = _walk(walk, now_ts, last_job)
        pk = case.pk + shift
        kind, body, station = walk.referral
        due = workflow.stage_due_on(stage, _local_day(entered, offset))
        case_rows.append(
            (
                pk,
                case.cell[0],
                case.category,
                case.summary,
                case.address,
                case.address_key,
                case.severity,
                case.source,
                case.source_concern,
                case.source_visit,
                case.source_detail,
                case.threats,
                case.weapons,
                case.repeated_conflict,
                case.vulnerable_party,
                case.escalation_risk,
                case.officer,
                stage,
                stamp(entered),
                due,
                stamp(walk.overdue_at) if walk.overdue_at else None,
                walk.escalation_level,
                kind,
                body,
                station,
                walk.resolution,
                walk.resolved_on,
                walk.closed_on,
                walk.reopen_count,
                walk.version,
                case.created_by,
                stamp(case.created),
                stamp(walk.updated[0]),
                walk.updated[1],
            )
        )
        for resident_id, name, phone, role, key in case.parties:
            party_rows.append((pk, resident_id, name, phone, role, key))
        for kind_, from_stage, to_stage, actor, reason, accountable, details, at in walk.events:
            if kind_ == EventKind.REPEAT:
                details = {**details, "earlier": [e + shift for e in details["earlier"]]}
            event_rows.append(
                (pk, kind_, from_stage, to_stage, actor, reason, accountable, details, stamp(at))
            )
        for held_on, place, participants, outcome, agreed, text, actor, at in walk.sessions:
            session_rows.append(
                (pk, held_on, place, participants, outcome, agreed, text, "", actor, stamp(at))
            )
        for earlier, reason in case.repeats:
            repeat_rows.append((pk, earlier + shift, reason, stamp(case.created)))
        for user_id in walk.grants:
            grant_rows.append((pk, user_id, permission.pk))

    lap("walked every case through the procedure")
    rows = _write(
        DisputeCase,
        (
            "id",
            "grid_cell_id",
            "category",
            "summary",
            "address",
            "address_key",
            "severity",
            "source",
            "source_concern_id",
            "source_visit_id",
            "source_detail",
            "threats",
            "weapons",
            "repeated_conflict",
            "vulnerable_party",
            "escalation_risk",
            "officer_id",
            "stage",
            "stage_entered_at",
            "stage_due_on",
            "overdue_escalated_at",
            "escalation_level",
            "referral_kind",
            "referral_body",
            "referred_station_id",
            "resolution",
            "resolved_on",
            "closed_on",
            "reopen_count",
            "version",
            "created_by_id",
            "created_at",
            "updated_at",
            "updated_by_id",
        ),
        case_rows,
    )
    _reset_sequence(DisputeCase)
    rows += _history(first)
    rows += _write(
        DisputeParty, ("case_id", "resident_id", "name", "phone", "role", "party_key"), party_rows
    )
    rows += _write(
        DisputeEvent,
        (
            "case_id",
            "kind",
            "from_stage",
            "to_stage",
            "actor_id",
            "reason",
            "accountable_officer_id",
            "details",
            "at",
        ),
        event_rows,
    )
    rows += _write(
        MediationSession,
        (
            "case_id",
            "held_on",
            "place",
            "participants",
            "outcome",
            "agreement_reached",
            "agreement_text",
            "agreement_file",
            "recorded_by_id",
            "created_at",
        ),
        session_rows,
    )
    rows += _write(DisputeRepeat, ("case_id", "earlier_id", "reason", "created_at"), repeat_rows)
    rows += _write(
        DisputeCaseUserObjectPermission,
        ("content_object_id", "user_id", "permission_id"),
        grant_rows,
    )
    lap("written")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (DisputeCase, DisputeParty, DisputeEvent, MediationSession, DisputeRepeat):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    open_cases = sum(1 for row in case_rows if row[17] != Stage.CLOSED)
    overdue = sum(1 for row in case_rows if row[17] != Stage.CLOSED and row[19] and row[19] < today)
    ctx.log(
        f"  disputes: {len(case_rows):,} cases ({open_cases:,} open, {overdue:,} overdue), "
        f"{len(party_rows):,} parties, {len(event_rows):,} events, "
        f"{len(session_rows):,} sessions, {len(repeat_rows):,} repeat links, "
        f"{len(grant_rows):,} referral grants"
    )
    return rows


def _history(first_id: int) -> int:
    """One history row per case with its state now (by the last person who changed it)."""
    history = DisputeCase.history.model
    quote = connection.ops.quote_name
    own = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}
    columns = ", ".join(quote(f.column) for f in history._meta.concrete_fields if f.name not in own)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date, "
            f"history_change_reason, history_type, history_user_id) "
            f"SELECT {columns}, updated_at, %s, %s, updated_by_id "
            f"FROM {quote(DisputeCase._meta.db_table)} WHERE id >= %s",
            ["demo", "+", first_id],
        )
        return cursor.rowcount


def reset(ctx: DemoContext) -> None:
    """Delete every dispute case and what hangs off it (grants, repeats, sessions, events,
    parties, history). Nothing else points at these tables, so PostgreSQL truncates them."""
    models = (DisputeCaseGroupObjectPermission, *reversed(TABLES))
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
        with connection.cursor() as cursor:
            # TRUNCATE refuses tables with checks still pending from this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(f"TRUNCATE {tables}")
    else:
        for model in models:
            model.objects.all()._raw_delete(model.objects.db)
    ctx.log("  disputes: cases deleted")
