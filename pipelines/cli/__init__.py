"""The `hub` command: sync sources, run the hub, review its decisions, serve the console."""

from pipelines.cli.main import main

__all__ = ["main"]
