"""The risk pages in a real browser: the risk map and a risk point's page on a phone."""

import pytest

from risks import services
from tests.browser import PHONE
from tests.risks.helpers import make_overdue, make_risk

pytestmark = pytest.mark.browser


def test_risk_map_draws_cells_points_and_links_without_a_tile_server(
    page, live_server, live_world, browser_login, console_errors
):
    a = make_risk(live_world, title="fire exit", lk=5, sv=5)
    b = make_risk(live_world, title="crowd", lk=2, sv=2)
    services.risk_link_create(
        source=a, target=b, kind="may_trigger", strength="0.6", actor=live_world.user("admin")
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login("chief_a1")
    page.goto(f"{live_server.url}/risks/map/")
    page.locator("#risk-map path.leaflet-interactive").first.wait_for()
    # The cell polygon, two point markers and one link line.
    assert page.locator("#risk-map path.leaflet-interactive").count() >= 4
    assert console_errors == []


def test_risk_point_page_on_a_phone(page, live_server, live_world, browser_login, console_errors):
    point = make_risk(live_world, title="overdue risk", lk=3, sv=4)
    services.measure_create(
        risk_point=point, actor=live_world.user("officer_a1"), description="door-to-door"
    )
    make_overdue(point)
    page.set_viewport_size(PHONE)
    browser_login("officer_a1")
    page.goto(f"{live_server.url}/risks/{point.pk}/")
    assert page.locator('[data-testid="review-overdue"]').is_visible()
    assert page.locator('[data-testid="risk-timeline"] li').count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto(f"{live_server.url}/risks/")
    assert page.locator("text=overdue risk").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert console_errors == []
