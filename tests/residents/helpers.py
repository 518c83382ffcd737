# ruff: noqa: RUF001  (Chinese test text uses full-width punctuation)
"""Test data for the residents app: residents with valid ID numbers, concerns, imports."""

from __future__ import annotations

import itertools
from datetime import date

from residents.idnumbers import make_id_number
from residents.models import Concern, Household, Resident, Tag
from residents.standard_tags import ensure_standard_tags

_sequence = itertools.count(100)

HOME_ID = make_id_number("110101", date(1980, 1, 1), 123)  # 110101198001011232
HOME_PHONE = "13812345678"


def id_number(seq: int | None = None, *, year: int = 1985) -> str:
    seq = next(_sequence) if seq is None else seq
    return make_id_number("110101", date(year, 1 + seq % 12, 1 + seq % 28), seq % 1000)


def make_resident(world, cell: str = "A1-G1", *, name: str = "张三", tags=(), **fields) -> Resident:
    fields.setdefault("id_number", id_number())
    fields.setdefault("phone", "13900001111")
    resident = Resident(name=name, grid_cell=world.cells[cell], **fields)
    resident.full_clean()
    resident.save()
    if tags:
        resident.tags.set(Tag.objects.filter(code__in=tags))
    return resident


def home_resident(world) -> Resident:
    """The resident of the home cell A1-G1 that the access matrix looks for."""
    resident = Resident.objects.filter(id_number=HOME_ID).first()
    if resident is None:
        ensure_standard_tags()
        household = Household.objects.create(
            number="HH-HOME", grid_cell=world.home_cell, address="南山区海德三道1号"
        )
        resident = make_resident(
            world,
            name="李家宝",
            id_number=HOME_ID,
            phone=HOME_PHONE,
            address="南山区海德三道1号",
            household=household,
            tags=("elderly-alone", "drug-user"),
        )
    return resident


def make_concern(world, cell: str | None = "A1-G1", *, community: str = "A1", **fields) -> Concern:
    fields.setdefault("category", "noise")
    fields.setdefault("description", "楼上深夜装修，噪音很大。")
    fields.setdefault("tracking_code", f"TEST{next(_sequence):012d}")
    return Concern.objects.create(
        station=world.stations[community],
        community=world.communities[community],
        grid_cell=world.cells[cell] if cell else None,
        **fields,
    )


def home_concern(world) -> Concern:
    concern = Concern.objects.filter(description="HOME-CONCERN 楼下有人聚集").first()
    if concern is None:
        concern = make_concern(world, description="HOME-CONCERN 楼下有人聚集")
    return concern
