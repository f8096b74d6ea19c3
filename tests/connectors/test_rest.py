"""Reading a REST source against a real local HTTP server: paging, auth, retries, bad pages."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pandas as pd
import pytest
from pydantic import ValidationError

from connectors.batch import RowBatch
from connectors.exceptions import SourceRefused, SourceSchemaError, SourceUnavailable
from connectors.rest import read_rest_batches
from connectors.rest_session import Origin
from connectors.rest_spec import RestConnector

SECRET = "s3cr3t-T0ken/+="

CUSTOMERS: list[dict[str, Any]] = [
    {
        "id": number,
        "name": name,
        "email": f"{name.split()[0].lower()}@example.com",
        # not in id order, so the high-water mark is not simply the last record's
        "updated_at": f"2024-03-{day:02d}T10:00:00Z",
    }
    for number, (name, day) in enumerate(
        [
            ("Hans Müller", 3),
            ("Kari Ødegård", 12),
            ("Ana Souza", 7),
            ("Li Wei", 1),
            ("Omar Haddad", 28),
            ("Eva Novak", 15),
            ("João Lima", 9),
            ("Mia Berg", 21),
            ("Noah Smith", 2),
            ("Zoe Adams", 5),
        ],
        start=1,
    )
]
CUSTOMERS[1]["phone"] = "+47 912 34 567"
CUSTOMERS[4]["tags"] = ["vip"]

#: Longest a "slow" answer is held back; only a client that never times out waits this long.
HOLD_LIMIT_SECONDS = 10


@dataclass
class Seen:
    """One request the server received."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class CustomerApi:
    """A small customer API; tests steer its faults, auth and page bodies."""

    base_url: str = ""
    customers: list[Any] = field(default_factory=lambda: list(CUSTOMERS))
    seen: list[Seen] = field(default_factory=list)
    faults: deque[str | None] = field(default_factory=deque)
    always: str | None = None
    require: tuple[str, str, str] | None = None
    """(``header`` or ``query``, name, expected value) the server demands."""
    page_bodies: dict[int, bytes] = field(default_factory=dict)
    """Raw bodies that replace pages of ``/pages``."""
    link_base: str | None = None
    """Where ``/link`` says the next page is, when not on this server."""
    redirect_to: str = ""
    """Where ``/moved`` sends the client."""


def _serve(api: CustomerApi, handler: BaseHTTPRequestHandler) -> None:
    parts = urlsplit(handler.path)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    api.seen.append(Seen(parts.path, query, dict(handler.headers.items())))
    fault = api.faults.popleft() if api.faults else api.always
    if fault == "reset":
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        handler.close_connection = True
        return
    if fault == "slow":
        # No answer while the client waits, so its read timeout always fires first: the
        # answer is held until the client gives up and closes its end.
        handler.connection.settimeout(HOLD_LIMIT_SECONDS)
        with contextlib.suppress(OSError):
            handler.connection.recv(1)
        handler.close_connection = True
        return
    if fault in ("503", "500"):
        return _send(handler, int(fault), {"error": "try later"})
    if fault == "429":
        return _send(handler, 429, {"error": "slow down"}, {"Retry-After": "1"})
    if fault is not None and fault.startswith("429 "):
        return _send(handler, 429, {"error": "slow down"}, {"Retry-After": fault[4:]})
    if api.require is not None:
        where, name, expected = api.require
        given = handler.headers.get(name) if where == "header" else query.get(name)
        if given != expected:
            return _send(handler, 401, {"error": "unauthorized"})
    customers = api.customers
    if "since" in query:
        customers = [c for c in customers if c["updated_at"] > query["since"]]
    if "after_id" in query:
        customers = [c for c in customers if c["id"] > int(query["after_id"])]
    if parts.path == "/pages":
        page, size = int(query["page"]), int(query.get("size", 3))
        if page in api.page_bodies:
            return _send_raw(handler, 200, api.page_bodies[page])
        total_pages = -(-len(customers) // size)
        data = customers[(page - 1) * size : page * size]
        return _send(handler, 200, {"data": data, "meta": {"total_pages": total_pages}})
    if parts.path == "/offset":
        offset, limit = int(query["offset"]), int(query["limit"])
        return _send(handler, 200, {"result": {"items": customers[offset : offset + limit]}})
    if parts.path == "/cursor":
        start = int(query.get("cursor", "c0")[1:])
        following = f"c{start + 4}" if start + 4 < len(customers) else None
        return _send(handler, 200, {"items": customers[start : start + 4], "next": following})
    if parts.path == "/link":
        page = int(query.get("page", 1))
        headers = {}
        if page * 4 < len(customers):
            # echoes every query parameter, an API key among them, as some APIs do
            next_query = urlencode({**query, "page": page + 1})
            headers["Link"] = f'<{api.link_base or api.base_url}/link?{next_query}>; rel="next"'
        return _send(handler, 200, customers[(page - 1) * 4 : page * 4], headers)
    if parts.path == "/moved":
        handler.send_response(302)
        handler.send_header("Location", api.redirect_to)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return None
    if parts.path.startswith("/drip/"):
        return _drip(handler, parts.path.removeprefix("/drip/"))
    if parts.path == "/stuck":
        return _send(handler, 200, {"items": customers[:2], "next": "again"})
    if parts.path == "/all":
        return _send(handler, 200, customers)
    return _send(handler, 404, {"error": "no such endpoint"})


def _send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: Any,
    headers: dict[str, str] | None = None,
) -> None:
    _send_raw(handler, status, json.dumps(body).encode(), headers)


def _send_raw(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


#: How long a dripping answer takes to arrive in full, one byte at a time.
DRIP_SECONDS = 3.0


def _drip(handler: BaseHTTPRequestHandler, part: str) -> None:
    """Send the customers one byte at a time, each well within any read timeout: the
    ``headers`` too, or only the ``body`` (``unsized``: without a Content-Length)."""
    body = json.dumps(CUSTOMERS[:1]).encode()
    length = "" if part == "unsized" else f"Content-Length: {len(body)}\r\n"
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{length}\r\n".encode()
    if part != "headers":
        handler.wfile.write(head)
        head = b""
    dripped = head + body
    for at in range(len(dripped)):
        time.sleep(DRIP_SECONDS / len(dripped))
        handler.wfile.write(dripped[at : at + 1])
    handler.close_connection = True


@contextlib.contextmanager
def _serving(state: CustomerApi) -> Iterator[CustomerApi]:
    """``state`` served on a free port of 127.0.0.1 from a background thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            # a client that gave up waiting has closed its end
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                _serve(state, self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[CustomerApi]:
    """A customer API on a free port of 127.0.0.1."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with _serving(CustomerApi()) as state:
        yield state


@pytest.fixture
def elsewhere(api: CustomerApi) -> Iterator[CustomerApi]:
    """Another server, on another port: another origin, which must see no request."""
    with _serving(CustomerApi()) as state:
        yield state


@pytest.fixture
def waits() -> list[float]:
    """Seconds the retry loop asked to wait, recorded by the sleep a test passes in."""
    return []


def _spec(url: str, **fields: Any) -> RestConnector:
    return RestConnector(kind="rest", url=url, backoff_seconds=0.01, **fields)


def _read_all(spec: RestConnector, **options: Any) -> tuple[pd.DataFrame, list[str], list[Any]]:
    batches = list(read_rest_batches(spec, "crm_api", **options))
    rows = pd.concat([batch.rows for batch in batches], ignore_index=True)
    locations = [location for batch in batches for location in batch.locations]
    rejected = [row for batch in batches for row in batch.rejected]
    return rows, locations, rejected


def _labels(locations: list[str]) -> list[str]:
    return [location.split(" (GET ")[0] for location in locations]


ALL_IDS = [str(c["id"]) for c in CUSTOMERS]


@pytest.mark.parametrize(
    ("path", "fields", "labels", "requests_made"),
    [
        (
            "/pages",
            {"records_path": "data", "pagination": {"style": "page_number"}},
            [f"page {p} item {i}" for p in (1, 2, 3) for i in (1, 2, 3)] + ["page 4 item 1"],
            5,
        ),
        (
            "/pages",
            {
                "records_path": "data",
                "pagination": {
                    "style": "page_number",
                    "size_param": "size",
                    "page_size": 4,
                    "total_pages_path": "meta.total_pages",
                },
            },
            [f"page {p} item {i}" for p in (1, 2) for i in (1, 2, 3, 4)]
            + ["page 3 item 1", "page 3 item 2"],
            3,
        ),
        (
            "/offset",
            {"records_path": "result.items", "pagination": {"style": "offset", "limit": 4}},
            [f"offset {o} item {i}" for o in (0, 4) for i in (1, 2, 3, 4)]
            + ["offset 8 item 1", "offset 8 item 2"],
            3,
        ),
        (
            "/cursor",
            {
                "records_path": "items",
                "pagination": {"style": "cursor", "next_cursor_path": "next"},
            },
            [f"page {p} item {i}" for p in (1, 2) for i in (1, 2, 3, 4)]
            + ["page 3 item 1", "page 3 item 2"],
            3,
        ),
        (
            "/link",
            {"pagination": {"style": "link_header"}},
            [f"page {p} item {i}" for p in (1, 2) for i in (1, 2, 3, 4)]
            + ["page 3 item 1", "page 3 item 2"],
            3,
        ),
        ("/all", {}, [f"page 1 item {i}" for i in range(1, 11)], 1),
    ],
    ids=["page_number", "page_number_total_pages", "offset", "cursor", "link_header", "none"],
)
def test_each_pagination_style_reads_every_record_in_order(
    api: CustomerApi,
    path: str,
    fields: dict[str, Any],
    labels: list[str],
    requests_made: int,
) -> None:
    rows, locations, rejected = _read_all(_spec(api.base_url + path, **fields))

    assert list(rows["id"]) == ALL_IDS
    assert _labels(locations) == labels
    assert rejected == []
    assert len(api.seen) == requests_made


@pytest.mark.parametrize(
    ("path", "fields", "second_page_url"),
    [
        ("/pages", {"pagination": {"style": "page_number"}}, "/pages?page=2"),
        ("/offset", {"pagination": {"style": "offset", "limit": 3}}, "/offset?offset=3&limit=3"),
        (
            "/cursor",
            {"pagination": {"style": "cursor", "next_cursor_path": "next"}},
            "/cursor?cursor=c4",
        ),
    ],
    ids=["page_number", "offset", "cursor"],
)
def test_locations_name_the_request_that_finds_the_row_again(
    api: CustomerApi, path: str, fields: dict[str, Any], second_page_url: str
) -> None:
    records_path = {"/pages": "data", "/offset": "result.items", "/cursor": "items"}[path]
    _, locations, _ = _read_all(_spec(api.base_url + path, records_path=records_path, **fields))

    second_page = [
        location for location in locations if location.startswith(("page 2", "offset 3"))
    ]
    assert second_page[0].endswith(f"item 1 (GET {api.base_url}{second_page_url})")


def test_rows_are_text_with_the_union_of_record_keys_as_columns(api: CustomerApi) -> None:
    rows, _, _ = _read_all(_spec(api.base_url + "/all"))

    assert list(rows.columns) == ["id", "name", "email", "updated_at", "phone", "tags"]
    assert rows.loc[1, "phone"] == "+47 912 34 567"
    assert rows.loc[0, "phone"] is None
    assert rows.loc[4, "tags"] == '["vip"]'
    assert rows.loc[9, "id"] == "10"


AUTH_CASES = {
    "bearer": (
        {"kind": "bearer", "token_env": "CRM_TOKEN"},
        ("header", "Authorization", f"Bearer {SECRET}"),
    ),
    "api_key_header": (
        {"kind": "api_key", "key_env": "CRM_TOKEN", "header": "X-API-Key"},
        ("header", "X-API-Key", SECRET),
    ),
    "api_key_query": (
        {"kind": "api_key", "key_env": "CRM_TOKEN", "query_param": "api_key"},
        ("query", "api_key", SECRET),
    ),
}


@pytest.mark.parametrize("auth_case", list(AUTH_CASES), ids=list(AUTH_CASES))
def test_auth_sends_the_secret_and_shows_it_nowhere(
    api: CustomerApi,
    auth_case: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    waits: list[float],
) -> None:
    auth, api.require = AUTH_CASES[auth_case]
    monkeypatch.setenv("CRM_TOKEN", SECRET)
    api.faults.extend(["503", None, "reset"])  # retries log the request
    caplog.set_level(logging.DEBUG, logger="connectors.rest")
    spec = _spec(api.base_url + "/link", auth=auth, pagination={"style": "link_header"})

    rows, locations, _ = _read_all(spec, sleep=waits.append)

    assert list(rows["id"]) == ALL_IDS
    assert len(caplog.records) == 2
    shown = "\n".join(locations) + caplog.text
    assert SECRET not in shown
    assert "api_key" not in shown
    assert "s3cr3t" not in shown


@pytest.mark.parametrize("auth_case", list(AUTH_CASES), ids=list(AUTH_CASES))
def test_a_refused_secret_fails_at_once_without_retries(
    api: CustomerApi, auth_case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth, (where, name, _) = AUTH_CASES[auth_case]
    api.require = (where, name, "the-right-one")
    monkeypatch.setenv("CRM_TOKEN", SECRET)

    with pytest.raises(SourceRefused) as raised:
        list(read_rest_batches(_spec(api.base_url + "/all", auth=auth), "crm_api"))

    message = str(raised.value)
    assert "crm_api" in message
    assert "401" in message
    assert f"{api.base_url}/all" in message
    assert "s3cr3t" not in message
    assert len(api.seen) == 1


def _origin(base_url: str) -> str:
    return base_url.rstrip("/")


@pytest.mark.parametrize("where", ["other_port", "other_host"], ids=["other_port", "other_host"])
@pytest.mark.parametrize("auth_case", list(AUTH_CASES), ids=list(AUTH_CASES))
def test_a_next_page_on_another_origin_is_refused_and_sent_nothing(
    api: CustomerApi,
    elsewhere: CustomerApi,
    auth_case: str,
    where: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    auth, api.require = AUTH_CASES[auth_case]
    monkeypatch.setenv("CRM_TOKEN", SECRET)
    port = urlsplit(api.base_url).port
    # `localhost` reaches this very server, but it is another origin all the same
    api.link_base = elsewhere.base_url if where == "other_port" else f"http://localhost:{port}"
    spec = _spec(api.base_url + "/link", auth=auth, pagination={"style": "link_header"})

    with pytest.raises(SourceRefused) as raised:
        list(read_rest_batches(spec, "crm_api"))

    message = str(raised.value)
    assert "crm_api" in message
    assert api.base_url in message
    assert api.link_base in message
    assert "s3cr3t" not in message
    assert elsewhere.seen == []
    assert [seen.headers["Host"] for seen in api.seen] == [f"127.0.0.1:{port}"]


@pytest.mark.parametrize(
    ("url", "same", "shown"),
    [
        ("https://API.example.com:443/v2/users?page=2", True, "https://api.example.com"),
        ("http://api.example.com/v2/users", False, "http://api.example.com"),
        ("https://api.example.com:8443/v2/users", False, "https://api.example.com:8443"),
        ("https://cdn.example.com/v2/users", False, "https://cdn.example.com"),
        ("https://[::1]/v2/users", False, "https://[::1]"),
    ],
    ids=["default_port_and_case", "other_scheme", "other_port", "other_host", "ipv6"],
)
def test_an_origin_is_scheme_host_and_port(url: str, same: bool, shown: str) -> None:
    assert (Origin.of(url) == Origin.of("https://api.example.com/v2/users")) is same
    assert str(Origin.of(url)) == shown


@pytest.mark.parametrize("auth_case", list(AUTH_CASES), ids=list(AUTH_CASES))
def test_a_redirect_to_another_origin_is_refused_and_sent_nothing(
    api: CustomerApi, elsewhere: CustomerApi, auth_case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth, _ = AUTH_CASES[auth_case]
    monkeypatch.setenv("CRM_TOKEN", SECRET)
    api.redirect_to = elsewhere.base_url + "/all"

    with pytest.raises(SourceRefused) as raised:
        list(read_rest_batches(_spec(api.base_url + "/moved", auth=auth), "crm_api"))

    message = str(raised.value)
    assert "crm_api" in message
    assert f"GET {api.base_url}/moved" in message
    assert elsewhere.base_url in message
    assert "s3cr3t" not in message
    assert elsewhere.seen == []


@pytest.mark.parametrize("auth_case", ["bearer", "api_key_header"])
def test_a_redirect_within_the_origin_is_followed_with_the_credentials(
    api: CustomerApi, auth_case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth, api.require = AUTH_CASES[auth_case]
    monkeypatch.setenv("CRM_TOKEN", SECRET)
    api.redirect_to = "/all"

    rows, _, _ = _read_all(_spec(api.base_url + "/moved", auth=auth))

    assert list(rows["id"]) == ALL_IDS
    assert [seen.path for seen in api.seen] == ["/moved", "/all"]


@pytest.mark.parametrize("part", ["body", "unsized", "headers"])
def test_an_answer_dripping_past_the_timeout_is_cut_off_and_retried(
    api: CustomerApi, part: str, waits: list[float]
) -> None:
    spec = _spec(api.base_url + f"/drip/{part}", timeout_seconds=0.5, max_retries=1)

    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as raised:
        list(read_rest_batches(spec, "crm_api", sleep=waits.append))

    # two tries, each cut off at 0.5 s: together far shorter than one answer takes to drip
    assert time.monotonic() - started < DRIP_SECONDS
    message = str(raised.value)
    assert f"crm_api`: GET {api.base_url}/drip/{part} failed after 2 attempts" in message
    assert "no complete response within 0.5 s" in message
    assert len(api.seen) == 2
    assert len(waits) == 1


def test_a_missing_endpoint_fails_at_once_with_its_status(api: CustomerApi) -> None:
    with pytest.raises(SourceRefused, match="HTTP 404") as raised:
        list(read_rest_batches(_spec(api.base_url + "/nowhere"), "crm_api"))

    assert f"GET {api.base_url}/nowhere" in str(raised.value)
    assert len(api.seen) == 1


def test_a_missing_secret_variable_is_named_before_any_request(
    api: CustomerApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRM_TOKEN_UNSET", raising=False)
    spec = _spec(api.base_url + "/all", auth={"kind": "bearer", "token_env": "CRM_TOKEN_UNSET"})

    with pytest.raises(SourceRefused, match="`CRM_TOKEN_UNSET`") as raised:
        read_rest_batches(spec, "crm_api")

    assert "crm_api" in str(raised.value)
    assert api.seen == []


def test_a_flaky_server_still_yields_every_record_exactly_once(
    api: CustomerApi,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    waits: list[float],
) -> None:
    monkeypatch.setenv("CRM_TOKEN", SECRET)
    api.require = ("query", "api_key", SECRET)
    # every second request fails: 503, 429 with Retry-After: 1, a reset, a too-slow answer
    api.faults.extend([None, "503", None, "429", None, "reset", None, "slow"])
    spec = _spec(
        api.base_url + "/pages",
        records_path="data",
        pagination={"style": "page_number", "size_param": "size", "page_size": 2},
        auth={"kind": "api_key", "key_env": "CRM_TOKEN", "query_param": "api_key"},
        timeout_seconds=0.5,
        max_backoff_seconds=2,
    )

    rows, locations, rejected = _read_all(spec, sleep=waits.append)

    assert list(rows["id"]) == ALL_IDS
    assert len(set(locations)) == 10
    assert rejected == []
    pages_asked = [int(seen.query["page"]) for seen in api.seen]
    assert pages_asked == [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    assert waits[1] == 1.0  # Retry-After: 1 obeyed
    for backoff in (waits[0], waits[2], waits[3]):  # first retry of a page: up to 10 % jitter
        assert spec.backoff_seconds <= backoff <= spec.backoff_seconds * 1.1
    retries = [r for r in caplog.records if r.name == "connectors.rest"]
    assert [r.levelno for r in retries] == [logging.WARNING] * 4
    assert "no complete response within 0.5 s" in retries[3].getMessage()
    assert "s3cr3t" not in caplog.text


def test_a_server_that_keeps_failing_is_unavailable_after_max_retries(
    api: CustomerApi, monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    monkeypatch.setenv("CRM_TOKEN", SECRET)
    api.always = "503"
    spec = _spec(
        api.base_url + "/all",
        max_retries=3,
        auth={"kind": "api_key", "key_env": "CRM_TOKEN", "query_param": "api_key"},
    )

    with pytest.raises(SourceUnavailable) as raised:
        list(read_rest_batches(spec, "crm_api", sleep=waits.append))

    message = str(raised.value)
    assert "after 4 attempts" in message
    assert "HTTP 503" in message
    assert f"GET {api.base_url}/all " in message
    assert "s3cr3t" not in message
    assert len(api.seen) == 4
    assert len(waits) == 3
    for retry, wait in enumerate(waits):  # doubling, up to 10 % jitter
        doubled = spec.backoff_seconds * 2**retry
        assert doubled <= wait <= doubled * 1.1


@pytest.mark.parametrize("as_date", [False, True], ids=["seconds", "http_date"])
def test_a_retry_after_beyond_the_longest_wait_fails_at_once(
    api: CustomerApi, as_date: bool, waits: list[float]
) -> None:
    retry_after = formatdate(time.time() + 120, usegmt=True) if as_date else "120"
    api.faults.append(f"429 {retry_after}")
    spec = _spec(api.base_url + "/all", max_backoff_seconds=2)

    with pytest.raises(SourceUnavailable, match=r"asks to retry after 1[12]\d s") as raised:
        list(read_rest_batches(spec, "crm_api", sleep=waits.append))

    assert "max_backoff_seconds" in str(raised.value)
    assert len(api.seen) == 1
    assert waits == []


def test_a_cursor_that_repeats_stops_the_read(api: CustomerApi) -> None:
    spec = _spec(
        api.base_url + "/stuck",
        records_path="items",
        pagination={"style": "cursor", "next_cursor_path": "next"},
    )

    with pytest.raises(SourceSchemaError, match="already named"):
        list(read_rest_batches(spec, "crm_api"))

    assert len(api.seen) == 2


def test_an_unreachable_server_is_unavailable_and_the_error_hides_the_secret(
    monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("CRM_TOKEN", SECRET)
    spec = _spec(
        f"http://127.0.0.1:{port}/all",
        max_retries=1,
        auth={"kind": "api_key", "key_env": "CRM_TOKEN", "query_param": "api_key"},
    )

    with pytest.raises(
        SourceUnavailable, match="after 2 attempts; last: ConnectionError"
    ) as raised:
        list(read_rest_batches(spec, "crm_api", sleep=waits.append))

    assert "s3cr3t" not in str(raised.value)


HTML = b"<html><body>" + b"Maintenance window " * 40 + b"</body></html>"


@pytest.mark.parametrize(
    "body", [HTML, b'{"data": [{"id": 4, "name": "Li'], ids=["html", "truncated_json"]
)
def test_a_page_that_is_not_json_is_rejected_and_earlier_rows_stay(
    api: CustomerApi, body: bytes
) -> None:
    api.page_bodies[2] = body
    spec = _spec(api.base_url + "/pages", records_path="data", pagination={"style": "page_number"})

    rows, _, rejected = _read_all(spec)

    assert list(rows["id"]) == ["1", "2", "3"]
    [page] = rejected
    assert page.location == f"GET {api.base_url}/pages?page=2 (page 2)"
    assert page.reason.startswith("page is not JSON: ")
    assert page.raw == body.decode()[:500]
    assert len(api.seen) == 2  # no page after it


def test_a_read_that_stops_at_a_bad_page_keeps_the_cursor_where_it_started(
    api: CustomerApi,
) -> None:
    api.page_bodies[2] = HTML
    spec = _spec(
        api.base_url + "/pages",
        records_path="data",
        pagination={"style": "page_number"},
        cursor_field="id",
    )
    batches = list(read_rest_batches(spec, "crm_api", since="0", batch_rows=2))
    assert batches[0].cursor == "2", "batches before the bad page carry their mark"
    assert batches[-1].cursor == "0", "the read is incomplete: the next one starts over"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"items": []}, "page has no `data` (`records_path`)"),
        ({"data": {"id": 4}}, "`data` (`records_path`) is an object, not a list of records"),
    ],
    ids=["missing", "not_a_list"],
)
def test_a_page_without_a_records_list_is_rejected_and_ends_the_read(
    api: CustomerApi, body: dict[str, Any], reason: str
) -> None:
    api.page_bodies[2] = json.dumps(body).encode()
    spec = _spec(api.base_url + "/pages", records_path="data", pagination={"style": "page_number"})

    rows, _, rejected = _read_all(spec)

    assert list(rows["id"]) == ["1", "2", "3"]
    assert [(r.location, r.reason) for r in rejected] == [
        (f"GET {api.base_url}/pages?page=2 (page 2)", reason)
    ]
    assert len(api.seen) == 2


def test_a_record_that_is_not_an_object_is_rejected_and_the_rest_kept(api: CustomerApi) -> None:
    api.customers = [CUSTOMERS[0], 42, ["Kari"], CUSTOMERS[3], CUSTOMERS[4]]
    spec = _spec(api.base_url + "/pages", records_path="data", pagination={"style": "page_number"})

    rows, locations, rejected = _read_all(spec)

    assert list(rows["id"]) == ["1", "4", "5"]
    assert _labels(locations) == ["page 1 item 1", "page 2 item 1", "page 2 item 2"]
    assert [(_labels([r.location])[0], r.reason, r.raw) for r in rejected] == [
        ("page 1 item 2", "record is a number, not a JSON object", "42"),
        ("page 1 item 3", "record is a list, not a JSON object", '["Kari"]'),
    ]


@pytest.mark.parametrize(
    ("cursor_field", "since_param", "since", "ids", "high_water"),
    [
        (
            "updated_at",
            "since",
            "2024-03-07T10:00:00Z",
            ["2", "5", "6", "7", "8"],
            "2024-03-28T10:00:00Z",
        ),
        ("id", "after_id", "3", ["4", "5", "6", "7", "8", "9", "10"], "10"),
        ("id", "after_id", None, ALL_IDS, "10"),
    ],
    ids=["iso_timestamp", "integer_id", "first_sync"],
)
def test_incremental_read_sends_since_and_tracks_the_high_water_mark(
    api: CustomerApi,
    cursor_field: str,
    since_param: str,
    since: str | None,
    ids: list[str],
    high_water: str,
) -> None:
    spec = _spec(
        api.base_url + "/pages",
        records_path="data",
        pagination={"style": "page_number"},
        cursor_field=cursor_field,
        since_param=since_param,
    )

    batches = list(read_rest_batches(spec, "crm_api", since=since, batch_rows=3))

    assert [i for batch in batches for i in batch.rows["id"]] == ids
    assert api.seen[0].query.get(since_param) == since
    assert batches[-1].cursor == high_water


def test_a_sync_with_nothing_new_keeps_the_previous_mark(api: CustomerApi) -> None:
    spec = _spec(api.base_url + "/all", cursor_field="updated_at", since_param="since")

    [batch] = read_rest_batches(spec, "crm_api", since="2024-04-01T00:00:00Z")

    assert batch.rows.empty
    assert batch.cursor == "2024-04-01T00:00:00Z"


def test_batches_span_pages_and_carry_the_mark_so_far(api: CustomerApi) -> None:
    spec = _spec(
        api.base_url + "/pages",
        records_path="data",
        pagination={"style": "page_number"},
        cursor_field="id",
    )

    batches: list[RowBatch] = list(read_rest_batches(spec, "crm_api", batch_rows=4))

    assert [len(batch.rows) for batch in batches] == [4, 4, 2]
    assert _labels(list(batches[1].locations)) == [
        "page 2 item 2",
        "page 2 item 3",
        "page 3 item 1",
        "page 3 item 2",
    ]
    assert [batch.cursor for batch in batches] == ["4", "8", "10"]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"url": "ftp://crm.example.com/customers"}, "url"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"pagination": {"style": "pages"}}, "pagination"),
        ({"pagination": {"style": "page_number", "page_size": 50}}, "size_param"),
        ({"pagination": {"style": "cursor"}}, "next_cursor_path"),
        ({"auth": {"kind": "api_key", "key_env": "K"}}, "query_param"),
        ({"auth": {"kind": "bearer", "token": "abc"}}, "token_env"),
        ({"headers": {"Authorization": "Bearer abc"}}, "headers"),
        ({"params": {"filter": {"a": 1}}}, "params"),
        ({"records_path": "data..items"}, "records_path"),
        ({"since_param": "since"}, "cursor_field"),
        ({"page_size": 10}, "page_size"),
    ],
    ids=[
        "not_http",
        "zero_timeout",
        "unknown_style",
        "page_size_alone",
        "cursor_without_path",
        "api_key_nowhere",
        "token_in_config",
        "secret_header",
        "nested_param",
        "empty_path_step",
        "since_without_cursor",
        "unknown_field",
    ],
)
def test_a_bad_declaration_names_the_field(fields: dict[str, Any], named: str) -> None:
    declaration = {"kind": "rest", "url": "https://crm.example.com/customers", **fields}

    with pytest.raises(ValidationError, match=named):
        RestConnector.model_validate(declaration)


def test_a_declaration_reads_from_config_shape() -> None:
    spec = RestConnector.model_validate(
        {
            "kind": "rest",
            "url": "https://crm.example.com/customers",
            "params": {"status": "active", "per_page": 50, "archived": False},
            "pagination": {"style": "offset"},
            "auth": {"kind": "api_key", "key_env": "CRM_KEY", "header": "X-API-Key"},
        }
    )

    assert spec.params == {"status": "active", "per_page": "50", "archived": "false"}
    assert spec.pagination.style == "offset"
    assert spec.timeout_seconds == 30
    assert (spec.max_retries, spec.backoff_seconds, spec.max_backoff_seconds) == (5, 0.5, 30)
