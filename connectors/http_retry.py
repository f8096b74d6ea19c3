"""GET with retries: transient failures wait and try again, lasting ones fail with a clear message.

Connection errors, timeouts (of a read, or of the whole response), HTTP 429 and 5xx are
transient: the wait doubles from ``backoff_seconds`` (with a little jitter so parallel
syncs do not retry in step) up to ``max_backoff_seconds``, and a ``Retry-After`` on 429 or
503 is obeyed instead. Any other 4xx will not get better by asking again and fails at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import requests

from connectors.exceptions import SourceRefused, SourceUnavailable

log = logging.getLogger("connectors.rest")

#: Failures that a later try may not see.
_TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a request.

    Attributes:
        max_retries: Tries after the first one.
        backoff_seconds: Wait before the first retry; doubles with each further one.
        max_backoff_seconds: Longest wait, and the longest ``Retry-After`` obeyed.
        sleep: Waits the given seconds between tries; tests pass one that records the wait.
    """

    max_retries: int
    backoff_seconds: float
    max_backoff_seconds: float
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based), jittered by up to 10 %."""
        wait: float = self.backoff_seconds * 2 ** (retry - 1) * (1 + random.uniform(0, 0.1))
        return min(wait, self.max_backoff_seconds)


def get_with_retries(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    timeout: float,
    policy: RetryPolicy,
    source: str,
    shown_url: str,
    scrub: Callable[[str], str],
) -> requests.Response:
    """The successful response to ``GET url``, after as many retries as ``policy`` allows.

    Args:
        session: Session that sends the request.
        url: Address to get, with ``params`` added to its query.
        params: Query parameters.
        headers: Request headers.
        timeout: Seconds for the whole response, when ``session`` bounds it (a
            ``RestSession`` does), else for the connection and for each read.
        policy: Retry policy.
        source: Source name, for messages.
        shown_url: The address as messages and logs may show it (secrets removed).
        scrub: Removes secrets from error texts that come from the HTTP library.

    Raises:
        SourceRefused: A 4xx other than 429, or a request the HTTP library will not send.
        SourceUnavailable: Still failing after every retry.
    """
    attempts = 0
    while True:
        attempts += 1
        retry_after: float | None = None
        try:
            response = session.get(url, params=params, headers=headers, timeout=timeout)
        except _TRANSIENT_ERRORS as exc:
            problem = scrub(f"{type(exc).__name__}: {exc}")
        except requests.RequestException as exc:
            raise SourceRefused(
                f"source `{source}`: GET {shown_url} cannot be sent: "
                + scrub(f"{type(exc).__name__}: {exc}")
            ) from None
        else:
            status = response.status_code
            if status < 400:
                return response
            problem = f"HTTP {status} {response.reason}".rstrip()
            if status != 429 and status < 500:
                raise SourceRefused(
                    f"source `{source}`: GET {shown_url} answered {problem}; "
                    "check the URL and the credentials"
                )
            if status in (429, 503):
                retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
        if attempts > policy.max_retries:
            raise SourceUnavailable(
                f"source `{source}`: GET {shown_url} failed after {attempts} attempts; "
                f"last: {problem}"
            )
        if retry_after is not None and retry_after > policy.max_backoff_seconds:
            raise SourceUnavailable(
                f"source `{source}`: GET {shown_url} answered {problem} and asks to retry "
                f"after {retry_after:.0f} s, longer than max_backoff_seconds "
                f"({policy.max_backoff_seconds:g} s)"
            )
        wait = retry_after if retry_after is not None else policy.backoff(attempts)
        log.warning(
            "source `%s`: GET %s: %s; retry %d of %d in %.2f s",
            source,
            shown_url,
            problem,
            attempts,
            policy.max_retries,
            wait,
        )
        policy.sleep(wait)


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delay seconds or an HTTP date), if readable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
