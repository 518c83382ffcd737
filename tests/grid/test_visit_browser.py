"""The visit flow on a 360-pixel phone: my day, the form, a dropped connection, the saved visit."""

import re

import pytest

from grid.models import GridVisit
from tests.browser import PHONE
from tests.grid.visit_factories import make_resident

pytestmark = pytest.mark.browser


def _real_errors(errors):
    # The browser reports the request that failed while offline; that is the test's doing.
    return [
        e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e and "Failed to fetch" not in e
    ]


def test_visit_survives_a_dropped_connection(
    page, live_server, live_world, browser_login, console_errors
):
    make_resident(live_world.home_cell, "孙老伯", tags=("elderly-alone",))
    page.set_viewport_size(PHONE)
    browser_login("officer_a1")
    page.goto(f"{live_server.url}/day/")
    cell = page.locator('[data-cell="A1-G1"]')
    assert "never visited" in cell.inner_text()
    assert "孙老伯" in page.locator('[data-testid="care-due"]').inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    cell.locator('a[href$="/visits/new/?cell=A1-G1"]').click()
    page.wait_for_url(re.compile(r"/visits/new/\?cell=A1-G1"))

    page.get_by_text("Publicity talk").click()
    page.fill("#id_households_reached", "8")
    with page.expect_response(lambda response: "/visits/residents/" in response.url):
        page.fill("#resident-search", "孙")
    page.locator('[data-pick-resident]:has-text("孙老伯")').click()
    assert "孙老伯" in page.locator('[data-testid="residents-chosen"]').inner_text()
    page.fill("#id_notes", "反诈宣传 楼下小广场")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The connection drops as the officer taps Save: nothing is lost and nothing is saved.
    page.context.set_offline(True)
    page.click("#visit-submit")
    page.locator('[data-testid="visit-offline"]').wait_for(state="visible")
    draft = page.evaluate(
        "JSON.parse(localStorage.getItem(document.getElementById('visit-form').dataset.draftKey))"
    )
    assert draft["fields"]["notes"] == ["反诈宣传 楼下小广场"]
    assert [r["id"] for r in draft["residents"]] == [str(live_world.home_cell.residents.get().pk)]
    assert GridVisit.objects.count() == 0

    # Back online: the form sends itself again and lands on the saved visit.
    page.context.set_offline(False)
    page.click("#visit-retry")
    page.wait_for_url(re.compile(r"/visits/\d+/\?saved=1"))
    assert "反诈宣传 楼下小广场" in page.content()
    assert "孙老伯" in page.locator('[data-testid="visit-residents"]').inner_text()
    visit = GridVisit.objects.get()
    assert (visit.visit_type, visit.households_reached) == ("publicity", 8)
    draft_key = f"visit-draft:{live_world.user('officer_a1').pk}"
    assert page.evaluate("key => localStorage.getItem(key)", draft_key) is None
    if (
        "risk_point_create" in page.content()
        or page.locator('[data-testid="raise-risk-point"]').count()
    ):
        assert f"visit={visit.pk}" in page.locator(
            '[data-testid="raise-risk-point"]'
        ).get_attribute("href")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert _real_errors(console_errors) == []

    # The day page now shows the cell as visited today.
    page.goto(f"{live_server.url}/day/")
    assert "visited today" in page.locator('[data-cell="A1-G1"]').inner_text()


def test_an_unsent_visit_comes_back_after_a_reload(
    page, live_server, live_world, browser_login, console_errors
):
    page.set_viewport_size(PHONE)
    browser_login("officer_a1")
    page.goto(f"{live_server.url}/visits/new/?cell=A1-G1")
    page.fill("#id_findings", "电动车楼道充电")
    page.reload()
    page.locator('[data-testid="visit-draft-restored"]').wait_for(state="visible")
    assert page.input_value("#id_findings") == "电动车楼道充电"
    page.click("#visit-draft-discard")
    page.wait_for_load_state("load")
    assert page.input_value("#id_findings") == ""
    assert console_errors == []
