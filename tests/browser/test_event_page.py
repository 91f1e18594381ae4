"""The event page as a person uses it: a checklist tick survives a reload; a collision offers slots."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.test_entries_in_the_admin import add_calendar, add_entry


def test_a_checklist_tick_survives_a_reload_without_save(page):
    add_calendar(page, "tasks", "Europe/Berlin")
    add_entry(page, "Prepare review", "tasks", "2099-03-02", "10:00", "11:00")
    page.click("#result_list a:text('Prepare review')")
    for text in ("Book room", "Send agenda"):
        page.fill("#checklist-new", text)
        page.click("#checklist-add")
        expect(page.locator("#checklist li", has_text=text)).to_be_visible()
    page.locator("#checklist li", has_text="Book room").locator("input.tick").check()
    expect(page.locator("#checklist-message")).to_have_text("Saved.")
    expect(page.locator("#checklist li", has_text="Book room")).to_contain_text("done ")
    page.reload()
    expect(page.locator("#checklist li", has_text="Book room").locator("input.tick")).to_be_checked()
    expect(page.locator("#checklist li", has_text="Send agenda").locator("input.tick")).not_to_be_checked()
    shot(page, "event-checklist")


def test_an_auto_plan_collision_offers_slots_and_move_here_moves_it(page):
    add_calendar(page, "plan", "Europe/Berlin", mode="auto_plan")
    add_entry(page, "Busy block", "plan", "2099-03-03", "09:00", "10:00")
    add_entry(page, "Interview", "plan", "2099-03-03", "09:30", "10:00")
    page.goto("/admin/events/event/?q=Interview")
    page.click("#result_list a:text('Interview')")
    expect(page.locator("#conflicts-panel")).to_contain_text("Busy block")
    shot(page, "event-conflict-slots")
    first = page.locator("button.move-here").first
    label = first.inner_text()
    when = re.search(r"Move here: (.*)", label).group(1)
    first.click()
    expect(page.locator(".messagelist")).to_contain_text(f"Moved to {when}.")
    expect(page.locator("#conflicts-panel")).to_contain_text("No conflicts.")
