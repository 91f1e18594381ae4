"""The transport interface the outbox delivers through.

A transport turns one :class:`~apps.integrations.models.OutboxMessage` into one external call.
It returns a :class:`DeliveryResult` on success and raises :class:`TransportError` otherwise;
``permanent=True`` means retrying cannot help (the message goes dead at once), and
``retry_after`` (seconds) asks the outbox not to try again before then.

Transports register by name. A built-in transport lives in
``apps/integrations/transports/<name>.py`` and registers itself on import::

    @register
    class EmailTransport(Transport):
        name = "email"

        def deliver(self, message) -> DeliveryResult: ...

:func:`get` imports that module on first use, so nothing has to list the transports.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from apps.integrations.models import OutboxMessage


@dataclass
class DeliveryResult:
    """What the receiver answered to a successful delivery (kept on the attempt)."""

    status_code: int | None = None
    response_body: str = ""
    detail: str = ""


class TransportError(Exception):
    """A failed delivery. ``permanent`` errors are not retried."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None,
                 status_code: int | None = None, response_body: str = "") -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.status_code = status_code
        self.response_body = response_body


class Transport:
    """Base class: subclasses set ``name`` and implement :meth:`deliver`."""

    name: ClassVar[str] = ""

    def deliver(self, message: OutboxMessage) -> DeliveryResult:
        raise TransportError(f"transport {self.name!r} cannot deliver", permanent=True)

    def on_dead(self, message: OutboxMessage) -> None:
        """Called (outside the delivery transaction) when a message of this transport goes dead."""


class UnknownTransport(LookupError):
    """No transport of that name is registered or importable."""


_registry: dict[str, Transport] = {}


def register(cls: type[Transport]) -> type[Transport]:
    """Class decorator: register one instance of ``cls`` under ``cls.name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    _registry[cls.name] = cls()
    return cls


def get(name: str) -> Transport:
    if name not in _registry:
        if not name.isidentifier():
            raise UnknownTransport(name)
        try:
            importlib.import_module(f"apps.integrations.transports.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"apps.integrations.transports.{name}":
                raise
        if name not in _registry:
            raise UnknownTransport(name)
    return _registry[name]


def registered() -> list[str]:
    return sorted(_registry)
