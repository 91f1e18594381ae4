"""Who is acting right now: request id, ip and actor, carried in a context variable.

The request middleware opens a context per request; authentication fills in the actor.
Outside requests (worker tasks, management commands) the actor defaults to ``system``
and can be named with :func:`acting_as`.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class AuditContext:
    actor: str = "system"
    actor_name: str = "system"
    scope: str = ""
    ip: str = ""
    request_id: str = ""


# AuditContext is a frozen dataclass, so sharing one default instance is safe.
_current: contextvars.ContextVar[AuditContext] = contextvars.ContextVar(
    "chronos_audit", default=AuditContext()  # noqa: B039
)


def current() -> AuditContext:
    return _current.get()


def begin(*, request_id: str = "", ip: str = "") -> contextvars.Token:
    return _current.set(AuditContext(actor="anonymous", actor_name="anonymous", request_id=request_id, ip=ip))


def end(token: contextvars.Token) -> None:
    _current.reset(token)


def set_actor(*, actor: str, actor_name: str, scope: str = "") -> None:
    # Every API request comes here: built from the fields directly, a fraction of what
    # dataclasses.replace costs.
    _current.set(AuditContext(**{**vars(_current.get()), "actor": actor, "actor_name": actor_name, "scope": scope}))


@contextlib.contextmanager
def acting_as(actor: str, actor_name: str | None = None, scope: str = ""):
    token = _current.set(replace(_current.get(), actor=actor, actor_name=actor_name or actor, scope=scope))
    try:
        yield
    finally:
        _current.reset(token)
