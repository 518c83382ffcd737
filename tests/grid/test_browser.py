"""The portal shell in a real browser: a 360-pixel phone and a desktop."""

import pytest

from tests.browser import PHONE

pytestmark = pytest.mark.browser


def test_phone_login_navigation_and_no_horizontal_scroll(
    page, live_server, live_world, browser_login, console_errors
):
    page.set_viewport_size(PHONE)
    browser_login("chief_a1")
    assert page.locator('[data-figure="grid_cells"]').inner_text() == "2"
    # Nothing is wider than the phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The menu is collapsed behind the toggler and opens on tap.
    grid_link = page.locator("#nav-main a.nav-link[href='/grid-cells/']")
    assert not grid_link.is_visible()
    page.click("button.navbar-toggler")
    grid_link.wait_for(state="visible")
    grid_link.click()
    page.wait_for_url(f"{live_server.url}/grid-cells/")
    assert page.locator("text=A1-G1").first.is_visible()
    assert page.locator("text=A2-G1").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert console_errors == []


def test_grid_cell_map_draws_the_boundary_without_a_tile_server(
    page, live_server, live_world, browser_login, console_errors
):
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login("officer_a1")
    page.goto(f"{live_server.url}/grid-cells/A1-G1/")
    page.locator("#cell-map path.leaflet-interactive").wait_for()
    assert console_errors == []


def test_language_switch(page, live_server, live_world, browser_login):
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login("chief_a1")
    page.select_option("#language-select", "zh-hans")
    page.wait_for_load_state("load")
    page.locator("html[lang='zh-hans']").wait_for()
    assert "网格" in page.locator("nav").inner_text()
    page.select_option("#language-select", "en")
    page.locator("html[lang='en']").wait_for()
    assert "Grid cells" in page.locator("nav").inner_text()


def test_wrong_password_shows_the_reason(page, live_server, live_world):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "chief_a1")
    page.fill("input[name=password]", "not-the-password")
    page.click("#login-submit")
    assert page.locator("#login-errors").is_visible()


def test_api_docs_render_under_the_content_security_policy(
    page, live_server, live_world, browser_login, console_errors
):
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login("chief_a1")
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(live_server.url) and not request.url.startswith("data:")
            else None
        ),
    )
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .opblock-tag").first.wait_for()
    assert page.locator("text=/api/grid-cells/").first.is_visible()
    assert outside == []
    assert console_errors == []
