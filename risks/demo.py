"""The "risks" demo step: the risk-point inventory at the scale's size (DESIGN.md).

Runs after the grid, residents and visits steps (``DEMO_STEPS``). Every random choice comes
from ``ctx.rng("risks")``; dates count back from the build day. The shape:

- ``spec.open_risk_points`` open risk points (demo 400, city 50,000) plus one closed for every
  ten open, spread over the grid cells, owned by each cell's responsible officer (or, for a
  cell without one, by its station chief); levels mostly blue and yellow, some orange, a few
  red; residual at or below inherent; about one in six open points has an overdue review;
- one to three measures for each point under control, some done, some late;
- links within communities: "may trigger" and "aggravates" chains (a few closed into
  cycles of three), and "shared party" links between two risk points of one cell that involve
  the same resident.

Rows are written set-based (``bulk_create``, with history rows so every point's timeline
starts with its creation).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Min
from django.utils import timezone

from grid.demo import DemoContext
from grid.models import AssignmentRole, GridAssignment, GridCell, OfficerProfile, Tier
from risks import scoring
from risks.models import (
    Channel,
    LinkKind,
    Measure,
    MeasureStatus,
    RiskCategory,
    RiskLink,
    RiskPoint,
    RiskProposal,
    RiskReview,
    RiskStatus,
    RiskStatusChange,
)

BATCH_SIZE = 5000
FACTOR_WEIGHTS = (1, 2, 3, 4, 5), (26, 30, 24, 13, 7)
TITLES = {
    RiskCategory.DISPUTE_ESCALATION: (
        "邻里噪音纠纷可能激化", "房东与租户押金纠纷", "家庭矛盾反复报警", "物业费纠纷聚集",
    ),
    RiskCategory.PUBLIC_ORDER: ("夜市占道经营引发冲突", "广场舞场地争执", "出租屋人员流动频繁"),
    RiskCategory.FIRE_BUILDING: (
        "出租楼电动车入户充电", "城中村消防通道堵塞", "老旧楼宇电线老化",
    ),
    RiskCategory.TELECOM_FRAUD: (
        "独居老人遭遇电诈风险", "刷单返利诈骗高发楼栋", "冒充客服诈骗预警",
    ),
    RiskCategory.KEY_PLACE: ("校园周边安全", "农贸市场人员密集", "建筑工地欠薪隐患"),
    RiskCategory.KEY_PERSON: ("重点关注人员情绪波动", "社区矫正对象管控", "精神障碍患者监护不到位"),
    RiskCategory.ONLINE_OPINION: ("业主群负面舆情发酵", "短视频平台不实信息传播"),
    RiskCategory.DATA_SECURITY: ("智慧门禁数据外泄风险", "社区台账表格外传风险"),
    RiskCategory.OTHER: ("大型活动人员聚集", "台风季临时安置点"),
}  # fmt: skip
CATEGORY_WEIGHTS = {
    RiskCategory.DISPUTE_ESCALATION: 24,
    RiskCategory.PUBLIC_ORDER: 14,
    RiskCategory.FIRE_BUILDING: 16,
    RiskCategory.TELECOM_FRAUD: 12,
    RiskCategory.KEY_PLACE: 8,
    RiskCategory.KEY_PERSON: 8,
    RiskCategory.ONLINE_OPINION: 6,
    RiskCategory.DATA_SECURITY: 4,
    RiskCategory.OTHER: 8,
}
MEASURES = (
    "上门走访并建立台账",
    "组织调解会",
    "开展防诈宣传",
    "联合消防检查",
    "落实包案责任人每周回访",
)


def _factor(rng: random.Random) -> int:
    return rng.choices(*FACTOR_WEIGHTS)[0]


def _bulk_create_with_history(model, objs: list) -> list:
    """``bulk_create`` and the "created" history rows in one INSERT ... SELECT (set-based:
    building historical instances in Python took most of the city-scale build)."""
    created = model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
    if not created:
        return created
    history = model.history.model
    quote = connection.ops.quote_name
    own = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}
    columns = ", ".join(
        quote(field.column) for field in history._meta.concrete_fields if field.name not in own
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date, "
            f"history_change_reason, history_type, history_user_id) "
            f"SELECT {columns}, %s, %s, %s, NULL FROM {quote(model._meta.db_table)} "
            f"WHERE id >= %s",
            [
                connection.ops.adapt_datetimefield_value(timezone.now()),
                "demo",
                "+",
                min(obj.pk for obj in created),
            ],
        )
    return created


def _owners(on_date) -> tuple[dict[int, int], dict[int, int]]:
    responsible = dict(
        GridAssignment.objects.active_on(on_date)
        .filter(role=AssignmentRole.RESPONSIBLE)
        .values_list("grid_cell_id", "officer_id")
    )
    chiefs = dict(
        OfficerProfile.objects.filter(tier=Tier.STATION_CHIEF, is_active=True)
        .order_by("station_id", "pk")
        .values_list("station_id", "user_id")
    )
    return responsible, chiefs


def build(ctx: DemoContext) -> int:
    rng = ctx.rng("risks")
    today = timezone.localdate()
    cells = list(
        GridCell.objects.order_by("pk").values_list("pk", "community_id", "community__station_id")
    )
    if not cells:
        return 0
    responsible, chiefs = _owners(today)
    categories = list(CATEGORY_WEIGHTS)
    weights = list(CATEGORY_WEIGHTS.values())

    open_count = ctx.spec.open_risk_points
    total = open_count + open_count // 10
    points: list[RiskPoint] = []
    for index in range(total):
        cell_id, community_id, station_id = cells[rng.randrange(len(cells))]
        owner_id = responsible.get(cell_id) or chiefs.get(station_id)
        if owner_id is None:
            continue
        category = rng.choices(categories, weights)[0]
        likelihood, severity = _factor(rng), _factor(rng)
        residual_l = max(1, likelihood - rng.choice((0, 0, 1, 1, 2)))
        residual_s = max(1, severity - rng.choice((0, 0, 0, 1)))
        level = scoring.level_for(likelihood, severity)
        cadence = scoring.review_cadence_days(level)
        closed = index >= open_count
        if closed:
            status = RiskStatus.CLOSED
        else:
            status = rng.choices(
                (RiskStatus.IDENTIFIED, RiskStatus.CONTROLLING, RiskStatus.CONTROLLED),
                (30, 50, 20),
            )[0]
        # About one open point in six is overdue for review.
        offset = -rng.randint(1, cadence) if rng.random() < 1 / 6 else rng.randint(0, cadence)
        point = RiskPoint(
            grid_cell_id=cell_id,
            title=rng.choice(TITLES[category]),
            description="",
            category=category,
            channel=rng.choices(list(Channel.values), (20, 15, 65))[0],
            inherent_likelihood=likelihood,
            inherent_severity=severity,
            residual_likelihood=residual_l,
            residual_severity=residual_s,
            owner_id=owner_id,
            review_cadence_days=cadence,
            next_review_on=today + timedelta(days=offset),
            last_reviewed_on=today + timedelta(days=offset - cadence),
            status=status,
            status_changed_at=timezone.now() - timedelta(days=rng.randint(0, 60)),
        )
        point.apply_scores()
        point._demo_community = community_id
        points.append(point)
    points = _bulk_create_with_history(RiskPoint, points)
    rows = len(points)

    # Measures for the points under control (and the closed ones, all finished).
    measures = []
    for point in points:
        if point.status == RiskStatus.IDENTIFIED:
            continue
        due_days = scoring.measure_due_days(point.inherent_level)
        for _ in range(rng.randint(1, 3)):
            due_on = today + timedelta(days=rng.randint(-due_days, due_days))
            if point.status == RiskStatus.CLOSED or rng.random() < 0.35:
                status, completed = MeasureStatus.DONE, min(due_on, today)
            elif due_on < today:
                status, completed = MeasureStatus.IN_PROGRESS, None  # late
            else:
                status, completed = (
                    rng.choice((MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS)),
                    None,
                )
            measures.append(
                Measure(
                    risk_point_id=point.pk,
                    description=rng.choice(MEASURES),
                    owner_id=point.owner_id,
                    due_on=due_on,
                    status=status,
                    completed_on=completed,
                )
            )
    _bulk_create_with_history(Measure, measures)
    rows += len(measures)

    # Links between open points of one community: chains, a few cycles of three.
    by_community: dict[int, list[RiskPoint]] = defaultdict(list)
    by_cell: dict[int, list[RiskPoint]] = defaultdict(list)
    for point in points:
        if point.status != RiskStatus.CLOSED:
            by_community[point._demo_community].append(point)
            by_cell[point.grid_cell_id].append(point)
    links: dict[tuple[int, int, str], RiskLink] = {}

    def add(source: RiskPoint, target: RiskPoint, kind: str, strength: float) -> None:
        key = (source.pk, target.pk, kind)
        if source.pk != target.pk and key not in links:
            links[key] = RiskLink(
                source_id=source.pk,
                target_id=target.pk,
                kind=kind,
                strength=Decimal(str(round(strength, 2))),
            )

    for members in by_community.values():
        if len(members) < 2:
            continue
        for _ in range(max(1, len(members) * 2 // 5)):
            source, target = rng.sample(members, 2)
            kind = rng.choice((LinkKind.MAY_TRIGGER, LinkKind.MAY_TRIGGER, LinkKind.AGGRAVATES))
            add(source, target, kind, rng.uniform(0.2, 0.8))
        if len(members) >= 3 and rng.random() < 0.25:
            a, b, c = rng.sample(members, 3)
            add(a, b, LinkKind.MAY_TRIGGER, rng.uniform(0.3, 0.7))
            add(b, c, LinkKind.AGGRAVATES, rng.uniform(0.3, 0.7))
            add(c, a, LinkKind.MAY_TRIGGER, rng.uniform(0.3, 0.7))

    # Shared parties: two points of one cell that involve the cell's first resident.
    from residents.models import Resident

    pairs = [members[:2] for members in by_cell.values() if len(members) >= 2]
    pairs = [pair for pair in pairs if rng.random() < 0.3]
    first_resident = dict(
        Resident.objects.filter(grid_cell_id__in=[pair[0].grid_cell_id for pair in pairs])
        .values("grid_cell_id")
        .annotate(first=Min("pk"))
        .values_list("grid_cell_id", "first")
    )
    through = RiskPoint.involved_residents.through
    involved = []
    for low, high in pairs:
        resident_id = first_resident.get(low.grid_cell_id)
        if resident_id is None:
            continue
        low, high = sorted((low, high), key=lambda point: point.pk)
        involved += [
            through(riskpoint_id=low.pk, resident_id=resident_id),
            through(riskpoint_id=high.pk, resident_id=resident_id),
        ]
        add(low, high, LinkKind.SHARED_PARTY, 0.5)
    through.objects.bulk_create(involved, batch_size=BATCH_SIZE, ignore_conflicts=True)
    _bulk_create_with_history(RiskLink, list(links.values()))
    rows += len(links) + len(involved)
    ctx.log(
        f"  risks: {len(points):,} risk points, {len(measures):,} measures, {len(links):,} links"
    )
    return rows


def reset(ctx: DemoContext) -> None:
    """Delete the inventory (risk points, measures, links, reviews, proposals, history)."""
    RiskProposal.objects.all().delete()
    RiskLink.objects.all().delete()
    RiskReview.objects.all().delete()
    RiskStatusChange.objects.all().delete()
    Measure.objects.all().delete()
    RiskPoint.objects.all().delete()
    RiskLink.history.all().delete()
    Measure.history.all().delete()
    RiskPoint.history.all().delete()
    ctx.log("  risks: inventory deleted")
