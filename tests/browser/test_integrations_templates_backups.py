"""Template preview, an honest test send against a real SMTP server, and backup now → download."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import shot


def test_an_email_template_previews_with_sample_data_and_a_test_send_is_honest(page, smtp):
    page.goto("/admin/templates/template/add/")
    page.select_option("#id_type", "email")
    expect(page.locator(".placeholder-list[data-type=email]")).to_be_visible()
    expect(page.locator(".placeholder-list[data-type=webhook]")).to_be_hidden()
    page.fill("#id_title", "Invitation")
    page.fill("#id_subject", "Invitation: ")
    page.click(".placeholder-list[data-type=email] .placeholder-key[data-key='event.title']")
    expect(page.locator("#id_subject")).to_have_value("Invitation: {{event.title}}")
    page.fill("#id_body_text", "See you on {{event.start_date}} in {{event.location}}; it starts {{event.start_time}}.")
    expect(page.locator("#chronos-preview-info")).to_have_text("Subject: Invitation: Quarterly review")
    expect(page.frame_locator("#chronos-preview-frame").locator("pre")).to_have_text(
        "See you on Mon 3 Mar 2025 in Room 4; it starts Mon 3 Mar 2025, 10:00 Europe/Berlin.")
    shot(page, "template-form")
    # A mistyped placeholder is named once, with the one meant.
    page.fill("#id_subject", "Invitation: {{event.titel}}")
    page.click("input[name=_continue]")
    expect(page.locator(".errorlist")).to_have_count(1)
    expect(page.locator(".errorlist")).to_contain_text("Did you mean {{event.title}}?")
    page.fill("#id_subject", "Invitation: {{event.title}}")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    page.fill("input[name=test_address]", "ada@example.com")
    page.click("button:text('Send test e-mail')")
    expect(page.locator(".messagelist")).to_contain_text("sent to ada@example.com: the mail server accepted it")
    assert any(m.rcpt_tos == ["ada@example.com"] for m in smtp.messages)

    page.goto("/admin/integrations-status/")
    expect(page.locator("#smtp-state")).to_contain_text("last delivery OK")
    page.click("#test-connection")  # the page probes the mail server only when asked
    expect(page.locator(".messagelist")).to_contain_text(f"The mail server at 127.0.0.1:{smtp.port} answers.")
    shot(page, "integrations")
    smtp.stop()
    page.fill("#id_address", "alan@example.com")
    page.click("#test-send")
    expect(page.locator(".messagelist")).to_contain_text("No mail server configured at 127.0.0.1:")
    expect(page.locator(".messagelist")).to_contain_text("Nothing was sent.")
    assert not any(m.rcpt_tos == ["alan@example.com"] for m in smtp.messages)


def test_backup_now_then_download(page):
    page.goto("/admin/backups/backup/")
    expect(page.locator("#backup-summary")).to_contain_text("Keeps 7 daily, 4 weekly, 12 monthly")
    page.click("button.backup-now")
    expect(page.locator(".messagelist")).to_contain_text("started")
    link = page.locator("#result_list a:text('download')")
    expect(link).to_be_visible(timeout=60000)  # the page refreshes itself until the worker is done
    shot(page, "backups")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert re.match(r"chronos-.*\\.zip$", download.suggested_filename) or download.suggested_filename.endswith(".zip")
    assert download.path().stat().st_size > 1000
