"""As a person clicks: whitelist entry + ACTION entry, a refused ACTION, a Berlin 09:30 stand-up."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import shot


def add_calendar(page, pk: str, zone: str, mode: str = "free", screenshot: str = "") -> None:
    page.goto("/admin/events/calendar/add/")
    page.fill("#id_id", pk)
    page.fill("#id_name", pk.title())
    page.fill("#id_timezone", zone)
    page.select_option("#id_default_mode", mode)
    expect(page.locator("#id_hours_mon")).to_have_value("09:00-17:00")
    expect(page.locator("#id_hours_sat")).to_have_value("")
    if screenshot:
        shot(page, screenshot)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")


def add_entry(page, title: str, calendar: str, day: str, start: str, end: str) -> None:
    page.goto("/admin/events/event/add/")
    page.fill("#id_title", title)
    page.select_option("#id_calendar", calendar)
    page.fill("#id_start_time_0", day)
    page.fill("#id_start_time_1", start)
    page.fill("#id_end_time_0", day)
    page.fill("#id_end_time_1", end)
    page.click("input[name=_save]")


def test_an_action_entry_becomes_a_command_and_a_refused_one_says_why(page):
    page.goto("/admin/whitelists/whitelist/add/")
    page.fill("#id_system", "N8N")
    page.fill("#id_action", "BACKUP")
    page.fill("#id_param_0_name", "keep")
    page.select_option("#id_param_0_type", "int")
    shot(page, "whitelist-form")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    add_calendar(page, "ops", "Europe/Berlin")

    add_entry(page, "ACTION: BACKUP N8N keep=3", "ops", "2026-12-07", "09:00", "09:15")
    expect(page).to_have_url(re.compile(r"/admin/commands/command/\d+/change/$"))
    expect(page.locator(".messagelist")).to_contain_text("(BACKUP → N8N)")
    shot(page, "command-from-entry")

    add_entry(page, "ACTION: WIPE N8N", "ops", "2026-12-07", "09:00", "09:15")
    expect(page.locator(".errorlist")).to_contain_text("Refused by command_handler")
    expect(page.locator("#id_title")).to_have_value("ACTION: WIPE N8N")
    shot(page, "entry-refused")
    page.goto("/admin/commands/command/")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)

    page.goto("/admin/workflows/workflow/add/")
    page.fill("#id_name", "Backup again")
    page.select_option("#id_trigger", "N8N|BACKUP")
    page.select_option("#id_follow_up", "N8N|BACKUP")
    page.fill("#id_param_0_name", "keep")
    page.fill("#id_param_0_value", "three")
    page.click("input[name=_save]")
    expect(page.locator(".errorlist")).to_contain_text("parameter 'keep' must be of type int")
    shot(page, "workflow-refused")
    # The picker inserts the trigger's parameter as a placeholder.
    page.goto("/admin/workflows/workflow/add/")
    page.fill("#id_name", "Backup again")
    page.select_option("#id_trigger", "N8N|BACKUP")
    page.select_option("#id_follow_up", "N8N|BACKUP")
    page.fill("#id_param_0_name", "keep")
    page.focus("#id_param_0_value")
    page.select_option("select[data-for=id_param_0_value]", "command.params.keep")
    expect(page.locator("#id_param_0_value")).to_have_value("{{command.params.keep}}")
    shot(page, "workflow-form")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    page.goto("/admin/commands/command/add/")
    page.select_option("#id_entry", label="BACKUP on N8N")
    page.click("button:text('Choose')")
    page.fill("#id_keep", "5")
    shot(page, "command-add")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("(BACKUP → N8N) queued.")


def test_a_berlin_standup_reads_0930_with_its_zone_everywhere(page):
    add_calendar(page, "berlin", "Europe/Berlin", screenshot="calendar-form")
    add_entry(page, "Stand-up", "berlin", "2026-12-07", "09:30", "09:45")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    page.goto("/admin/events/event/?calendar__id__exact=berlin")
    expect(page.locator("#result_list")).to_contain_text("Mon 07 Dec 2026 09:30 Europe/Berlin")
    shot(page, "event-list")
    page.click("#result_list a:text('Stand-up')")
    expect(page.locator("#id_start_time_1")).to_have_value("09:30:00")
    expect(page.locator("div.fieldBox.field-start_time")).to_contain_text("Europe/Berlin")
    shot(page, "event-form")
    page.goto("/admin/calendar/?calendar=berlin&date=2026-12-07&view=timeGridWeek")
    expect(page.locator("#cal-zone")).to_have_text("Europe/Berlin")
    event = page.locator(".fc-event", has_text="Stand-up")
    expect(event).to_contain_text("09:30")
    shot(page, "calendar-week")
