"""The steward console: the review queue, each item's evidence, golden customers with
their lineage, search, decisions and the audit log, rendered on the server.

Every page needs a logged-in steward; every form carries the session's anti-forgery
token; every answer carries the security headers of `serving.console.headers`; every
decision is recorded under the steward's name.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, cast

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

import stewardship
from errors import HubError
from matching import MatchSettings
from quality import PERSON_FIELDS
from serving.console.auth import (
    LoginAttempts,
    Sessions,
    Stewards,
    client_network,
    new_token,
    same_token,
    session_secret,
)
from serving.console.headers import SECURITY_HEADERS, SecurityHeaders
from serving.console.settings import ConsoleSettings
from stewardship import REASONS, VERDICTS, evidence, shown, side_by_side
from warehouse import (
    NotInWarehouse,
    connect,
    find_customers,
    golden_profile,
    review_item,
    review_items,
)

log = logging.getLogger(__name__)

_HERE: Final = Path(__file__).parent
_QUEUE_PAGE: Final = 50


class _Runs:
    """The console's runs of the stages, one at a time, each in a thread of its own."""

    def __init__(self, apply_decisions: Callable[[], str]) -> None:
        self._apply_decisions = apply_decisions
        self._lock = threading.Lock()
        self._running = False
        self._last: str | None = None

    def start(self) -> bool:
        """Start a run unless one is under way; whether this call started one."""
        with self._lock:
            if self._running:
                return False
            self._running = True
        threading.Thread(target=self._run, name="console-run", daemon=True).start()
        return True

    def _run(self) -> None:
        done = "The last run failed unexpectedly; the console's log has the details"
        try:
            done = f"Decisions applied by run {self._apply_decisions()[:8]}"
        except HubError as exc:
            done = f"The last run failed: {exc}"
        except Exception:
            # A defect, not the user's doing: log it, and let the next run start.
            log.exception("a run started from the steward console failed")
        finally:
            with self._lock:
                self._running = False
                self._last = f"{done} at {dt.datetime.now():%H:%M:%S}."

    def status(self) -> str | None:
        """What the console's runs are doing, or did last."""
        with self._lock:
            return "Applying the decisions: a run is under way…" if self._running else self._last


class _NotLoggedIn(Exception):
    """The request has no steward; the handler sends it to the login page."""


def create_app(
    *,
    warehouse_url: str,
    matching: MatchSettings,
    settings: ConsoleSettings,
    apply_decisions: Callable[[], str],
    stewards: Stewards | None = None,
) -> FastAPI:
    """The console for the warehouse at ``warehouse_url``.

    Args:
        warehouse_url: The warehouse the stewards work on.
        matching: The config's match settings, whose constraints decisions must agree with.
        settings: The config's ``console`` section.
        apply_decisions: Runs matching and publishing on what the sources last landed, so
            that the decisions take effect; returns the run's id. The console calls it in
            a thread of its own when a steward asks.
        stewards: Who may log in; by default those of ``settings`` and ``HUB_STEWARDS``.
    """
    stewards = stewards if stewards is not None else Stewards.from_settings(settings.stewards)
    engine = connect(warehouse_url)
    templates = Jinja2Templates(directory=_HERE / "templates")
    app = FastAPI(
        title="Customer hub steward console", docs_url=None, redoc_url=None, openapi_url=None
    )
    runs = _Runs(apply_decisions)
    sessions = Sessions()
    # An address may fail more often than a name, as several stewards may share one (an
    # office's). Logging in clears a name's failures but not its address's, or a steward
    # could guess at other names between logins of their own.
    by_name, by_address = LoginAttempts(limit=5), LoginAttempts(limit=10)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(),
        same_site="strict",
        https_only=settings.https_only,
        max_age=8 * 3600,
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

    @app.exception_handler(Exception)
    async def _defect(request: Request, _: Exception) -> Response:
        # Starlette answers a defect outside every middleware, so this answer adds the headers.
        return PlainTextResponse("Internal Server Error", 500, headers=SECURITY_HEADERS)

    @app.exception_handler(_NotLoggedIn)
    async def _to_login(request: Request, _: _NotLoggedIn) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    def page(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        session = request.session
        session.setdefault("csrf", new_token())
        return templates.TemplateResponse(
            request,
            name,
            {
                "steward": session.get("steward"),
                "csrf": session["csrf"],
                "run_status": runs.status(),
                **context,
            },
            status_code=status_code,
        )

    def steward(request: Request) -> str:
        name = request.session.get("steward")
        if not name or not sessions.is_open(request.session.get("sid")):
            raise _NotLoggedIn
        return str(name)

    def checked(request: Request, token: str) -> str:
        """The steward of a form post whose token is the session's."""
        name = steward(request)
        if not same_token(token, request.session.get("csrf")):
            raise HTTPException(403, "This form has expired or did not come from the console.")
        return name

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> Response:
        return page(request, "login.html", next=next, failed=False, configured=bool(stewards))

    @app.post("/login")
    def login(
        request: Request,
        name: str = Form(...),
        password: str = Form(...),
        csrf_token: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        if not same_token(csrf_token, request.session.get("csrf")):
            raise HTTPException(403, "This form has expired; reload the login page.")
        address = client_network(request.client.host if request.client else None)
        held_off = (
            "from this address"
            if by_address.blocked(address)
            else "for this name"
            if by_name.blocked(name)
            else None
        )
        if held_off:
            return page(
                request,
                "login.html",
                status_code=429,
                next=next,
                failed=True,
                configured=True,
                blocked=held_off,
            )
        if not stewards.check(name, password):
            by_name.failed(name)
            by_address.failed(address)
            return page(
                request, "login.html", status_code=401, next=next, failed=True, configured=True
            )
        by_name.succeeded(name)
        request.session.clear()
        request.session.update({"steward": name, "csrf": new_token(), "sid": sessions.open()})
        return RedirectResponse(_local(next), status_code=303)

    @app.post("/logout")
    def logout(request: Request, csrf_token: str = Form("")) -> Response:
        checked(request, csrf_token)
        sessions.close(request.session.get("sid"))
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request, reason: str | None = None) -> Response:
        steward(request)
        items, total = review_items(engine, limit=_QUEUE_PAGE, reason=reason)
        return page(
            request,
            "queue.html",
            # pandas takes None as `other`; pandas-stubs leave it out, hence the cast.
            items=items.astype(object).where(items.notna(), cast(Any, None)).to_dict("records"),
            total=total,
            reason=reason,
            reasons=REASONS,
            message=request.session.pop("message", None),
        )

    @app.get("/review/{review_id}", response_class=HTMLResponse)
    def item(request: Request, review_id: str) -> Response:
        steward(request)
        try:
            found = review_item(engine, review_id)
        except NotInWarehouse as exc:
            return page(request, "gone.html", status_code=404, problem=str(exc))
        if found["kind"] == "pair":
            records = [found["record_id_l"], found["record_id_r"]]
            return page(
                request,
                "pair.html",
                item=found,
                reason=REASONS.get(found["reason"], found["reason"]),
                fields=side_by_side(engine, records),
                records=records,
                evidence=_with_bars(evidence(engine, found)),
            )
        records = found["evidence"]["records"]
        return page(
            request,
            "customer_item.html",
            item=found,
            reason=REASONS.get(found["reason"], found["reason"]),
            fields=side_by_side(engine, records),
            records=records,
        )

    @app.post("/review/{review_id}/decide")
    def decide(
        request: Request,
        review_id: str,
        verdict: str = Form(...),
        comment: str = Form(""),
        record: str = Form(""),
        csrf_token: str = Form(""),
    ) -> Response:
        name = checked(request, csrf_token)
        if verdict not in VERDICTS:
            raise HTTPException(400, f"unknown verdict {verdict!r}")
        return _acted(
            request,
            lambda: stewardship.decide_item(
                engine,
                matching,
                review_id,
                VERDICTS[verdict],
                steward=name,
                comment=comment or None,
                record=record or None,
            ),
            back=f"/review/{review_id}",
        )

    @app.get("/customer/{golden_id}", response_class=HTMLResponse)
    def customer(request: Request, golden_id: str) -> Response:
        steward(request)
        try:
            profile = golden_profile(engine, golden_id)
        except NotInWarehouse as exc:
            return page(request, "gone.html", status_code=404, problem=str(exc))
        lineage = profile["lineage"]
        values = profile["customer"]
        return page(
            request,
            "customer.html",
            golden_id=profile["golden_id"],
            asked_for=profile["asked_for"],
            customer=values,
            lineage=[
                {
                    "field": f,
                    "value": shown(values[f]),
                    "source": lineage.at[f, "source"] if f in lineage.index else None,
                    "source_key": lineage.at[f, "source_key"] if f in lineage.index else None,
                    "rule": lineage.at[f, "rule"] if f in lineage.index else None,
                }
                for f in PERSON_FIELDS
            ],
            fields=side_by_side(engine, list(profile["records"].index)),
            records=list(profile["records"].index),
            person_fields=PERSON_FIELDS,
            message=request.session.pop("message", None),
        )

    @app.post("/customer/{golden_id}/override")
    def override(
        request: Request,
        golden_id: str,
        field: str = Form(...),
        value: str = Form(""),
        comment: str = Form(""),
        csrf_token: str = Form(""),
    ) -> Response:
        name = checked(request, csrf_token)
        return _acted(
            request,
            lambda: stewardship.override(
                engine, golden_id, field, value, steward=name, comment=comment or None
            ),
            back=f"/customer/{golden_id}",
        )

    @app.post("/customer/{golden_id}/take-out")
    def take_out(
        request: Request,
        golden_id: str,
        record: str = Form(...),
        comment: str = Form(""),
        csrf_token: str = Form(""),
    ) -> Response:
        name = checked(request, csrf_token)
        return _acted(
            request,
            lambda: stewardship.take_out(
                engine, matching, record, steward=name, comment=comment or None, out_of=golden_id
            ),
            back=f"/customer/{golden_id}",
        )

    @app.get("/search", response_class=HTMLResponse)
    def search(request: Request, q: str = "") -> Response:
        steward(request)
        found = find_customers(engine, q) if q.strip() else None
        return page(
            request,
            "search.html",
            q=q,
            found=None if found is None else found.to_dict("records"),
        )

    @app.get("/decisions", response_class=HTMLResponse)
    def decisions(request: Request) -> Response:
        steward(request)
        return page(
            request,
            "decisions.html",
            decisions=stewardship.audit_log(engine, limit=200),
            message=request.session.pop("message", None),
        )

    @app.post("/decisions/{decision_id}/undo")
    def undo(
        request: Request, decision_id: int, comment: str = Form(""), csrf_token: str = Form("")
    ) -> Response:
        name = checked(request, csrf_token)
        return _acted(
            request,
            lambda: stewardship.undo(
                engine, matching, decision_id, steward=name, comment=comment or None
            ),
            back="/decisions",
        )

    @app.post("/apply")
    def apply(request: Request, csrf_token: str = Form(""), back: str = Form("/")) -> Response:
        """Start a run of matching and publishing, on what the sources last landed."""
        checked(request, csrf_token)
        request.session["message"] = (
            "A run started to apply the decisions; the bar above says when it is done."
            if runs.start()
            else "A run is under way already; it applies the decisions."
        )
        return RedirectResponse(_local(back), status_code=303)

    def _acted(request: Request, act: Any, back: str) -> Response:
        try:
            recorded = act()
        except (stewardship.DecisionRefused, NotInWarehouse) as exc:
            request.session["message"] = str(exc)
            return RedirectResponse(back, status_code=303)
        request.session["message"] = (
            f"Decision {recorded.decision_id} recorded: {recorded.summary}. "
            "It applies from the next run."
        )
        return RedirectResponse("/", status_code=303)

    return app


def _local(path: str) -> str:
    """A path on this console to go back to; anything else (another site) goes home."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


def _with_bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evidence rows with each weight's bar, as a share of the widest."""
    widest = max((abs(row["weight"]) for row in rows), default=1.0) or 1.0
    return [{**row, "bar": round(100 * abs(row["weight"]) / widest)} for row in rows]
