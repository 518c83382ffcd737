# ruff: noqa: RUF001  (Chinese test text uses full-width punctuation)
"""A resident files a concern on a phone-sized screen, then checks its status with the code."""

import pytest

from residents.models import Concern
from tests.browser import PHONE

pytestmark = pytest.mark.browser


def test_file_a_concern_on_a_phone_and_check_its_status(
    page, live_server, live_world, console_errors
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/concern/")
    # An empty submit shows the error summary, focused, with links to the fields.
    page.click("#concern-submit")
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.select_option("#id_category", "safety")
    page.fill("#id_description", "楼道里堆满纸箱，电动车在楼道充电，有火灾隐患。")
    page.select_option("#id_community", str(live_world.communities["A1"].pk))
    # The map of the community's grid cells appears; a tap pins the place.
    page.locator("#concern-map path.leaflet-interactive").first.wait_for()
    page.locator("#concern-map").click(position={"x": 60, "y": 60})
    assert page.input_value("#id_latitude") != ""
    page.fill("#id_address", "海德三道1号3栋")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("#concern-submit")
    page.wait_for_url(f"{live_server.url}/concern/sent/")
    code = page.locator("#tracking-code").inner_text().strip()
    assert len(code.replace("-", "")) == 16
    concern = Concern.objects.get()
    assert concern.category == "safety" and concern.latitude is not None

    page.click("text=Check the status")
    page.fill("#id_code", code.lower())
    page.keyboard.press("Enter")
    page.locator("[data-testid=public-status]").wait_for()
    assert "Received" in page.locator("[data-testid=public-status]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert console_errors == []
