"""How the admin shows dates and times: weekday first, 24-hour clock, and the zone named.

Django's English default ("Dec. 6, 2026, 10:41 p.m.") names no zone, so a reader cannot tell a
server-time value from a local one. Event times are shown in their own zone by the event pages;
these formats cover every other date-time the admin prints (created at, sent at, next run …).
"""

DATE_FORMAT = "D d M Y"
DATETIME_FORMAT = "D d M Y H:i T"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
TIME_FORMAT = "H:i"
