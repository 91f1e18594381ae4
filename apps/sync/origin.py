"""A flag telling the write-back receivers "this change came from the source itself"."""

from __future__ import annotations

import contextlib
import contextvars

_applying_remote: contextvars.ContextVar[bool] = contextvars.ContextVar("chronos_sync_applying", default=False)


def applying_remote() -> bool:
    return _applying_remote.get()


@contextlib.contextmanager
def remote_changes():
    """Saves and deletes inside this block are not pushed back to the source."""
    token = _applying_remote.set(True)
    try:
        yield
    finally:
        _applying_remote.reset(token)
