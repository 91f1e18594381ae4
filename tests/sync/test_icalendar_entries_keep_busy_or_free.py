"""CalDAV and feed entries: ``TRANSP`` and the account's declined ``PARTSTAT`` come in as
transparent, and write-back sets ``TRANSP``."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Event as IEvent
from icalendar import vCalAddress

from apps.events.models import Event
from apps.sync import ical


def _vevent(*, transp: str | None = None, partstat: str | None = None) -> IEvent:
    item = IEvent()
    item.add("uid", "x@example.com")
    item.add("summary", "Review")
    item.add("dtstart", datetime(2027, 3, 1, 9, tzinfo=UTC))
    item.add("dtend", datetime(2027, 3, 1, 10, tzinfo=UTC))
    if transp:
        item.add("transp", transp)
    if partstat:
        me = vCalAddress("mailto:me@example.com")
        me.params["PARTSTAT"] = partstat
        item.add("attendee", me, encode=0)
    return IEvent.from_ical(item.to_ical())


def _read(component, **kwargs) -> str:
    return ical.to_remote([component], external_id="x", etag="", calendar_tz="UTC", **kwargs).transparency


def test_transp_and_the_accounts_decline_come_in_as_transparent():
    assert _read(_vevent()) == "opaque"
    assert _read(_vevent(transp="TRANSPARENT")) == "transparent"
    assert _read(_vevent(partstat="DECLINED"), own_addresses=["me@example.com"]) == "transparent"
    assert _read(_vevent(partstat="ACCEPTED"), own_addresses=["me@example.com"]) == "opaque"


def test_write_back_sets_transp_and_reading_it_again_keeps_it():
    event = Event(title="Hold", start_time=datetime(2027, 3, 1, 9, tzinfo=UTC),
                  end_time=datetime(2027, 3, 1, 10, tzinfo=UTC), timezone="UTC", transparency="transparent")
    component = _vevent()
    ical.apply_body(component, ical.body_for(event), datetime(2027, 2, 1, tzinfo=UTC))
    assert str(component["TRANSP"]) == "TRANSPARENT"
    assert _read(IEvent.from_ical(component.to_ical())) == "transparent"
    event.transparency = "opaque"
    ical.apply_body(component, ical.body_for(event), datetime(2027, 2, 1, tzinfo=UTC))
    assert _read(IEvent.from_ical(component.to_ical())) == "opaque"
