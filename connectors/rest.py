"""Reading customer records from a paged JSON REST API.

Each page is fetched with retries (see ``connectors.http_retry``); its records become
rows of text. A page that cannot be read as declared becomes one rejected row and ends
the read, because the next page cannot be known from it; rows read before it stay.
A record that is not a JSON object is rejected on its own and the read goes on.

Secrets (bearer tokens, API keys) come from environment variables at read time and
never reach a message, a log line, a location or a rejected row. Requests go only to the
origin of the source's ``url`` (see ``connectors.rest_session``).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urljoin, urlsplit, urlunsplit

import pandas as pd
import requests

from connectors.batch import BATCH_ROWS, RejectedRow, RowBatch
from connectors.exceptions import SourceRefused, SourceSchemaError
from connectors.http_retry import RetryPolicy, get_with_retries
from connectors.rest_session import RestSession
from connectors.rest_spec import (
    ApiKeyAuth,
    BearerAuth,
    CursorPagination,
    LinkHeaderPagination,
    NoPagination,
    OffsetPagination,
    PageNumberPagination,
    RestConnector,
)
from connectors.text import as_text

#: How much of an unreadable page or record is kept for the steward.
RAW_CHARS = 500

_MISSING = object()
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def read_rest_batches(
    spec: RestConnector,
    source: str,
    *,
    since: str | None = None,
    batch_rows: int = BATCH_ROWS,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[RowBatch]:
    """Every record of a REST source, in the API's order, in batches of at most ``batch_rows``.

    Args:
        spec: The source's declaration.
        source: Source name, for messages.
        since: The previous sync's high-water mark; sent as ``since_param`` with each
            request (pages reached by a ``Link`` header carry it in that link), and the
            mark a sync that reads nothing new keeps.
        batch_rows: Most rows per batch; batches span pages.
        sleep: Waits the given seconds between tries; tests pass one that records the wait.

    Returns:
        Batches whose ``cursor`` is the ``cursor_field`` high-water mark so far.

    Raises:
        SourceRefused: A secret's environment variable is not set or not usable, the API
            refuses the request (4xx other than 429), or it links or redirects to another
            origin.
        SourceUnavailable: The API keeps failing after ``max_retries``.
        SourceSchemaError: The API sends the reader back to a page it already read.
    """
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be at least 1, not {batch_rows}")
    credentials = _credentials(spec, source)
    return _read(spec, source, credentials, since, batch_rows, sleep)


@dataclass(frozen=True)
class _Credentials:
    """What authentication adds to each request, and how to keep it out of sight."""

    # repr=False: a logged or printed instance must not show the secret
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    params: dict[str, str] = field(default_factory=dict, repr=False)
    secret: str | None = field(default=None, repr=False)
    query_param: str | None = None

    def scrub(self, text: str) -> str:
        """``text`` with the secret, plain or URL-encoded, replaced by ``***``."""
        if self.secret:
            for form in {self.secret, quote(self.secret, safe=""), quote_plus(self.secret)}:
                text = text.replace(form, "***")
        return text

    def shown_url(self, url: str) -> str:
        """``url`` as messages and locations show it: without the API-key query parameter."""
        if self.query_param is not None:
            parts = urlsplit(url)
            query = parse_qsl(parts.query, keep_blank_values=True)
            if any(name == self.query_param for name, _ in query):
                kept = [(name, value) for name, value in query if name != self.query_param]
                url = urlunsplit(parts._replace(query=urlencode(kept)))
        return self.scrub(url)


def _credentials(spec: RestConnector, source: str) -> _Credentials:
    auth = spec.auth
    if auth is None:
        return _Credentials()
    variable, secret_name = (
        (auth.token_env, "bearer token")
        if isinstance(auth, BearerAuth)
        else (auth.key_env, "API key")
    )
    secret = os.environ.get(variable, "").strip()
    if not secret:
        raise SourceRefused(
            f"source `{source}`: environment variable `{variable}` is not set; "
            f"it must hold the {secret_name} for {spec.url}"
        )
    if not secret.isprintable() or " " in secret:
        raise SourceRefused(
            f"source `{source}`: environment variable `{variable}` holds spaces or control "
            f"characters; it must hold only the {secret_name}"
        )
    if isinstance(auth, BearerAuth):
        return _Credentials(headers={"Authorization": f"Bearer {secret}"}, secret=secret)
    assert isinstance(auth, ApiKeyAuth)
    if auth.header is not None:
        return _Credentials(headers={auth.header: secret}, secret=secret)
    assert auth.query_param is not None
    return _Credentials(
        params={auth.query_param: secret}, secret=secret, query_param=auth.query_param
    )


@dataclass(frozen=True)
class _Page:
    """One fetched page: its records, or why it could not be read."""

    label: str
    """``page 3`` or ``offset 200``."""
    shown_url: str
    records: list[Any]
    body: Any = None
    rejected: RejectedRow | None = None
    next_link: str | None = None
    """Absolute address of the ``Link: rel="next"`` page, if the response names one."""


class _PageClient:
    """Fetches pages of one source over one session."""

    def __init__(
        self,
        spec: RestConnector,
        source: str,
        session: RestSession,
        credentials: _Credentials,
        sleep: Callable[[float], None],
    ) -> None:
        self.spec = spec
        self.source = source
        self.session = session
        self.credentials = credentials
        self.policy = RetryPolicy(
            spec.max_retries, spec.backoff_seconds, spec.max_backoff_seconds, sleep=sleep
        )

    def page(self, url: str, params: dict[str, str], label: str) -> _Page:
        already_in_url = {name for name, _ in parse_qsl(urlsplit(url).query)}
        auth_params = {k: v for k, v in self.credentials.params.items() if k not in already_in_url}
        request_params = {**params, **auth_params}
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, request_params)
        shown_url = self.credentials.shown_url(prepared.url or url)
        response = get_with_retries(
            self.session,
            url,
            params=request_params,
            headers={**self.spec.headers, **self.credentials.headers},
            timeout=self.spec.timeout_seconds,
            policy=self.policy,
            source=self.source,
            shown_url=shown_url,
            scrub=self.credentials.scrub,
        )
        next_url = response.links.get("next", {}).get("url")
        next_link = urljoin(response.url, next_url) if next_url else None
        try:
            body = response.json()
        except ValueError as exc:
            return self._rejected(label, shown_url, f"page is not JSON: {exc}", response.text)
        records = _at_path(body, self.spec.records_path)
        if not isinstance(records, list):
            return self._rejected(
                label, shown_url, self._not_records(records), json.dumps(body, ensure_ascii=False)
            )
        return _Page(label, shown_url, records, body=body, next_link=next_link)

    def _not_records(self, found: Any) -> str:
        path = self.spec.records_path
        if not path:
            return f"page is {_json_kind(found)}, not a list of records; set `records_path`"
        if found is _MISSING:
            return f"page has no `{path}` (`records_path`)"
        return f"`{path}` (`records_path`) is {_json_kind(found)}, not a list of records"

    def _rejected(self, label: str, shown_url: str, reason: str, raw: str) -> _Page:
        rejected = RejectedRow(
            location=f"GET {shown_url} ({label})",
            reason=self.credentials.scrub(reason),
            raw=self.credentials.scrub(raw[:RAW_CHARS]),
        )
        return _Page(label, shown_url, [], rejected=rejected)


def _read(
    spec: RestConnector,
    source: str,
    credentials: _Credentials,
    since: str | None,
    batch_rows: int,
    sleep: Callable[[float], None],
) -> Iterator[RowBatch]:
    high_water = _HighWater()
    if since is not None:
        high_water.add(since)
    batch = _BatchBuilder()
    batches = 0
    complete = True
    with RestSession(source, spec.url, credentials.shown_url) as session:
        client = _PageClient(spec, source, session, credentials, sleep)
        for page in _pages(spec, source, client, since):
            if page.rejected is not None:
                batch.rejected.append(page.rejected)
                # Later pages were not read: the next sync must start where this one did.
                complete = False
            for item_number, record in enumerate(page.records, start=1):
                location = f"{page.label} item {item_number} (GET {page.shown_url})"
                if not isinstance(record, dict):
                    raw = json.dumps(record, ensure_ascii=False)[:RAW_CHARS]
                    batch.rejected.append(
                        RejectedRow(
                            location=location,
                            reason=f"record is {_json_kind(record)}, not a JSON object",
                            raw=credentials.scrub(raw),
                        )
                    )
                    continue
                if spec.cursor_field is not None:
                    high_water.add(record.get(spec.cursor_field))
                batch.rows.append({key: as_text(value) for key, value in record.items()})
                batch.locations.append(location)
                if len(batch.rows) >= batch_rows:
                    yield batch.take(high_water.mark)
                    batches += 1
        if batch.rows or batch.rejected or batches == 0:
            yield batch.take(high_water.mark if complete else since)


def _pages(
    spec: RestConnector, source: str, client: _PageClient, since: str | None
) -> Iterator[_Page]:
    """The source's pages in order, until the last one or one that cannot be read."""
    params = dict(spec.params)
    if since is not None and spec.since_param is not None:
        params[spec.since_param] = since
    pagination = spec.pagination
    if isinstance(pagination, NoPagination):
        yield client.page(spec.url, params, "page 1")
    elif isinstance(pagination, PageNumberPagination):
        yield from _numbered_pages(spec.url, params, pagination, client)
    elif isinstance(pagination, OffsetPagination):
        offset = 0
        while True:
            page_params = {
                **params,
                pagination.offset_param: str(offset),
                pagination.limit_param: str(pagination.limit),
            }
            page = client.page(spec.url, page_params, f"offset {offset}")
            yield page
            if page.rejected is not None or len(page.records) < pagination.limit:
                return
            offset += len(page.records)
    elif isinstance(pagination, CursorPagination):
        seen: set[str] = set()
        page_params = params
        for number in _counting():
            page = client.page(spec.url, page_params, f"page {number}")
            yield page
            token = _text_at(page.body, pagination.next_cursor_path)
            if page.rejected is not None or token is None:
                return
            if token in seen:
                raise SourceSchemaError(
                    f"source `{source}`: GET {page.shown_url} ({page.label}) names a next "
                    f"cursor it already named; stopping so as not to read pages again"
                )
            seen.add(token)
            page_params = {**params, pagination.cursor_param: token}
    elif isinstance(pagination, LinkHeaderPagination):
        visited = {spec.url}
        url, page_params = spec.url, params
        for number in _counting():
            page = client.page(url, page_params, f"page {number}")
            yield page
            if page.rejected is not None or page.next_link is None:
                return
            client.session.refuse_elsewhere(page.next_link, f"{page.label} links its next page to")
            if page.next_link in visited:
                raise SourceSchemaError(
                    f"source `{source}`: GET {page.shown_url} ({page.label}) links to a page "
                    f"it already read; stopping so as not to read pages again"
                )
            visited.add(page.next_link)
            # The next link carries its own query; only authentication is added to it.
            url, page_params = page.next_link, {}


def _numbered_pages(
    url: str, params: dict[str, str], pagination: PageNumberPagination, client: _PageClient
) -> Iterator[_Page]:
    number = pagination.start_page
    while True:
        page_params = {**params, pagination.page_param: str(number)}
        if pagination.size_param is not None and pagination.page_size is not None:
            page_params[pagination.size_param] = str(pagination.page_size)
        page = client.page(url, page_params, f"page {number}")
        yield page
        if page.rejected is not None or not page.records:
            return
        if pagination.total_pages_path:
            total = _text_at(page.body, pagination.total_pages_path)
            pages_read = number - pagination.start_page + 1
            if total is not None and total.isdigit() and pages_read >= int(total):
                return
        number += 1


def _counting() -> Iterator[int]:
    number = 1
    while True:
        yield number
        number += 1


def _at_path(document: Any, dotted_path: str) -> Any:
    """The value at ``dotted_path`` (``result.items``) in a JSON document; ``""`` is the whole."""
    value = document
    for step in dotted_path.split(".") if dotted_path else ():
        if not isinstance(value, dict) or step not in value:
            return _MISSING
        value = value[step]
    return value


def _text_at(document: Any, dotted_path: str) -> str | None:
    """The value at ``dotted_path`` as text; ``None`` when missing, null or blank."""
    value = _at_path(document, dotted_path)
    return None if value is _MISSING else as_text(value)


def _json_kind(value: Any) -> str:
    if value is _MISSING:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


class _HighWater:
    """The largest cursor value seen: as numbers while every value is numeric, else as text."""

    def __init__(self) -> None:
        self.all_numeric = True
        self.largest_number: tuple[Decimal, str] | None = None
        self.largest_text: str | None = None

    def add(self, value: Any) -> None:
        text = as_text(value)
        if text is None:
            return
        if _NUMBER.fullmatch(text):
            number = Decimal(text)
            if self.largest_number is None or number > self.largest_number[0]:
                self.largest_number = (number, text)
        else:
            self.all_numeric = False
        if self.largest_text is None or text > self.largest_text:
            self.largest_text = text

    @property
    def mark(self) -> str | None:
        if self.all_numeric and self.largest_number is not None:
            return self.largest_number[1]
        return self.largest_text


@dataclass
class _BatchBuilder:
    rows: list[dict[str, str | None]] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)

    def take(self, cursor: str | None) -> RowBatch:
        """The rows gathered so far as a batch; the builder starts over empty."""
        frame = pd.DataFrame.from_records(self.rows).astype(object)
        # pandas takes None as `other`; pandas-stubs leave it out, hence the cast.
        frame = frame.where(frame.notna(), cast(Any, None))
        batch = RowBatch(
            rows=frame,
            locations=pd.Series(self.locations, dtype=object),
            rejected=tuple(self.rejected),
            cursor=cursor,
        )
        self.rows, self.locations, self.rejected = [], [], []
        return batch
