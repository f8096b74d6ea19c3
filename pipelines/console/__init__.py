"""The steward console: a server-rendered web app over the warehouse (`hub steward`)."""

from __future__ import annotations

from pipelines.config import HubConfig
from pipelines.console.app import create_app


def serve(config: HubConfig, *, host: str, port: int) -> None:
    """Serve the console until interrupted."""
    import uvicorn

    uvicorn.run(create_app(config), host=host, port=port, log_level="warning")


__all__ = ["create_app", "serve"]
