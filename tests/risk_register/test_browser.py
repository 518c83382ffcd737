"""The register in a real browser: the map, the history chart, a 360-pixel phone."""

from datetime import timedelta

import pytest

from tests.browser import PHONE
from tests.risk_register.endpoints import register
from tests.risk_register.helpers import AS_OF, compute

pytestmark = pytest.mark.browser


def test_register_on_a_phone_without_horizontal_scroll(
    page, live_server, live_world, browser_login, console_errors
):
    register(live_world)
    page.set_viewport_size(PHONE)
    browser_login("chief_a1")
    page.goto(f"{live_server.url}/register/")
    assert page.locator("text=A1-G1").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto(f"{live_server.url}/register/stations/PS-A1/")
    assert page.locator('[data-testid="sign-off-form"]').is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert console_errors == []


def test_the_map_colours_cells_and_the_cell_page_draws_its_history(
    page, live_server, live_world, browser_login, console_errors
):
    compute(AS_OF - timedelta(days=7))
    register(live_world)
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login("staff_a")
    page.goto(f"{live_server.url}/register/map/")
    page.locator("#register-map[data-loaded='4']").wait_for()
    # Drawn on a canvas (preferCanvas: thousands of cells at city scale).
    assert page.locator("#register-map .leaflet-overlay-pane canvas").count() == 1
    page.goto(f"{live_server.url}/register/cells/A1-G1/")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('register-history'))"
    )
    assert console_errors == []
