# ruff: noqa: RUF001  (Chinese test text uses full-width punctuation)
"""A dispute worked on a 360-pixel phone: from a visit to a resolved case with its timeline."""

import re

import pytest
from django.utils import timezone

from disputes.models import DisputeCase, MediationSession
from tests.browser import PHONE
from tests.grid.visit_factories import make_resident, make_visit

pytestmark = pytest.mark.browser


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _move(page, stage):
    page.locator(f'[data-move="{stage}"]').click()
    page.wait_for_url(re.compile(rf"/disputes/\d+/move/{stage}/"))
    assert _fits(page)
    page.click("#move-submit")
    page.wait_for_url(re.compile(r"/disputes/\d+/$"))


def test_officer_registers_a_dispute_from_a_visit_and_resolves_it(
    page, live_server, live_world, browser_login, console_errors
):
    one = make_resident(live_world.home_cell, "周大伯")
    two = make_resident(live_world.home_cell, "吴阿姨")
    visit = make_visit(
        live_world.home_cell,
        live_world.user("officer_a1"),
        timezone.localdate(),
        residents=[one, two],
        findings="楼上漏水，两家争吵",
    )
    page.set_viewport_size(PHONE)
    browser_login("officer_a1")

    # The visit page offers to register a dispute.
    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    page.locator('[data-testid="register-dispute"]').click()
    page.wait_for_url(re.compile(rf"/disputes/new/\?visit={visit.pk}"))
    assert "From the visit of" in page.locator('[data-testid="from-visit"]').inner_text()
    chosen = page.locator('[data-testid="resident-parties"]').inner_text()
    assert "周大伯" in chosen and "吴阿姨" in chosen
    assert page.input_value("#id_summary") == "楼上漏水，两家争吵"
    page.fill('input[name="party_name"]', "物业公司")
    page.locator("[data-add-outside]").click()
    page.check("#id_threats")
    page.fill("#id_address", "幸福路12号3单元")
    assert _fits(page)
    page.click("#case-submit")
    page.wait_for_url(re.compile(r"/disputes/\d+/$"))
    case = DisputeCase.objects.get(source_visit=visit)
    assert case.parties.count() == 3
    assert page.locator('[data-testid="case-stage"]').inner_text() == "Registered"
    assert "物业公司" in page.locator('[data-testid="case-parties"]').inner_text()
    assert _fits(page)

    # The procedure: screening, mediating, a session with an agreement, resolved.
    _move(page, "screening")
    assert page.locator('[data-testid="case-stage"]').inner_text() == "Screening"
    _move(page, "mediating")
    assert page.locator('[data-testid="case-stage"]').inner_text() == "Mediating"
    page.locator('[data-testid="record-session"]').click()
    page.wait_for_url(re.compile(r"/sessions/new/"))
    page.fill("#id_place", "社区警务室")
    page.fill("#id_participants", "周大伯、吴阿姨、社区民警")
    page.fill("#id_outcome", "楼上负责维修")
    page.check("#id_agreement_reached")
    page.fill("#id_agreement_text", "楼上住户三日内修好水管并赔偿500元。")
    page.set_input_files(
        "#id_agreement_file",
        files=[{"name": "agreement.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}],
    )
    assert _fits(page)
    page.click("#session-submit")
    page.wait_for_url(re.compile(r"/disputes/\d+/$"))
    assert "赔偿500元" in page.locator('[data-testid="agreement-text"]').inner_text()
    assert MediationSession.objects.get(case=case).agreement_file

    page.locator('[data-move="resolved"]').click()
    page.wait_for_url(re.compile(r"/move/resolved/"))
    page.fill("#id_resolution", "双方签订调解协议，楼上已维修")
    page.click("#move-submit")
    page.wait_for_url(re.compile(r"/disputes/\d+/$"))
    assert page.locator('[data-testid="case-stage"]').inner_text() == "Resolved"

    # The timeline shows every step, newest first.
    timeline = page.locator('[data-testid="case-timeline"]')
    text = timeline.inner_text()
    for line in ("Mediating → Resolved", "Screening → Mediating", "Registered → Screening"):
        assert line in text
    assert "Mediation session" in text and "双方签订调解协议" in text
    assert timeline.locator("li").count() >= 5
    assert _fits(page)

    # The visit page lists the case made from it.
    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    assert case.reference in page.locator('[data-testid="visit-disputes"]').inner_text()
    assert console_errors == []
