"""Deterministic demo data: the scales, the step framework, and the grid app's step.

``manage.py generate_demo`` builds the demo data set in steps, one per project app, in
INSTALLED_APPS order (grid, residents, risks, disputes). An app takes part by having a
``<app>/demo.py`` module with

``build(ctx: DemoContext) -> int``
    writes the app's demo rows and returns how many it wrote. It runs inside one transaction
    together with the step's ``DemoBuild`` row, so a killed run leaves no half-built step.
    Draw every random choice from ``ctx.rng("<app>")`` (its own stream, so adding a step never
    changes the data of another), size the data from ``ctx.spec`` (a ``ScaleSpec``), give
    every user ``password=ctx.password_hash`` and report progress with ``ctx.log()``.

``reset(ctx: DemoContext) -> None`` (optional)
    deletes what ``build`` wrote. Resets run in reverse app order, so a step may delete rows
    that point at the rows of an earlier step before that step deletes its own.

This module holds the shared part (``SCALES``, ``DemoContext``) and the grid step: the units
(sub-bureaus, stations, communities, grid cells with boundaries that tile a part of Shenzhen
without overlapping), the officers of every tier with predictable logins, and the grid
assignments with a little history. The plan is computed first as plain data
(``plan_grid``), so it can be checked without a database, and then written with
``bulk_create``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate, product
from typing import Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db.models import Q

from grid.geojson import rectangle
from grid.models import (
    AssignmentRole,
    Community,
    DemoBuild,
    GridAssignment,
    GridCell,
    OfficerProfile,
    Station,
    SubBureau,
)
from grid.scoping import Tier

DEFAULT_SEED = 2026
BATCH_SIZE = 5000

Rect = tuple[float, float, float, float]  # west, south, east, north (degrees)


# --- Scales -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScaleSpec:
    """The figures of one scale (DESIGN.md, "Scales for data and benchmarks").

    Only the tier counts are used by the grid step; the others are kept here so that the
    later steps (residents, risks, disputes, visits) size themselves from the same table.
    """

    name: str
    sub_bureaus: int
    stations: int
    communities: int
    grid_cells: int
    residents: int
    open_risk_points: int
    disputes_per_year: int
    concerns_per_year: int
    visits_per_year: int
    officers: int
    # The map area the grid cells tile: about 0.2-0.5 km2 a cell, like Shenzhen's grid.
    area: Rect


SCALES: dict[str, ScaleSpec] = {
    "demo": ScaleSpec(
        name="demo",
        sub_bureaus=1,
        stations=3,
        communities=12,
        grid_cells=60,
        residents=20_000,
        open_risk_points=400,
        disputes_per_year=400,
        concerns_per_year=1_500,
        visits_per_year=10_000,
        officers=25,
        area=(113.925, 22.515, 113.975, 22.565),  # around Yuehai and Taoyuan, Nanshan
    ),
    "district": ScaleSpec(
        name="district",
        sub_bureaus=1,
        stations=12,
        communities=60,
        grid_cells=1_500,
        residents=1_800_000,
        open_risk_points=5_000,
        disputes_per_year=28_000,
        concerns_per_year=180_000,
        visits_per_year=1_000_000,
        officers=330,
        area=(113.850, 22.480, 114.000, 22.600),  # about the size of Nanshan district
    ),
    "city": ScaleSpec(
        name="city",
        sub_bureaus=10,
        stations=115,
        communities=612,
        grid_cells=15_000,
        residents=17_700_000,
        open_risk_points=50_000,
        disputes_per_year=265_000,
        concerns_per_year=1_800_000,
        visits_per_year=11_000_000,
        officers=3_300,
        area=(113.750, 22.450, 114.600, 22.850),  # the whole of Shenzhen
    ),
}


# --- The context every step receives ---------------------------------------------------------
class Writer(Protocol):
    def write(self, message: str, /) -> object: ...


@dataclass
class DemoContext:
    """What a demo step needs: the scale, the seed, a per-step RNG, output, the password."""

    scale: str
    seed: int = DEFAULT_SEED
    stdout: Writer | None = None
    spec: ScaleSpec | None = None
    # make_password(DEMO_PASSWORD), hashed once and given to every demo user: hashing
    # thousands of passwords one by one with a production hasher would take minutes.
    password_hash: str = ""

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"unknown scale {self.scale!r}; choose from {', '.join(SCALES)}")
        if self.spec is None:
            self.spec = SCALES[self.scale]
        if not self.password_hash:
            self.password_hash = make_password(settings.DEMO_PASSWORD)

    def rng(self, step: str) -> random.Random:
        """A fresh random stream for one step, the same for the same seed on every run."""
        return random.Random(f"{self.seed}:{step}")

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message if message.endswith("\n") else message + "\n")


# --- Names and places -----------------------------------------------------------------------
@dataclass(frozen=True)
class District:
    sub_bureau: str  # 南山分局
    district: str  # 南山区
    stations: tuple[str, ...]  # station names without 派出所, in the order they are used
    roads: tuple[str, ...]
    communities: tuple[str, ...]  # community names without 社区, used before generated ones


# fmt: off
COMMUNITY_NAMES_NANSHAN = (
    "桃源", "大冲", "南光", "荔林", "高新", "科技园", "蔚蓝海岸", "海珠", "月亮湾", "南油",
    "向南", "登良", "阳光棕榈", "后海", "白石洲", "香山", "大磡", "麻磡", "留仙", "新围",
    "珠光", "北头", "东滨", "湾厦", "四海", "花果山", "水湾", "龙井", "平山", "西丽湖",
    "深云", "侨香", "园西", "荔湾", "学府", "海月", "内环", "兴海", "前湾", "桂湾",
)
# In code order (SB01 = 福田分局 at city scale); placed on the map from west to east.
DISTRICTS: tuple[District, ...] = (
    District(
        "福田分局",
        "福田区",
        ("园岭", "南园", "福田", "沙头", "香蜜湖", "梅林", "莲花", "华富", "福保", "华强北",
         "景田", "车公庙"),
        ("深南中路", "福华路", "彩田路", "益田路", "福中路", "红荔路", "莲花路", "景田路",
         "香梅路", "梅林路", "华强北路", "新洲路"),
        ("园岭", "百花", "红荔", "南园", "滨江", "沙头", "新洲", "上沙", "下沙", "香蜜", "景田",
         "梅林", "莲花北", "福新", "华富", "华强", "岗厦", "皇岗", "水围"),
    ),
    District(
        "罗湖分局",
        "罗湖区",
        ("桂园", "黄贝", "东门", "翠竹", "南湖", "笋岗", "东湖", "莲塘", "东晓", "清水河",
         "湖贝", "水库"),
        ("人民南路", "东门中路", "深南东路", "宝安南路", "文锦路", "笋岗路", "爱国路",
         "翠竹路", "布心路", "沿河路"),
        ("桂园", "松园", "宝安", "黄贝", "新秀", "湖贝", "东门", "翠竹", "笋岗", "田心",
         "莲塘", "东晓", "清水河", "向西", "渔邨"),
    ),
    District(
        "南山分局",
        "南山区",
        ("粤海", "蛇口", "招商", "南头", "南山", "西丽", "沙河", "桃源", "华侨城", "前海",
         "科技园", "大冲"),
        ("科技南路", "南海大道", "深南大道", "南山大道", "沙河西路", "蛇口新街", "工业八路",
         "学府路", "高新南一道", "桃园路", "前海路", "留仙大道"),
        COMMUNITY_NAMES_NANSHAN,
    ),
    District(
        "宝安分局",
        "宝安区",
        ("新安", "西乡", "福永", "沙井", "松岗", "石岩", "航城", "福海", "新桥", "燕罗",
         "固戍", "翻身"),
        ("宝安大道", "新安六路", "创业路", "建安一路", "广深路", "沙井路", "松岗大道",
         "石岩大道", "福永大道", "西乡大道"),
        ("新安", "上合", "翻身", "灵芝", "西乡", "固戍", "铁仔", "福永", "凤凰", "沙井",
         "松岗", "石岩", "塘头", "黄田"),
    ),
    District(
        "龙岗分局",
        "龙岗区",
        ("龙城", "龙岗", "布吉", "坂田", "南湾", "横岗", "平湖", "坪地", "宝龙", "吉华",
         "园山", "南联"),
        ("龙岗大道", "龙城大道", "布吉路", "坂雪岗大道", "平湖大街", "深惠路", "横岗大道",
         "爱联路", "吉华路", "黄阁路"),
        ("龙城", "爱联", "龙岗", "南联", "布吉", "坂田", "南湾", "横岗", "平湖", "坪地",
         "宝龙", "吉华", "园山"),
    ),
    District(
        "盐田分局",
        "盐田区",
        ("沙头角", "梅沙", "盐田", "海山", "中英街"),
        ("沙头角路", "深盐路", "海山路", "盐田路", "梅沙路", "东海道"),
        ("沙头角", "中英街", "梅沙", "东海", "盐田", "海山", "永安"),
    ),
    District(
        "龙华分局",
        "龙华区",
        ("观澜", "大浪", "龙华", "民治", "福城", "观湖", "清湖", "油松"),
        ("民治大道", "人民路", "梅龙大道", "观澜大道", "东环二路", "龙华大道", "大浪路",
         "布龙路"),
        ("观澜", "大浪", "民治", "白石龙", "上塘", "清湖", "龙华", "福城", "观湖", "松元"),
    ),
    District(
        "坪山分局",
        "坪山区",
        ("坪山", "坑梓", "马峦", "碧岭", "石井", "龙田", "坪环"),
        ("坪山大道", "东纵路", "深汕路", "金碧路", "丹梓大道", "坑梓路"),
        ("坪山", "六联", "坑梓", "马峦", "碧岭", "石井", "沙湖", "汤坑"),
    ),
    District(
        "光明分局",
        "光明区",
        ("光明", "公明", "新湖", "凤凰", "玉塘", "马田", "楼村"),
        ("光明大道", "华夏路", "公明大道", "松白路", "观光路", "东长路"),
        ("光明", "公明", "新湖", "凤凰", "玉塘", "马田", "楼村", "圳美"),
    ),
    District(
        "大鹏分局",
        "大鹏新区",
        ("大鹏", "南澳", "葵涌", "王母", "溪涌"),
        ("葵涌路", "鹏飞路", "迎宾路", "南澳路", "金岭路", "布新路"),
        ("大鹏", "南澳", "葵涌", "王母", "溪涌", "水头", "东山"),
    ),
)
NANSHAN = 2  # index of 南山分局: the one sub-bureau of the demo and district scales
# West to east, so the strips of the city scale sit roughly where the districts are.
WEST_TO_EAST = ("宝安分局", "光明分局", "南山分局", "福田分局", "龙华分局", "罗湖分局",
                "龙岗分局", "盐田分局", "坪山分局", "大鹏分局")

# Syllables for further plausible place names once the lists above run out.
PLACE_FIRST = (
    "新", "华", "福", "安", "龙", "兴", "宝", "康", "丽", "景", "翠", "锦", "荔", "桂", "松",
    "梅", "莲", "竹", "东", "西", "海", "湖", "泉", "明", "阳", "和", "平", "祥", "瑞", "嘉",
    "润", "德", "文", "星", "云", "青", "金", "玉", "富", "长",
)
PLACE_SECOND = (
    "园", "苑", "湾", "岭", "田", "村", "湖", "山", "林", "城", "港", "桥", "庭", "峰", "丰",
    "盛", "昌", "源", "泰", "坑", "围", "洲", "塘", "坪", "沙", "岗",
)
SUB_BUREAU_NAME_STEMS = ("前海", "河套", "深汕", "西部", "东部")  # beyond the ten districts
# fmt: on

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶"
    "程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_NAME_CHARACTERS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红建文辉力斌宇浩鹏晨欣怡婷雪琳晶颖俊峰"
    "志海东亮鑫博宁凯健帆然思雨嘉子梓涵轩睿泽航昊佳晓春秋诗梦瑶倩蕾振国家兴立新永庆忠成荣德"
)
MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "158", "159", "186", "188", "189")

ASSIGNED_FROM = date(2026, 1, 1)
HISTORY_FROM = date(2025, 1, 1)
HISTORY_SHARE = 0.05  # share of grid cells with an earlier, closed responsible assignment
COMMUNITY_OFFICER_SHARE = 0.6  # of the officers below the chiefs; the rest are grid workers
STAFF_PER_SUB_BUREAU = 2

# The logins printed after every run: one per tier, all with settings.DEMO_PASSWORD.
DEMO_LOGINS: tuple[tuple[str, str], ...] = (
    ("administrator", "admin"),
    ("sub-bureau staff", "staff01"),
    ("station chief", "chief01"),
    ("community officer", "officer01"),
    ("grid worker", "worker01"),
)
ADMIN_USERNAME = "admin"


# --- The plan: plain data, no database ------------------------------------------------------
@dataclass
class UnitPlan:
    code: str
    name: str
    address: str = ""
    phone: str = ""
    parent_code: str = ""
    rect: Rect = (0.0, 0.0, 0.0, 0.0)


@dataclass
class CellPlan:
    code: str
    name: str
    community_code: str
    station_code: str
    rect: Rect
    household_count: int

    @property
    def boundary(self) -> dict:
        return rectangle(*self.rect)


@dataclass
class OfficerPlan:
    username: str
    last_name: str
    first_name: str
    tier: str
    unit_code: str  # the sub-bureau for sub-bureau staff, the station for everyone else
    badge_number: str
    phone: str


@dataclass
class AssignmentPlan:
    cell_code: str
    username: str
    role: str
    valid_from: date
    valid_to: date | None
    assigned_by: str
    reason: str


@dataclass
class GridPlan:
    sub_bureaus: list[UnitPlan] = field(default_factory=list)
    stations: list[UnitPlan] = field(default_factory=list)
    communities: list[UnitPlan] = field(default_factory=list)
    cells: list[CellPlan] = field(default_factory=list)
    officers: list[OfficerPlan] = field(default_factory=list)
    assignments: list[AssignmentPlan] = field(default_factory=list)


def spread(total: int, parts: int) -> list[int]:
    """``total`` split over ``parts`` as evenly as possible, the remainder to the first ones."""
    if parts <= 0:
        return []
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def blocks(items: Sequence, parts: int) -> list[list]:
    """``items`` cut into ``parts`` contiguous blocks of (almost) equal size, in order."""
    out, start = [], 0
    for size in spread(len(items), parts):
        out.append(list(items[start : start + size]))
        start += size
    return out


def _edges(start: float, end: float, weights: Sequence[int]) -> list[float]:
    """Cut [start, end] in proportion to ``weights``; the first and last edges are exact."""
    total = sum(weights)
    edges = [start + (end - start) * running / total for running in accumulate(weights)]
    edges[-1] = end
    return [start, *edges]


def split_rect(rect: Rect, weights: Sequence[int]) -> list[Rect]:
    """Cut a rectangle across its longer side into parts whose areas follow ``weights``.

    Neighbouring parts share the very same edge value, so they touch but never overlap.
    """
    west, south, east, north = rect
    width = (east - west) * math.cos(math.radians((south + north) / 2))  # in latitude degrees
    if width >= north - south:
        xs = _edges(west, east, weights)
        return [(xs[i], south, xs[i + 1], north) for i in range(len(weights))]
    ys = _edges(north, south, weights)  # the first part in the north, like reading a map
    return [(west, ys[i + 1], east, ys[i]) for i in range(len(weights))]


def cell_rects(rect: Rect, count: int) -> list[Rect]:
    """``count`` cells in rows and columns filling ``rect``, numbered row by row from north-west.

    When ``count`` is not a product of rows and columns the short rows have wider cells, so
    the community is still covered exactly.
    """
    west, south, east, north = rect
    width = (east - west) * math.cos(math.radians((south + north) / 2))
    height = north - south
    columns = min(count, max(1, round(math.sqrt(count * width / height))))
    rows = math.ceil(count / columns)
    out: list[Rect] = []
    ys = _edges(north, south, [1] * rows)
    for row, in_row in enumerate(spread(count, rows)):
        xs = _edges(west, east, [1] * in_row)
        out.extend((xs[i], ys[row + 1], xs[i + 1], ys[row]) for i in range(in_row))
    return out


def _place_names(rng: random.Random, known: Sequence[str], used: set[str]) -> Iterator[str]:
    """Names from ``known`` in order, then plausible two-syllable names; never one in ``used``."""
    for name in known:
        if name not in used:
            used.add(name)
            yield name
    generated = [a + b for a, b in product(PLACE_FIRST, PLACE_SECOND) if a != b]
    rng.shuffle(generated)
    for name in generated:
        if name not in used:
            used.add(name)
            yield name
    raise RuntimeError("ran out of place names")  # 1,000+ combinations: not at these scales


def _person_name(rng: random.Random) -> tuple[str, str]:
    surname = rng.choice(SURNAMES)
    length = 1 if rng.random() < 0.3 else 2
    given = "".join(rng.choice(GIVEN_NAME_CHARACTERS) for _ in range(length))
    return surname, given


def _duty_phone(rng: random.Random) -> str:
    return f"0755-2{rng.randrange(10**6, 10**7):07d}"


def _mobile(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def _address(rng: random.Random, district: District) -> str:
    return f"深圳市{district.district}{rng.choice(district.roads)}{rng.randrange(1, 300)}号"


def _districts_for(spec: ScaleSpec) -> list[District]:
    if spec.sub_bureaus == 1:
        return [DISTRICTS[NANSHAN]]
    out = list(DISTRICTS[: spec.sub_bureaus])
    for index in range(len(out), spec.sub_bureaus):  # not at the three scales; kept general
        stem = SUB_BUREAU_NAME_STEMS[index % len(SUB_BUREAU_NAME_STEMS)]
        suffix = "" if index < len(DISTRICTS) + len(SUB_BUREAU_NAME_STEMS) else str(index + 1)
        base = DISTRICTS[index % len(DISTRICTS)]
        out.append(District(f"{stem}{suffix}分局", base.district, (), base.roads, ()))
    return out


def plan_grid(spec: ScaleSpec, rng: random.Random) -> GridPlan:
    """The units, officers and assignments of one scale, decided by ``rng`` alone."""
    plan = GridPlan()
    districts = _districts_for(spec)
    stations_per_sb = spread(spec.stations, spec.sub_bureaus)
    communities_per_station = spread(spec.communities, spec.stations)
    cells_per_community = spread(spec.grid_cells, spec.communities)

    # Cells per unit, so that every unit's area is proportional to its cells.
    cells_per_station, start = [], 0
    for count in communities_per_station:
        cells_per_station.append(sum(cells_per_community[start : start + count]))
        start += count
    cells_per_sb, start = [], 0
    for count in stations_per_sb:
        cells_per_sb.append(sum(cells_per_station[start : start + count]))
        start += count

    # Sub-bureau strips, placed west to east where the district names allow it.
    placement = sorted(
        range(spec.sub_bureaus),
        key=lambda i: (
            WEST_TO_EAST.index(districts[i].sub_bureau)
            if districts[i].sub_bureau in WEST_TO_EAST
            else len(WEST_TO_EAST) + i
        ),
    )
    strips = split_rect(spec.area, [cells_per_sb[i] for i in placement])
    sb_rects = dict(zip(placement, strips, strict=True))

    used_stations: set[str] = set()
    used_communities: set[str] = set()
    station_index = community_index = 0
    for sb_index, district in enumerate(districts):
        sb_code = f"SB{sb_index + 1:02d}"
        plan.sub_bureaus.append(
            UnitPlan(
                code=sb_code,
                name=district.sub_bureau,
                address=_address(rng, district),
                phone=_duty_phone(rng),
                rect=sb_rects[sb_index],
            )
        )
        station_names = _place_names(rng, district.stations, used_stations)
        community_names = _place_names(rng, district.communities, used_communities)
        n_stations = stations_per_sb[sb_index]
        own_stations = range(station_index, station_index + n_stations)
        station_rects = split_rect(sb_rects[sb_index], [cells_per_station[i] for i in own_stations])
        for ps_number, station_rect in enumerate(station_rects, start=1):
            ps_code = f"{sb_code}-PS{ps_number:02d}"
            plan.stations.append(
                UnitPlan(
                    code=ps_code,
                    name=f"{next(station_names)}派出所",
                    address=_address(rng, district),
                    phone=_duty_phone(rng),
                    parent_code=sb_code,
                    rect=station_rect,
                )
            )
            n_communities = communities_per_station[station_index]
            own = range(community_index, community_index + n_communities)
            community_rects = split_rect(station_rect, [cells_per_community[i] for i in own])
            for c_number, community_rect in enumerate(community_rects, start=1):
                c_code = f"{ps_code}-C{c_number:02d}"
                c_name = f"{next(community_names)}社区"
                plan.communities.append(
                    UnitPlan(code=c_code, name=c_name, parent_code=ps_code, rect=community_rect)
                )
                rects = cell_rects(community_rect, cells_per_community[community_index])
                for g_number, rect in enumerate(rects, start=1):
                    plan.cells.append(
                        CellPlan(
                            code=f"{c_code}-G{g_number:02d}",
                            name=f"{c_name}第{g_number:02d}网格",
                            community_code=c_code,
                            station_code=ps_code,
                            rect=rect,
                            household_count=rng.randint(300, 500),
                        )
                    )
                community_index += 1
            station_index += 1

    _plan_officers(plan, spec, rng)
    _plan_assignments(plan, rng)
    return plan


def _plan_officers(plan: GridPlan, spec: ScaleSpec, rng: random.Random) -> None:
    n_staff = STAFF_PER_SUB_BUREAU * spec.sub_bureaus
    n_chiefs = spec.stations
    rest = max(0, spec.officers - n_staff - n_chiefs)
    # Every station has at least one community officer to be responsible for its cells.
    n_officers = max(spec.stations, round(rest * COMMUNITY_OFFICER_SHARE))
    n_workers = max(0, rest - n_officers)
    total = n_staff + n_chiefs + n_officers + n_workers
    badges = rng.sample(range(100_000, 1_000_000), total)
    counters = dict.fromkeys(Tier.values, 0)
    prefixes = {
        Tier.SUB_BUREAU_STAFF: "staff",
        Tier.STATION_CHIEF: "chief",
        Tier.COMMUNITY_OFFICER: "officer",
        Tier.GRID_WORKER: "worker",
    }

    def add(tier: str, unit_code: str) -> None:
        counters[tier] += 1
        surname, given = _person_name(rng)
        plan.officers.append(
            OfficerPlan(
                username=f"{prefixes[tier]}{counters[tier]:02d}",
                last_name=surname,
                first_name=given,
                tier=tier,
                unit_code=unit_code,
                badge_number=str(badges[len(plan.officers)]),
                phone=_mobile(rng),
            )
        )

    for sub_bureau in plan.sub_bureaus:
        for _ in range(STAFF_PER_SUB_BUREAU):
            add(Tier.SUB_BUREAU_STAFF, sub_bureau.code)
    officers_per_station = spread(n_officers, spec.stations)
    workers_per_station = spread(n_workers, spec.stations)
    for index, station in enumerate(plan.stations):
        add(Tier.STATION_CHIEF, station.code)
        for _ in range(officers_per_station[index]):
            add(Tier.COMMUNITY_OFFICER, station.code)
        for _ in range(workers_per_station[index]):
            add(Tier.GRID_WORKER, station.code)


def _plan_assignments(plan: GridPlan, rng: random.Random) -> None:
    """Contiguous blocks of each station's cells per officer and per grid worker.

    A deterministic ~5% of cells also get an earlier, closed responsible assignment held by
    a colleague of the same station, so the assignment history has something to show.
    """
    cells_by_station: dict[str, list[CellPlan]] = {}
    for cell in plan.cells:
        cells_by_station.setdefault(cell.station_code, []).append(cell)
    staff_by_station: dict[str, dict[str, list[str]]] = {}
    for officer in plan.officers:
        staff_by_station.setdefault(officer.unit_code, {}).setdefault(officer.tier, []).append(
            officer.username
        )
    n_history = round(len(plan.cells) * HISTORY_SHARE)
    with_history = {plan.cells[i].code for i in rng.sample(range(len(plan.cells)), n_history)}

    for station in plan.stations:
        cells = cells_by_station.get(station.code, [])
        people = staff_by_station.get(station.code, {})
        chief = people[Tier.STATION_CHIEF][0]
        officers = people.get(Tier.COMMUNITY_OFFICER, [])
        workers = people.get(Tier.GRID_WORKER, [])
        for index, block in enumerate(blocks(cells, len(officers))):
            officer = officers[index]
            for cell in block:
                earlier = officers[(index + 1) % len(officers)] if len(officers) > 1 else ""
                if cell.code in with_history and earlier:
                    plan.assignments.append(
                        AssignmentPlan(
                            cell_code=cell.code,
                            username=earlier,
                            role=AssignmentRole.RESPONSIBLE,
                            valid_from=HISTORY_FROM,
                            valid_to=ASSIGNED_FROM,
                            assigned_by=chief,
                            reason="演示数据 2025年度包片分配",
                        )
                    )
                    reason = "演示数据 年度调整包片"
                else:
                    reason = "演示数据 初始包片分配"
                plan.assignments.append(
                    AssignmentPlan(
                        cell_code=cell.code,
                        username=officer,
                        role=AssignmentRole.RESPONSIBLE,
                        valid_from=ASSIGNED_FROM,
                        valid_to=None,
                        assigned_by=chief,
                        reason=reason,
                    )
                )
        for index, block in enumerate(blocks(cells, len(workers))):
            plan.assignments.extend(
                AssignmentPlan(
                    cell_code=cell.code,
                    username=workers[index],
                    role=AssignmentRole.GRID_WORKER,
                    valid_from=ASSIGNED_FROM,
                    valid_to=None,
                    assigned_by=chief,
                    reason="演示数据 网格员分配",
                )
                for cell in block
            )


# --- The step: write the plan ---------------------------------------------------------------
def _ids(model, key: str, objects: Sequence) -> dict[str, int]:
    """Primary keys by natural key after bulk_create (not every backend returns them)."""
    if all(obj.pk is not None for obj in objects):
        return {getattr(obj, key): obj.pk for obj in objects}
    wanted = {getattr(obj, key) for obj in objects}
    return {
        value: pk
        for value, pk in model.objects.values_list(key, "pk").iterator()
        if value in wanted
    }


def build(ctx: DemoContext) -> int:
    """Write the units, officers and assignments of ``ctx.spec``; return the rows written."""
    if (
        SubBureau.objects.exists()
        or Station.objects.exists()
        or GridCell.objects.exists()
        or OfficerProfile.objects.exists()
    ):
        raise CommandError(
            "The unit and officer tables already hold data that no demo build recorded; "
            "run generate_demo with --reset to replace it."
        )
    plan = plan_grid(ctx.spec, ctx.rng("grid"))
    User = get_user_model()

    sub_bureaus = SubBureau.objects.bulk_create(
        [
            SubBureau(code=u.code, name=u.name, address=u.address, phone=u.phone)
            for u in plan.sub_bureaus
        ],
        batch_size=BATCH_SIZE,
    )
    sb_ids = _ids(SubBureau, "code", sub_bureaus)
    stations = Station.objects.bulk_create(
        [
            Station(
                code=u.code,
                name=u.name,
                sub_bureau_id=sb_ids[u.parent_code],
                address=u.address,
                phone=u.phone,
            )
            for u in plan.stations
        ],
        batch_size=BATCH_SIZE,
    )
    station_ids = _ids(Station, "code", stations)
    communities = Community.objects.bulk_create(
        [
            Community(code=u.code, name=u.name, station_id=station_ids[u.parent_code])
            for u in plan.communities
        ],
        batch_size=BATCH_SIZE,
    )
    community_ids = _ids(Community, "code", communities)
    cells = GridCell.objects.bulk_create(
        [
            GridCell(
                code=c.code,
                name=c.name,
                community_id=community_ids[c.community_code],
                boundary=c.boundary,
                household_count=c.household_count,
            )
            for c in plan.cells
        ],
        batch_size=BATCH_SIZE,
    )
    cell_ids = _ids(GridCell, "code", cells)
    rows = len(sub_bureaus) + len(stations) + len(communities) + len(cells)

    rows += _write_admin(ctx, User)
    users = User.objects.bulk_create(
        [
            User(
                username=o.username,
                password=ctx.password_hash,
                first_name=o.first_name,
                last_name=o.last_name,
                is_staff=False,
                is_superuser=False,
                is_active=True,
            )
            for o in plan.officers
        ],
        batch_size=BATCH_SIZE,
    )
    user_ids = _ids(User, "username", users)
    profiles = OfficerProfile.objects.bulk_create(
        [
            OfficerProfile(
                user_id=user_ids[o.username],
                tier=o.tier,
                sub_bureau_id=sb_ids[o.unit_code] if o.tier == Tier.SUB_BUREAU_STAFF else None,
                station_id=station_ids[o.unit_code] if o.tier != Tier.SUB_BUREAU_STAFF else None,
                badge_number=o.badge_number,
                phone=o.phone,
            )
            for o in plan.officers
        ],
        batch_size=BATCH_SIZE,
    )
    assignments = GridAssignment.objects.bulk_create(
        [
            GridAssignment(
                grid_cell_id=cell_ids[a.cell_code],
                officer_id=user_ids[a.username],
                role=a.role,
                valid_from=a.valid_from,
                valid_to=a.valid_to,
                assigned_by_id=user_ids[a.assigned_by],
                reason=a.reason,
            )
            for a in plan.assignments
        ],
        batch_size=BATCH_SIZE,
    )
    rows += len(users) + len(profiles) + len(assignments)
    ctx.log(
        f"  grid: sub-bureaus {len(sub_bureaus)}, stations {len(stations)}, "
        f"communities {len(communities)}, grid cells {len(cells)}, officers {len(profiles)}, "
        f"assignments {len(assignments)}"
    )
    return rows


def _write_admin(ctx: DemoContext, User) -> int:
    """The demo administrator; an existing ``admin`` gets the demo password and rights."""
    admin = User.objects.filter(username=ADMIN_USERNAME).first()
    if admin is None:
        admin = User(username=ADMIN_USERNAME)
    admin.password = ctx.password_hash
    admin.first_name, admin.last_name = "管理员", "系统"
    admin.is_staff = admin.is_superuser = admin.is_active = True
    admin.save()
    return 1


def reset(ctx: DemoContext) -> None:
    """Delete the grid step's data: all units, officers, assignments, ``admin`` and DemoBuild.

    Runs after the later steps' resets, so nothing of theirs points at these rows any more.
    """
    User = get_user_model()
    GridAssignment.objects.all().delete()
    demo_users = User.objects.filter(
        Q(officer_profile__isnull=False, is_superuser=False) | Q(username=ADMIN_USERNAME)
    )
    demo_users.delete()
    OfficerProfile.objects.all().delete()  # profiles of superusers that are not demo users
    GridCell.objects.all().delete()
    Community.objects.all().delete()
    Station.objects.all().delete()
    SubBureau.objects.all().delete()
    DemoBuild.objects.all().delete()
    ctx.log("  grid: units, officers and assignments deleted")
