"""The e-mail log says on its list why each message failed."""

from __future__ import annotations

import pytest

from apps.integrations.email.models import EmailMessageLog

pytestmark = pytest.mark.django_db


def test_the_log_lists_each_failed_messages_error(admin_client):
    EmailMessageLog.objects.create(to=["ada@example.com"], from_email="c@example.com", subject="Invite",
                                   message_id="<1@example.com>", status="failed",
                                   error="550 5.1.1 <ada@example.com>: mailbox unavailable")
    EmailMessageLog.objects.create(to=["bob@example.com"], from_email="c@example.com", subject="Minutes",
                                   message_id="<2@example.com>", status="sent")
    page = admin_client.get("/admin/integrations/emailmessagelog/").content.decode()
    assert '<th scope="col" class="column-error_text">' in page
    assert "550 5.1.1 &lt;ada@example.com&gt;: mailbox unavailable" in page
