"""``TRANSP`` in the .ics export, and what a calendar source reads back from an entry."""

from __future__ import annotations

from icalendar import Calendar as ICalendar
from icalendar import Event as IEvent
from icalendar import vCalAddress

from apps.events.ics import transparency_of


def _exported(reader) -> dict[str, IEvent]:
    response = reader.get("/api/v1/events/export.ics", {"calendar": "work"})
    assert response.status_code == 200
    return {str(c["summary"]): c for c in ICalendar.from_ical(response.content).walk("VEVENT")}


def test_the_export_writes_transp_and_reading_it_back_keeps_it(reader, make_event):
    make_event("2025-03-10T09:00", title="Hold", transparency="transparent")
    make_event("2025-03-10T11:00", title="Meeting")
    exported = _exported(reader)
    assert {title: str(item["transp"]) for title, item in exported.items()} == {
        "Hold": "TRANSPARENT", "Meeting": "OPAQUE"}
    assert {title: transparency_of(item) for title, item in exported.items()} == {
        "Hold": "transparent", "Meeting": "opaque"}


def _invitation(partstat: str, address: str = "me@example.com") -> IEvent:
    item = IEvent()
    item.add("summary", "Review")
    me = vCalAddress(f"mailto:{address}")
    me.params["PARTSTAT"] = partstat
    item.add("attendee", me, encode=0)
    other = vCalAddress("mailto:boss@example.com")
    other.params["PARTSTAT"] = "ACCEPTED"
    item.add("attendee", other, encode=0)
    return IEvent.from_ical(item.to_ical())


def test_an_invitation_the_account_declined_reads_as_transparent():
    assert transparency_of(_invitation("DECLINED"), own_addresses=["Me@Example.com"]) == "transparent"
    assert transparency_of(_invitation("ACCEPTED"), own_addresses=["me@example.com"]) == "opaque"


def test_someone_elses_decline_does_not_free_the_time():
    assert transparency_of(_invitation("DECLINED", "kim@example.com"), own_addresses=["me@example.com"]) == "opaque"
    assert transparency_of(_invitation("DECLINED")) == "opaque"  # no account address known
