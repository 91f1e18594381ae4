"""A requests adapter that connects only to the addresses it has just checked.

Checking a host name and then letting the HTTP library resolve it again leaves a gap: a name with
a short TTL can answer an allowed address to the check and an internal one to the connection
(DNS rebinding). Here one resolution serves both: each new connection resolves the name once,
refuses it if any address is refused (:func:`apps.integrations.netguard.check`), and connects to
exactly those addresses. The URL is unchanged, so the ``Host`` header, TLS SNI and certificate
checks still use the name. A connection kept alive is reused only for the same host and port;
it was checked when it was opened.
"""

from __future__ import annotations

import socket

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection

from apps.integrations import netguard


class _PinnedConnectionMixin:
    host: str
    port: int

    def _new_conn(self) -> socket.socket:
        # Raises netguard.Refused / netguard.Unresolvable, which pass through urllib3 and requests.
        addresses = netguard.check(self.host, self.port)
        failure: OSError | None = None
        for address in addresses:
            try:
                return connection.create_connection(
                    (str(address), self.port), self.timeout,
                    source_address=self.source_address, socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(self, f"Connection to {self.host} ({address}) timed out") from exc
            except OSError as exc:
                failure = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {failure}")


class PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class PinnedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = PinnedHTTPConnection


class PinnedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = PinnedHTTPSConnection


class PinnedAddressAdapter(HTTPAdapter):
    """Mount on a session for every scheme; proxies are not supported (and not wanted here)."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": PinnedHTTPConnectionPool,
                                                   "https": PinnedHTTPSConnectionPool}

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise ValueError("no requests through a proxy here: the proxy would resolve the name again")


def pinned_session() -> requests.Session:
    """A session whose every connection goes to the addresses just checked; environment proxy
    settings are ignored (a proxy would resolve the name again)."""
    s = requests.Session()
    s.trust_env = False
    adapter = PinnedAddressAdapter()
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s
