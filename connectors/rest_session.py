"""The HTTP session a REST source is read through: it goes only to the source's origin.

The origin is the scheme, host and port of the source's ``url``. The source's credentials
are meant for it alone, so no request goes anywhere else, with or without them: not to a
next page linked elsewhere, not through a redirect elsewhere. Each request is also
bounded as a whole by its timeout (see ``connectors.http_deadline``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests

from connectors.exceptions import SourceRefused
from connectors.http_deadline import DeadlineAdapter

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Origin:
    """Where a URL's requests go: ``https://api.example.com`` (port 443)."""

    scheme: str
    host: str
    port: int | None

    @classmethod
    def of(cls, url: str) -> Origin:
        """The origin of an absolute ``url``."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        try:
            port = parts.port
        except ValueError:  # not a port number: no origin a source has
            port = None
        return cls(scheme, parts.hostname or "", port or _DEFAULT_PORTS.get(scheme))

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        shown_port = self.port not in (None, _DEFAULT_PORTS.get(self.scheme))
        return f"{self.scheme}://{host}" + (f":{self.port}" if shown_port else "")


class RestSession(requests.Session):
    """The session of one REST source.

    Args:
        source: The source's name, for messages.
        url: The source's ``url``, whose origin every request must have.
        shown_url: A URL as messages may show it (secrets removed).
    """

    def __init__(self, source: str, url: str, shown_url: Callable[[str], str]) -> None:
        super().__init__()
        self.source = source
        self.origin = Origin.of(url)
        self._shown_url = shown_url
        for prefix in ("http://", "https://"):
            self.mount(prefix, DeadlineAdapter())

    def refuse_elsewhere(self, url: str, leading: str) -> None:
        """Refuse ``url`` unless it is on the source's origin.

        Args:
            url: The absolute URL a request would go to.
            leading: What leads there, for the message: ``page 2 links its next page to``.

        Raises:
            SourceRefused: ``url`` is on another origin; nothing was sent there.
        """
        elsewhere = Origin.of(url)
        if elsewhere != self.origin:
            raise SourceRefused(
                f"source `{self.source}`: {leading} {elsewhere}, another origin than the "
                f"source's ({self.origin}); requests and credentials go only to the origin "
                "of the source's `url`, so none went there"
            )

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        """Where a redirect leads, once it is known to stay on the source's origin."""
        target = super().get_redirect_target(resp)
        if target is not None:
            leading = f"GET {self._shown_url(resp.url)} redirects to"
            self.refuse_elsewhere(urljoin(resp.url, target), leading)
        return target
