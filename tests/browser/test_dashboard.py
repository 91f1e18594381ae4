"""The dashboard is the admin's first page: tiles that lead where to act."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import shot


def test_the_dashboard_shows_the_tiles_and_links_to_filtered_lists(page):
    page.goto("/admin/")
    expect(page.locator(".tile")).to_have_count(6)
    expect(page.locator(".dash-table caption").first).to_have_text("Calendar sync")
    expect(page.locator("text=Operations")).to_be_visible()
    shot(page, "dashboard")
    page.click(".tile a:has-text('Commands failed')")
    assert "status__exact=FAILED" in page.url
