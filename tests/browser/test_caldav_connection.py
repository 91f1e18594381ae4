"""As a person clicks: connect a CalDAV account (a real Radicale server on 127.0.0.1), a wrong
password named as such, the account's calendars to tick, the list, and "Test connection"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot


@pytest.fixture(scope="module")
def radicale():
    from tests.sync.radicale import RadicaleServer

    with RadicaleServer() as server:
        yield server


def test_a_caldav_account_is_connected_from_the_admin(page, radicale):
    from tests.sync.radicale import PASSWORD, USER

    radicale.make_calendar("team")
    radicale.make_calendar("private")
    page.goto("/admin/sync/calendarconnection/connect/")
    page.check("input[name=kind][value=caldav]")
    page.fill("#id_url", radicale.base + "/")
    page.fill("#id_username", USER)
    page.fill("#id_password", "wrong")
    page.fill("#id_timezone", "Europe/Berlin")
    page.click("input[name=test]")
    expect(page.locator(".messagelist")).to_contain_text("refused the user name or password (401)")
    expect(page.locator("input[name=add]")).to_have_count(0)
    shot(page, "sync-connect-wrong-password")

    page.fill("#id_password", PASSWORD)
    page.click("input[name=test]")
    expect(page.locator(".messagelist")).to_contain_text("Connected.")
    expect(page.locator("input[name=calendars]")).to_have_count(2)
    page.check(f"input[name=calendars][value='{radicale.base}/{USER}/team/']")
    shot(page, "sync-connect-calendars-found")
    page.click("input[name=add]")
    expect(page).to_have_url(page.url.split("/admin/")[0] + "/admin/sync/calendarconnection/")
    expect(page.locator("#result_list")).to_contain_text(f"{USER}/team")
    expect(page.locator("#result_list")).not_to_contain_text(f"{USER}/private")
    shot(page, "sync-connections-list")

    page.click(f"#result_list a:text('{USER}/team')")
    page.click("button:text('Test connection')")
    expect(page.locator(".messagelist")).to_contain_text("Connected: the calendar holds 0 entries")
    shot(page, "sync-connection-test")
