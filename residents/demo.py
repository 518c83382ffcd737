# ruff: noqa: RUF001  (Chinese demo text uses full-width punctuation)
"""Demo step ``residents``: households, residents with valid ID numbers, tags, concerns.

Sized from ``ctx.spec`` (DESIGN.md: demo 20,000 residents and 1,500 concerns a year; district
1.8 million; city 17.7 million), every choice drawn from ``ctx.rng("residents")``. Rows get
explicit primary keys so that tags and households are linked without reading anything back,
and are written set-based: ``COPY`` on PostgreSQL, large ``bulk_create`` batches elsewhere.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from grid.demo import GIVEN_NAME_CHARACTERS, MOBILE_PREFIXES, SURNAMES, DemoContext
from grid.models import AssignmentRole, Community, GridAssignment, GridCell
from residents.idnumbers import codes_for_year, make_id_number
from residents.models import (
    ACKNOWLEDGE_WITHIN,
    Concern,
    ConcernCategory,
    ConcernNote,
    ConcernStatus,
    Household,
    ImportJob,
    PersonalDataAccess,
    Resident,
    Tag,
)
from residents.services import TRACKING_ALPHABET, TRACKING_LENGTH
from residents.standard_tags import ensure_standard_tags

BATCH = 5_000
PERSONS_PER_HOUSEHOLD = 2.7
PHONE_SHARE = 0.85
LOCAL_SHARE = 0.4  # share of residents born in Guangdong; the rest came from elsewhere
# (tag code, share of residents, ages allowed)
TAG_SHARES = (
    ("elderly-alone", 0.05, (65, 100)),
    ("left-behind-minor", 0.02, (3, 16)),
    ("fraud-target", 0.02, (25, 90)),
    ("disabled", 0.01, (5, 90)),
    ("mental-health", 0.004, (18, 80)),
    ("community-correction", 0.002, (18, 70)),
    ("released-prisoner", 0.002, (20, 70)),
    ("drug-user", 0.002, (18, 60)),
    ("petitioner", 0.001, (30, 80)),
)
CATEGORY_WEIGHTS = (
    (ConcernCategory.NOISE, 30),
    (ConcernCategory.NEIGHBOUR, 20),
    (ConcernCategory.SUSPICIOUS, 12),
    (ConcernCategory.FRAUD, 10),
    (ConcernCategory.SAFETY, 18),
    (ConcernCategory.OTHER, 10),
)
DESCRIPTIONS = {
    ConcernCategory.NOISE: [
        "楼上夜间装修噪音很大，影响休息。",
        "小区广场舞音响声音太大，晚上十点后仍未停止。",
    ],
    ConcernCategory.NEIGHBOUR: [
        "邻居长期占用楼道堆放杂物，沟通无果。",
        "楼上漏水到我家，邻居拒绝维修。",
    ],
    ConcernCategory.SUSPICIOUS: [
        "出租屋内人员进出频繁，形迹可疑。",
        "深夜有陌生人在停车场反复查看车辆。",
    ],
    ConcernCategory.FRAUD: [
        "接到冒充公检法的电话，要求转账到安全账户。",
        "老人被推销保健品，已付款数万元。",
    ],
    ConcernCategory.SAFETY: ["楼道内电动车充电，存在火灾隐患。", "小区消防通道被车辆长期堵塞。"],
    ConcernCategory.OTHER: ["希望加强夜间巡逻。", "路灯损坏多日，夜间出行不便。"],
}
REPLIES = [
    "民警已上门核实并协调处理，感谢您的反映。",
    "已联系物业和社区共同处理，后续将回访。",
    "已安排网格民警跟进，如有新情况请再次反映。",
]


def _write(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write rows (explicit primary keys included): COPY on PostgreSQL, bulk_create elsewhere."""
    table = model._meta.db_table
    count = 0
    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(["\\N" if v is None else v for v in row])
            count += 1
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                buffer,
            )
        return count
    batch = []
    for row in rows:
        batch.append(model(**dict(zip(columns, row, strict=True))))
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch, batch_size=500)
            count += len(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch, batch_size=500)
        count += len(batch)
    return count


def _reset_sequence(model) -> None:
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def _next_id(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def _name(rng: random.Random) -> str:
    length = 1 if rng.random() < 0.3 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_NAME_CHARACTERS) for _ in range(length))


def build(ctx: DemoContext) -> int:
    rng = ctx.rng("residents")
    spec = ctx.spec
    today = timezone.localdate()
    now = timezone.now()
    cells = list(
        GridCell.objects.order_by("pk").values_list(
            "pk", "code", "community__name", "household_count"
        )
    )
    if not cells:
        return 0
    ensure_standard_tags()
    tags = dict(Tag.objects.values_list("code", "pk"))
    local_codes: dict[int, list[str]] = {}
    other_codes: dict[int, list[str]] = {}
    for year in range(today.year - 100, today.year + 1):
        codes = codes_for_year(year)
        local_codes[year] = [c for c in codes if c.startswith("44")] or codes
        other_codes[year] = codes

    # Residents spread over the grid cells in proportion to their households.
    weights = [max(1, c[3]) for c in cells]
    total_weight = sum(weights)
    per_cell = [spec.residents * w // total_weight for w in weights]
    for i in range(spec.residents - sum(per_cell)):
        per_cell[i % len(per_cell)] += 1

    household_id = _next_id(Household)
    resident_id = _next_id(Resident)
    household_rows: list[tuple] = []
    tag_rows: list[tuple] = []
    used_numbers: set[str] = set()
    created = now.isoformat()

    def residents_rows():
        nonlocal household_id, resident_id
        for (cell_id, cell_code, community, _households), count in zip(
            cells, per_cell, strict=True
        ):
            left = count
            while left > 0:
                size = min(left, max(1, round(rng.expovariate(1 / PERSONS_PER_HOUSEHOLD))), 6)
                left -= size
                address = (
                    f"深圳市{community}{rng.randrange(1, 80)}栋{rng.randrange(1, 33)}"
                    f"{rng.randrange(1, 9):02d}室"
                )
                number = f"{cell_code}-H{household_id:07d}"
                household_rows.append((household_id, number, address, cell_id, created))
                this_household = household_id
                household_id += 1
                for _member in range(size):
                    age = min(100, int(rng.triangular(0, 95, 35)))
                    born = today - timedelta(days=age * 365 + rng.randrange(365))
                    pool = local_codes if rng.random() < LOCAL_SHARE else other_codes
                    region = rng.choice(pool[born.year])
                    number_id = make_id_number(region, born, rng.randrange(1000))
                    while number_id in used_numbers:
                        number_id = make_id_number(region, born, rng.randrange(1000))
                    used_numbers.add(number_id)
                    sex = "M" if int(number_id[16]) % 2 else "F"
                    phone = (
                        f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
                        if age >= 12 and rng.random() < PHONE_SHARE
                        else ""
                    )
                    for code, share, (low, high) in TAG_SHARES:
                        if low <= age <= high and rng.random() < share * 2.5 and code in tags:
                            tag_rows.append((resident_id, tags[code]))
                    yield (
                        resident_id,
                        _name(rng),
                        number_id,
                        born.isoformat(),
                        sex,
                        phone,
                        address,
                        cell_id,
                        this_household,
                        created,
                        created,
                    )
                    resident_id += 1

    columns = (
        "id",
        "name",
        "id_number",
        "birth_date",
        "sex",
        "phone",
        "address",
        "grid_cell_id",
        "household_id",
        "created_at",
        "updated_at",
    )
    # Households first (residents point at them): generate residents into memory in chunks.
    resident_buffer: list[tuple] = []
    written = 0
    generator = residents_rows()
    for row in generator:
        resident_buffer.append(row)
        if len(resident_buffer) >= 200_000:
            written += _flush(household_rows, resident_buffer, columns)
    written += _flush(household_rows, resident_buffer, columns)
    through = Resident.tags.through
    written += _write(through, ("resident_id", "tag_id"), tag_rows)
    for model in (Household, Resident):
        _reset_sequence(model)
    ctx.log(f"  residents: {spec.residents:,} residents, {len(tag_rows):,} tags")
    written += _build_concerns(ctx, rng, cells, now)
    return written


def _flush(household_rows: list, resident_buffer: list, columns) -> int:
    count = _write(
        Household, ("id", "number", "address", "grid_cell_id", "created_at"), household_rows
    )
    count += _write(Resident, columns, resident_buffer)
    household_rows.clear()
    resident_buffer.clear()
    return count


def _build_concerns(ctx: DemoContext, rng: random.Random, cells, now: datetime) -> int:
    spec = ctx.spec
    communities = dict(Community.objects.values_list("pk", "station_id"))
    cell_community = dict(GridCell.objects.values_list("pk", "community_id"))
    today = timezone.localdate()
    responsible = dict(
        GridAssignment.objects.active_on(today)
        .filter(role=AssignmentRole.RESPONSIBLE)
        .values_list("grid_cell_id", "officer_id")
    )
    chiefs = dict(
        get_user_model()
        .objects.filter(officer_profile__tier="station_chief")
        .values_list("officer_profile__station_id", "pk")
    )
    categories = [c for c, _ in CATEGORY_WEIGHTS]
    weights = [w for _, w in CATEGORY_WEIGHTS]
    concern_id = _next_id(Concern)
    note_id = _next_id(ConcernNote)
    concern_rows, note_rows = [], []
    codes: set[str] = set()
    cell_ids = [c[0] for c in cells]
    for _n in range(spec.concerns_per_year):
        created = now - timedelta(seconds=rng.randrange(365 * 24 * 3600))
        cell_id = rng.choice(cell_ids)
        community_id = cell_community[cell_id]
        station_id = communities[community_id]
        routed = rng.random() < 0.8
        category = rng.choices(categories, weights)[0]
        age_days = (now - created).days
        officer = responsible.get(cell_id) or chiefs.get(station_id)
        acknowledged = None
        if age_days >= 4 or rng.random() < 0.5:
            acknowledged = created + timedelta(hours=rng.triangular(0.5, 30, 4))
            if acknowledged > now:
                acknowledged = None
        status, closed = ConcernStatus.RECEIVED, None
        if acknowledged:
            status = ConcernStatus.IN_PROGRESS
            if age_days > 10 or rng.random() < 0.3:
                closed = acknowledged + timedelta(days=rng.uniform(0.2, 9))
                if closed < now:
                    status = ConcernStatus.CLOSED
                else:
                    closed = None
        code = "".join(rng.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
        while code in codes:
            code = "".join(rng.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
        codes.add(code)
        anonymous = rng.random() < 0.6
        concern_rows.append(
            (
                concern_id,
                code,
                category,
                rng.choice(DESCRIPTIONS[category]),
                station_id,
                community_id,
                cell_id if routed else None,
                "",
                None,
                None,
                "",
                "" if anonymous else _name(rng),
                "" if anonymous else f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}",
                not anonymous,
                status,
                officer if acknowledged else None,
                created.isoformat(),
                (created + ACKNOWLEDGE_WITHIN).isoformat(),
                acknowledged.isoformat() if acknowledged else None,
                closed.isoformat() if closed else None,
                (closed or acknowledged or created).isoformat(),
            )
        )
        if acknowledged and officer:
            note_rows.append(
                (
                    note_id,
                    concern_id,
                    officer,
                    False,
                    "已受理，安排走访核实。",
                    acknowledged.isoformat(),
                )
            )
            note_id += 1
            if closed:
                note_rows.append(
                    (note_id, concern_id, officer, True, rng.choice(REPLIES), closed.isoformat())
                )
                note_id += 1
        concern_id += 1
    columns = (
        "id",
        "tracking_code",
        "category",
        "description",
        "station_id",
        "community_id",
        "grid_cell_id",
        "address",
        "latitude",
        "longitude",
        "photo",
        "contact_name",
        "contact_phone",
        "contact_consent",
        "status",
        "assigned_to_id",
        "created_at",
        "acknowledge_by",
        "acknowledged_at",
        "closed_at",
        "updated_at",
    )
    written = _write(Concern, columns, concern_rows)
    written += _write(
        ConcernNote,
        ("id", "concern_id", "author_id", "is_public", "body", "created_at"),
        note_rows,
    )
    for model in (Concern, ConcernNote):
        _reset_sequence(model)
    ctx.log(f"  residents: {len(concern_rows):,} concerns, {len(note_rows):,} notes")
    return written


def reset(ctx: DemoContext) -> None:
    """Delete the residents step's rows (and any import or access record pointing at them)."""
    models = (
        ConcernNote,
        Concern,
        PersonalDataAccess.residents.through,
        PersonalDataAccess,
        ImportJob,
        Resident.tags.through,
        Resident,
        Household,
    )
    # One DELETE per table, children first; a row another step still points at fails loudly
    # instead of being wiped silently (later steps reset before this one).
    for model in models:
        model.objects.all()._raw_delete(model.objects.db)
