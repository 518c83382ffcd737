"""Small builders for visit tests: residents in the world's grid cells, visits on a date."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from grid.models import GridVisit, VisitType

_numbers = itertools.count(1)


def make_resident(cell, name: str, *, tags: tuple[str, ...] = ()):
    from residents.models import Resident

    n = next(_numbers)
    resident = Resident.objects.create(
        name=name,
        id_number=f"440305199001{n:05d}X"[:18],
        birth_date=date(1990, 1, 1),
        sex="F",
        address=f"{cell.name} {n}号",
        grid_cell=cell,
    )
    if tags:
        resident.tags.set([_tag(code) for code in tags])
    return resident


def _tag(code: str):
    """A standard tag; transactional tests flush the rows the data migration wrote."""
    import importlib

    from residents.models import Tag

    standard = importlib.import_module("residents.migrations.0002_standard_tags").STANDARD_TAGS
    _, name, kind, days = next(row for row in standard if row[0] == code)
    tag, _ = Tag.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "visit_every_days": days}
    )
    return tag


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def make_visit(
    cell, officer, day: date, *, residents=(), visit_type=VisitType.DOOR_TO_DOOR, **extra
):
    started = local(day)
    visit = GridVisit.objects.create(
        grid_cell=cell,
        officer=officer,
        visit_type=visit_type,
        started_at=started,
        ended_at=started + timedelta(minutes=45),
        **extra,
    )
    if residents:
        visit.residents_met.set(residents)
    return visit
