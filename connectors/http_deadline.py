"""A deadline for a whole HTTP exchange: connecting, sending, the headers and the body.

``requests`` bounds each socket operation, not the exchange: a server that sends a byte
before each read times out holds a request for as long as it likes. ``DeadlineAdapter``
starts a timer with each request that shuts the request's socket once the timeout has
passed, which ends whatever read is waiting on it, and then raises ``ResponseTimeout``.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextvars import ContextVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import HTTPResponse


class ResponseTimeout(requests.Timeout):
    """The whole response did not arrive within the deadline; a later try may see it."""


class _Deadline:
    """Shuts the sockets given to ``watch`` once ``seconds`` have passed since it started."""

    def __init__(self, seconds: float) -> None:
        self._at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._over = False
        self._timer = threading.Timer(seconds, self._shut_all)
        self._timer.daemon = True
        self._timer.start()

    @property
    def passed(self) -> bool:
        """Whether the deadline has passed."""
        return time.monotonic() >= self._at

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` at the deadline, or now if it has passed."""
        with self._lock:
            self._sockets.append(sock)
        if self.passed:
            self._shut_all()

    def end(self) -> None:
        """The exchange is over: leave its sockets alone from now on."""
        self._timer.cancel()
        with self._lock:
            self._over = True

    def _shut_all(self) -> None:
        with self._lock:
            if self._over:
                return
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # already closed
                    # The plain socket's shutdown, also for a TLS socket, whose own would
                    # drop its TLS state under the read in progress.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


_current: ContextVar[_Deadline | None] = ContextVar("http_deadline", default=None)


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[_Deadline]:
    deadline = _Deadline(seconds)
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)
        deadline.end()


def _watch(sock: socket.socket | None) -> None:
    """Have the deadline of the exchange under way, if any, shut ``sock``."""
    deadline = _current.get()
    if deadline is not None and sock is not None:
        deadline.watch(sock)


# urllib3's own `getresponse` overrides http.client's with its own response type, hence
# the ignores, as in urllib3.
class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        _watch(self.sock)
        return super().getresponse()


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        _watch(self.sock)
        return super().getresponse()


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """Sends each request with a numeric ``timeout`` within that many seconds in all.

    The body is read within the deadline too, unless the request streams it. Connections
    through a proxy are not watched: there the deadline is checked once the answer is in.
    """

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: object
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        if not isinstance(timeout, (int, float)):
            return super().send(request, stream, timeout, verify, cert, proxies)
        with _deadline(timeout) as deadline:
            try:
                response = super().send(request, stream, timeout, verify, cert, proxies)
                if not stream:
                    _ = response.content  # the body, too, is read within the deadline
            except requests.RequestException as exc:
                if deadline.passed:
                    raise ResponseTimeout(_too_late(timeout), request=request) from exc
                raise
            if deadline.passed:  # a body without a length ends where its socket was shut
                response.close()
                raise ResponseTimeout(_too_late(timeout), request=request)
        return response


def _too_late(seconds: float) -> str:
    return f"no complete response within {seconds:g} s (`timeout_seconds`)"
