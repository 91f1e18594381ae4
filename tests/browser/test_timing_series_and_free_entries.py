"""As a person clicks: a whitelist entry that fires at the start, a timed ACTION entry in the
timed-actions list, a weekly series with its occurrences, and an entry shown as free."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.test_entries_in_the_admin import add_calendar, add_entry


def test_a_timed_action_is_listed_in_the_entrys_zone_before_it_fires(page):
    page.goto("/admin/whitelists/whitelist/add/")
    page.fill("#id_system", "N8N")
    page.fill("#id_action", "SNAPSHOT")
    page.fill("#id_param_0_name", "keep")
    page.select_option("#id_param_0_type", "int")
    page.select_option("#id_fire", "at_start")
    page.fill("#id_fire_offset_minutes", "-10")
    shot(page, "whitelist-timing")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    add_calendar(page, "timing", "Europe/Berlin")

    add_entry(page, "ACTION: SNAPSHOT N8N keep=3", "timing", "2027-01-05", "04:00", "04:30")
    expect(page.locator(".messagelist")).to_contain_text("03:50")
    page.goto("/admin/commands/actionfiring/")
    row = page.locator("#result_list tbody tr", has_text="SNAPSHOT N8N keep=3")
    expect(row).to_contain_text("Tue 05 Jan 2027 03:50 Europe/Berlin")
    shot(page, "timed-actions-upcoming")


def test_a_weekly_series_shows_its_rule_in_words_and_its_next_occurrences(page):
    add_calendar(page, "series", "Europe/Berlin")
    page.goto("/admin/events/event/add/")
    page.fill("#id_title", "Team sync")
    page.select_option("#id_calendar", "series")
    page.fill("#id_start_time_0", "2099-01-05")
    page.fill("#id_start_time_1", "09:30")
    page.fill("#id_end_time_0", "2099-01-05")
    page.fill("#id_end_time_1", "10:00")
    page.fill("#id_recurrence", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    expect(page.locator(".field-recurrence_summary")).to_contain_text("Monday and Wednesday")
    expect(page.locator(".field-next_occurrences")).to_contain_text("09:30")
    shot(page, "event-series")
    page.goto("/admin/events/event/?calendar__id__exact=series")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    shot(page, "event-list-repeats")


def test_an_entry_shown_as_free_is_listed_lighter_and_marked_free(page):
    add_calendar(page, "freebusy", "Europe/Berlin")
    page.goto("/admin/events/event/add/")
    page.fill("#id_title", "Lunch (optional)")
    page.select_option("#id_calendar", "freebusy")
    page.fill("#id_start_time_0", "2099-01-06")
    page.fill("#id_start_time_1", "12:00")
    page.fill("#id_end_time_0", "2099-01-06")
    page.fill("#id_end_time_1", "13:00")
    page.check("input[name=transparency][value=transparent]")
    shot(page, "events-show-as-free-form")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    add_entry(page, "Planning", "freebusy", "2099-01-06", "12:30", "13:30")
    page.goto("/admin/events/event/?calendar__id__exact=freebusy")
    free = page.locator("#result_list tbody tr", has_text="Lunch (optional)")
    expect(free.locator(".chronos-free").first).to_be_visible()
    busy = page.locator("#result_list tbody tr", has_text="Planning")
    expect(busy).to_contain_text("busy")
    expect(busy).not_to_contain_text(re.compile("Lunch"))
    shot(page, "events-show-as-free-list")
