"""Objects by the numeric id in an API path: anything that is not a plausible id is a 404 naming
what was looked for, never a 500 (an id past the database's integer range would raise there)."""

from __future__ import annotations

from rest_framework import exceptions

MAX_ID = 2**62


def path_id(raw, what: str = "object") -> int:
    """A path id as int, or a 404 ``No <what> with this id.``."""
    text = str(raw)
    if not text.isdigit() or len(text) > 19 or int(text) > MAX_ID:
        raise exceptions.NotFound(f"No {what} with this id.")
    return int(text)


class IdLookupMixin:
    """``get_object`` by a plain numeric id: a 404 naming ``noun`` for a missing or implausible one."""

    noun = "object"

    def get_object(self):
        obj = self.get_queryset().filter(pk=path_id(self.kwargs["pk"], self.noun)).first()
        if obj is None:
            raise exceptions.NotFound(f"No {self.noun} with this id.")
        self.check_object_permissions(self.request, obj)
        return obj
