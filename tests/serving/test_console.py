"""The steward console, served for real: logins and their throttling, forged forms, the
security headers, search, and a steward's review in headless Chromium, from the login to
the golden customer it changed, with no content-security violation on the way."""

from __future__ import annotations

import html
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI

from matching import MatchSettings
from pipelines.config import WAREHOUSE_URL_ENV, HubConfig, load_config
from pipelines.runner import run_hub
from serving import ConsoleSettings, Stewards, hash_password, steward_console
from serving.console.auth import client_network

if TYPE_CHECKING:
    from conftest import HubBuilds

PASSWORD = "wonderland"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
        "object-src 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


@dataclass(frozen=True)
class Console:
    url: str
    config: HubConfig


@pytest.fixture
def console(tmp_path: Path, hub_builds: HubBuilds) -> Iterator[Console]:
    """The console on a copy of the demo warehouse, served on a free local port; alice may
    log in."""
    with hub_builds.copy("sqlite", tmp_path, people=300, seed=5) as published:
        with pytest.MonkeyPatch.context() as env:
            env.setenv(WAREHOUSE_URL_ENV, published.warehouse_url)
            config = load_config(published.demo.config)
        with _served(config, Stewards({"alice": hash_password(PASSWORD)}, {})) as url:
            yield Console(url, config)


@contextmanager
def _served(config: HubConfig, stewards: Stewards) -> Iterator[str]:
    """The console of `config` served on a free local port, by its URL; its decisions
    are applied by a run of the hub, as `hub steward` does."""
    app = steward_console(
        warehouse_url=config.warehouse.url,
        matching=config.matching,
        settings=config.console,
        apply_decisions=lambda: run_hub(config, sync=False).run_id,
        stewards=stewards,
    )
    with _serving(app) as url:
        yield url


@contextmanager
def _console_without_customers(
    tmp_path: Path, apply_decisions: Callable[[], str] = lambda: "run-1"
) -> Iterator[str]:
    """A console on an empty warehouse, served on a free local port; alice may log in."""
    app = steward_console(
        warehouse_url=f"sqlite:///{tmp_path / 'warehouse.sqlite'}",
        matching=MatchSettings(),
        settings=ConsoleSettings(),
        apply_decisions=apply_decisions,
        stewards=Stewards({"alice": hash_password(PASSWORD)}, {}),
    )
    with _serving(app) as url:
        yield url


@contextmanager
def _serving(app: FastAPI) -> Iterator[str]:
    """The app served on a free local port, by its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the console did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _csrf(html: str) -> str:
    marker = 'name="csrf_token" value="'
    return html.split(marker, 1)[1].split('"', 1)[0]


class _FromAddress(requests.adapters.HTTPAdapter):
    """Connections from a given local address (any of 127.0.0.0/8 on Linux)."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, source_address=(self._address, 0), **kwargs)


def _from(address: str) -> requests.Session:
    """A browser session whose requests come from `address`."""
    session = requests.Session()
    session.mount("http://", _FromAddress(address))
    return session


def _logged_in(console: Console | str, session: requests.Session | None = None) -> requests.Session:
    url = console if isinstance(console, str) else console.url
    session = session or requests.Session()
    token = _csrf(session.get(f"{url}/login").text)
    answer = session.post(
        f"{url}/login",
        data={"name": "alice", "password": PASSWORD, "csrf_token": token, "next": "/"},
    )
    assert answer.ok and "Review queue" in answer.text
    return session


def _top_pair_across_customers(console: Console) -> dict[str, str]:
    engine = sa.create_engine(console.config.warehouse.url)
    with engine.connect() as connection:
        row = connection.execute(
            sa.text(
                "SELECT review_id, record_id_l, record_id_r, golden_id, golden_id_r "
                "FROM review_item WHERE kind = 'pair' AND golden_id <> golden_id_r "
                "ORDER BY priority DESC, review_id LIMIT 1"
            )
        ).mappings()
        item = dict(row.one())
    engine.dispose()
    return item


@pytest.mark.slow
def test_every_page_needs_a_steward_and_a_wrong_password_is_refused(console: Console) -> None:
    anonymous = requests.Session()
    for path in ("/", "/search?q=smith", "/decisions", "/review/R-0000000000"):
        answer = anonymous.get(console.url + path, allow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    token = _csrf(anonymous.get(f"{console.url}/login").text)
    refused = anonymous.post(
        f"{console.url}/login", data={"name": "alice", "password": "guess", "csrf_token": token}
    )
    assert refused.status_code == 401 and "do not match" in refused.text
    # After logging in, the console goes back only to its own pages.
    token = _csrf(refused.text)
    answer = anonymous.post(
        f"{console.url}/login",
        data={"name": "alice", "password": PASSWORD, "csrf_token": token, "next": "//evil.test/"},
        allow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"


@pytest.mark.slow
def test_a_form_without_the_sessions_token_is_refused(console: Console) -> None:
    session = _logged_in(console)
    item = _top_pair_across_customers(console)
    decide = f"{console.url}/review/{item['review_id']}/decide"
    forged = session.post(decide, data={"verdict": "same"})
    assert forged.status_code == 403
    other = _csrf(requests.Session().get(f"{console.url}/login").text)
    assert session.post(decide, data={"verdict": "same", "csrf_token": other}).status_code == 403
    decisions = session.get(f"{console.url}/decisions").text
    assert "No steward decisions yet" in decisions


@pytest.mark.slow
def test_search_finds_a_customer_by_name_email_phone_and_source_key(console: Console) -> None:
    session = _logged_in(console)
    engine = sa.create_engine(console.config.warehouse.url)
    with engine.connect() as connection:
        customer = (
            connection.execute(
                sa.text(
                    "SELECT g.golden_id, g.given_name, g.family_name, g.email, g.phone, "
                    "x.source, x.source_key FROM golden_customer g JOIN customer_xref x "
                    "USING (golden_id) WHERE g.email IS NOT NULL AND g.phone IS NOT NULL "
                    "ORDER BY g.golden_id LIMIT 1"
                )
            )
            .mappings()
            .one()
        )
    engine.dispose()
    for query in (
        f"{customer['given_name']} {customer['family_name']}".lower(),
        customer["email"].upper(),
        customer["phone"],
        customer["source_key"],
        f"{customer['source']}:{customer['source_key']}",
    ):
        found = session.get(f"{console.url}/search", params={"q": query}).text
        assert f"/customer/{customer['golden_id']}" in found, query
    assert "No customer matches" in session.get(f"{console.url}/search?q=zzzqqq").text
    # LIKE's wildcards are characters like any other; no customer's name holds these.
    for query in ("%", "_", "%_%"):
        found = session.get(f"{console.url}/search", params={"q": query}).text
        assert "No customer matches" in found, query


CHROMIUM = os.environ.get("HUB_CHROMIUM") or shutil.which("chromium")


@pytest.mark.slow
@pytest.mark.browser
def test_a_steward_reviews_a_pair_in_a_browser_and_sees_the_customer_change(
    console: Console, tmp_path: Path
) -> None:
    if CHROMIUM is None:
        reason = "no chromium on this machine (Debian's package `chromium`)"
        if os.environ.get("HUB_REQUIRE_SERVICES"):
            pytest.fail(f"HUB_REQUIRE_SERVICES is set but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    item = _top_pair_across_customers(console)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        said: list[str] = []
        page.on("console", lambda message: said.append(message.text))
        page.goto(console.url + "/")
        expect(page).to_have_url(f"{console.url}/login?next=/")
        page.get_by_label("Steward").fill("alice")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Review queue")).to_be_visible()

        page.locator(f'a[href="/review/{item["review_id"]}"]').click()
        expect(page.locator(".probability")).to_be_visible()
        records = page.locator("table.records")
        expect(records.locator("thead th")).to_have_text(
            ["Field", item["record_id_l"], item["record_id_r"]]
        )
        assert records.locator("tr.agree").count() + records.locator("tr.differ").count() > 0
        evidence = page.locator("table.evidence tbody tr")
        assert evidence.count() >= 3
        expect(evidence.last.locator("td").first).to_have_text("prior")
        # Each weight's bar is drawn, the widest across its cell.
        bars = page.locator("table.evidence td.bar rect")
        widths = [
            (bars.nth(n).bounding_box() or {"width": 0})["width"] for n in range(bars.count())
        ]
        assert bars.count() == evidence.count() and max(widths) > 150, widths
        page.screenshot(path=str(tmp_path / "pair.png"), full_page=True)

        page.get_by_label("Why (for the audit log)").fill("same phone, moved house")
        page.get_by_role("button", name="Same customer", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Decision 1 recorded")

        page.get_by_role("button", name="Apply decisions now").click()
        expect(page.get_by_role("status")).to_contain_text("A run started")
        # The run goes on in the background; the bar says when it is done.
        deadline = time.monotonic() + 120
        while "Decisions applied by run" not in (page.locator(".run-status").text_content() or ""):
            assert time.monotonic() < deadline, page.locator(".run-status").text_content()
            page.wait_for_timeout(500)
            page.reload()
        page.goto(f"{console.url}/customer/{item['golden_id']}")
        header = page.locator("table.records thead th")
        expect(header).to_contain_text([item["record_id_l"], item["record_id_r"]])

        page.get_by_role("link", name="Decisions").click()
        row = page.locator("table.decisions tbody tr").first
        expect(row).to_contain_text("alice")
        expect(row).to_contain_text("same phone, moved house")
        expect(row).not_to_contain_text("not applied yet")

        page.get_by_role("link", name="Search").click()
        page.get_by_placeholder("name, e-mail, phone").fill(item["record_id_l"].split(":", 1)[1])
        page.get_by_role("button", name="Search").click()
        expect(page.locator("table.found")).to_be_visible()
        browser.close()
    violations = [text for text in said if "Content Security Policy" in text]
    assert not violations, violations


@pytest.mark.slow
def test_overrides_take_outs_and_undos_go_through_the_console(console: Console) -> None:
    session = _logged_in(console)
    engine = sa.create_engine(console.config.warehouse.url)
    with engine.connect() as connection:
        golden_id, _ = connection.execute(
            sa.text(
                "SELECT golden_id, COUNT(*) FROM customer_xref GROUP BY golden_id "
                "HAVING COUNT(*) >= 3 ORDER BY golden_id LIMIT 1"
            )
        ).one()
    engine.dispose()
    page = session.get(f"{console.url}/customer/{golden_id}").text
    assert "Golden record" in page and "Source records" in page
    token = _csrf(page)
    overridden = session.post(
        f"{console.url}/customer/{golden_id}/override",
        data={
            "field": "email",
            "value": "kari@example.no",
            "comment": "told us",
            "csrf_token": token,
        },
    )
    assert "recorded" in overridden.text and "email set to" in overridden.text
    refused = session.post(
        f"{console.url}/customer/{golden_id}/override",
        data={"field": "birth_date", "value": "soon", "csrf_token": token},
    )
    assert "is not a date" in refused.text
    record = page.split("<option>", 1)[1].split("<", 1)[0]
    taken = session.post(
        f"{console.url}/customer/{golden_id}/take-out",
        data={"record": record, "csrf_token": token},
    )
    assert f"{record} taken out of {golden_id}" in taken.text

    log = session.get(f"{console.url}/decisions").text
    newest = int(log.split('action="/decisions/', 1)[1].split("/", 1)[0])
    undone = session.post(f"{console.url}/decisions/{newest}/undo", data={"csrf_token": token})
    assert f"decision {newest} (take_out) undone" in undone.text
    log = session.get(f"{console.url}/decisions").text
    assert f"undone by {newest + 1}" in log
    # Each decision reads as it does in `hub review log`.
    assert f"undid decision {newest}<" in log
    assert f"took {html.escape(record)} out of {golden_id}" in log
    assert f"set email of {golden_id} to &#39;kari@example.no&#39;" in log


@pytest.mark.slow
def test_the_queue_marks_an_item_decided_since_the_last_run(console: Console) -> None:
    session = _logged_in(console)
    queue = session.get(f"{console.url}/").text
    review_id = queue.split('href="/review/', 1)[1].split('"', 1)[0]
    token = _csrf(queue)
    page = session.get(f"{console.url}/review/{review_id}").text
    verdict = "different" if "Not the same customer" in page else "confirm"
    session.post(
        f"{console.url}/review/{review_id}/decide",
        data={"verdict": verdict, "csrf_token": token},
    )
    row = session.get(f"{console.url}/").text.split(f'href="/review/{review_id}"', 1)[1]
    assert "applied by the next run" in row.split("</tr>", 1)[0]


def test_stewards_come_from_the_environment_and_the_configs_hashes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_STEWARDS", "bob:builder carol:c4r0l")
    stewards = Stewards.from_settings({"alice": hash_password(PASSWORD)})
    assert stewards.check("alice", PASSWORD) and stewards.check("bob", "builder")
    assert not stewards.check("alice", "builder")
    assert not stewards.check("carol", "builder")
    assert not stewards.check("mallory", "builder")
    monkeypatch.delenv("HUB_STEWARDS")
    assert not Stewards.from_settings({})


@pytest.mark.slow
def test_logging_out_ends_the_session_even_for_a_copied_cookie(console: Console) -> None:
    session = _logged_in(console)
    copied = requests.Session()
    copied.cookies.update(session.cookies)
    assert copied.get(f"{console.url}/decisions", allow_redirects=False).status_code == 200
    token = _csrf(session.get(f"{console.url}/").text)
    session.post(f"{console.url}/logout", data={"csrf_token": token})
    answer = copied.get(f"{console.url}/decisions", allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


@pytest.mark.slow
def test_a_name_with_too_many_failed_logins_must_wait(console: Console) -> None:
    guesser = requests.Session()
    token = _csrf(guesser.get(f"{console.url}/login").text)
    statuses = [
        guesser.post(
            f"{console.url}/login",
            data={"name": "dave", "password": f"guess-{n}", "csrf_token": token},
        ).status_code
        for n in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    assert (
        "Too many failed logins"
        in guesser.post(
            f"{console.url}/login", data={"name": "dave", "password": "x", "csrf_token": token}
        ).text
    )


@pytest.mark.slow
def test_the_session_cookie_is_secure_where_the_config_says_https_only(console: Console) -> None:
    plain = requests.get(f"{console.url}/login").headers["set-cookie"].lower()
    assert "samesite=strict" in plain and "httponly" in plain and "secure" not in plain
    settings = console.config.console.model_copy(update={"https_only": True})
    config = console.config.model_copy(update={"console": settings})
    with _served(config, Stewards({}, {})) as url:
        secure = requests.get(f"{url}/login").headers["set-cookie"].lower()
    assert "samesite=strict" in secure and "; secure" in secure


def test_a_run_that_breaks_unexpectedly_is_reported_and_the_next_one_starts(
    tmp_path: Path,
) -> None:
    tries = []

    def broken_run() -> str:
        tries.append(len(tries) + 1)
        raise RuntimeError("a defect in the hub")

    with _console_without_customers(tmp_path, broken_run) as url:
        session = _logged_in(url)
        token = _csrf(session.get(f"{url}/").text)
        started = session.post(f"{url}/apply", data={"csrf_token": token})
        assert "A run started" in started.text
        deadline = time.monotonic() + 30
        while "failed unexpectedly" not in (status := session.get(f"{url}/decisions").text):
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
        again = session.post(f"{url}/apply", data={"csrf_token": token})
        assert "A run started" in again.text and "under way already" not in again.text
        deadline = time.monotonic() + 30
        while len(tries) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert tries == [1, 2]


@pytest.mark.slow
def test_every_response_carries_the_security_headers(console: Console) -> None:
    anonymous = requests.Session()
    session = _logged_in(console)
    token = _csrf(session.get(f"{console.url}/").text)
    answers = {
        "login page": anonymous.get(f"{console.url}/login"),
        "refused login": anonymous.post(
            f"{console.url}/login",
            data={
                "name": "alice",
                "password": "guess",
                "csrf_token": _csrf(anonymous.get(f"{console.url}/login").text),
            },
        ),
        "redirect to the login": anonymous.get(f"{console.url}/", allow_redirects=False),
        "style sheet": anonymous.get(f"{console.url}/static/console.css"),
        "missing static file": anonymous.get(f"{console.url}/static/nothing.js"),
        "unknown page": anonymous.get(f"{console.url}/nowhere"),
        "queue": session.get(f"{console.url}/"),
        "search": session.get(f"{console.url}/search", params={"q": "smith"}),
        "gone item": session.get(f"{console.url}/review/R-0000000000"),
        "redirect after a decision": session.post(
            f"{console.url}/apply", data={"csrf_token": token}, allow_redirects=False
        ),
        "forged form": session.post(f"{console.url}/apply", data={"csrf_token": "forged"}),
    }
    # A defect's page too: the queue, once its table is gone.
    engine = sa.create_engine(console.config.warehouse.url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE review_item"))
    engine.dispose()
    answers["server error"] = session.get(f"{console.url}/")

    assert {name: answer.status_code for name, answer in answers.items()} == {
        "login page": 200,
        "refused login": 401,
        "redirect to the login": 303,
        "style sheet": 200,
        "missing static file": 404,
        "unknown page": 404,
        "queue": 200,
        "search": 200,
        "gone item": 404,
        "redirect after a decision": 303,
        "forged form": 403,
        "server error": 500,
    }
    for name, answer in answers.items():
        assert {h: answer.headers.get(h) for h in SECURITY_HEADERS} == SECURITY_HEADERS, name


def test_many_names_from_one_address_must_wait_but_other_addresses_need_not(
    tmp_path: Path,
) -> None:
    with _console_without_customers(tmp_path) as url:
        guesser = _from("127.0.0.2")
        token = _csrf(guesser.get(f"{url}/login").text)
        tried = [
            guesser.post(
                f"{url}/login", data={"name": name, "password": "guess", "csrf_token": token}
            )
            for name in ["alice", *(f"name-{n}" for n in range(29))]
        ]
        # Thirty names tried once each: the address is held off after ten, as a name is
        # after five.
        assert [answer.status_code for answer in tried] == [401] * 10 + [429] * 20
        assert "Too many failed logins from this address" in tried[-1].text
        refused = guesser.post(
            f"{url}/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token}
        )
        assert refused.status_code == 429
        # alice, whose name was among them, logs in from elsewhere.
        _logged_in(url, _from("127.0.0.3"))


@pytest.mark.parametrize(
    ("host", "network"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
        (None, ""),
    ],
    ids=["ipv4", "ipv6-by-its-64", "ipv4-mapped", "not-an-address", "unknown"],
)
def test_failed_logins_count_per_address_and_ipv6_per_64(host: str | None, network: str) -> None:
    assert client_network(host) == network
