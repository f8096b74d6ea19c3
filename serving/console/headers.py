"""The headers every answer of the console carries: a browser runs and shows nothing but
the console's own files, puts the console in no other site's frame, takes no file for a
type other than the one it is served as, and tells no one which console page it came from.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS: Final = {
    # The console's pages hold no inline script or style: their style sheet is a file.
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
        "object-src 'none'"
    ),
    # frame-ancestors, for browsers that predate it.
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Not even same-origin: the console reads no Referer, and its addresses hold what
    # stewards search for (names, e-mail addresses).
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders:
    """Middleware that adds `SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)
