"""The register's demo step: a month of nightly snapshots and one sign-off.

Runs last (after the risk points, visits and concerns it reads). It computes the register
for a few past dates and today with the same service the nightly task calls, so the pages
show trends and a history chart at once; the past snapshots are computed from today's
inventory (the demo has no older states of the risk points), with the visit and concern
windows of each date. The demo station chief signs off yesterday's register of their station,
so today's page shows whether the sign-off still holds.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from grid.demo import DemoContext
from risks.register import services
from risks.register.models import (
    RegisterCurrent,
    RegisterEntry,
    RegisterPointScore,
    RegisterRollup,
    RegisterRun,
    RegisterRunPart,
    RegisterSignOff,
    RunTrigger,
)

DAYS_BACK = (30, 21, 14, 7, 3, 1, 0)
SIGNING_CHIEF = "chief01"


def build(ctx: DemoContext) -> int:
    today = timezone.localdate()
    rows = 0
    yesterday_run = None
    for days in DAYS_BACK:
        run = services.register_compute(
            for_date=today - timedelta(days=days), trigger=RunTrigger.DEMO
        )
        if run is None:
            continue
        rows += run.cells + run.points
        if days == 1:
            yesterday_run = run
    ctx.log(f"  register: {len(DAYS_BACK)} snapshots, {rows} rows")
    chief = get_user_model().objects.filter(username=SIGNING_CHIEF).first()
    profile = getattr(chief, "officer_profile", None) if chief else None
    if yesterday_run is not None and profile is not None and profile.station_id:
        services.register_sign_off(
            actor=chief,
            station=profile.station,
            run=yesterday_run,
            comment="晨会已审核; 红色网格已安排专人跟进",
        )
        rows += 1
    return rows


def reset(ctx: DemoContext) -> None:
    RegisterSignOff.objects.all().delete()
    RegisterCurrent.objects.all().delete()
    for model in (RegisterEntry, RegisterPointScore, RegisterRollup, RegisterRunPart):
        model.objects.all().delete()
    RegisterRun.objects.all().delete()
    ctx.log("  register: snapshots and sign-offs deleted")
