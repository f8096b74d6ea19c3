"""Serving: what the hub offers people and apps over HTTP, reading through the warehouse's
and stewardship's public functions. Today the steward console (`hub steward`).

FastAPI and uvicorn load only when a console is made or served, so the hub config, which
holds the console's settings, stays quick to read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from matching import MatchSettings
from serving.console.auth import STEWARDS_ENV, Stewards, hash_password
from serving.console.settings import ConsoleSettings

if TYPE_CHECKING:
    from fastapi import FastAPI


def steward_console(
    *,
    warehouse_url: str,
    matching: MatchSettings,
    settings: ConsoleSettings,
    apply_decisions: Callable[[], str],
    stewards: Stewards | None = None,
) -> FastAPI:
    """The steward console app (see `serving.console.app.create_app`)."""
    from serving.console.app import create_app

    return create_app(
        warehouse_url=warehouse_url,
        matching=matching,
        settings=settings,
        apply_decisions=apply_decisions,
        stewards=stewards,
    )


def serve(app: FastAPI, *, host: str, port: int) -> None:
    """Serve an app on ``host:port`` until interrupted."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning")


__all__ = [
    "STEWARDS_ENV",
    "ConsoleSettings",
    "Stewards",
    "hash_password",
    "serve",
    "steward_console",
]
