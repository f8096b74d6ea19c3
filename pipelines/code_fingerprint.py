"""The hub's code as it runs: what a rerun that finds its inputs unchanged must also find.

A fix to a standardizer or a new release of ``phonenumbers`` changes what a run publishes
from the same data, and the hub's version number does not change with every commit. So
what tells runs apart is a digest of the hub's own source files and of the installed
versions of what it runs on.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import re
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path

#: The hub's packages whose code decides what a run lands and publishes.
_PACKAGES = ("errors", "connectors", "quality", "matching", "warehouse", "stewardship", "pipelines")


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 of the hub's source files and of its runtime dependencies' versions."""
    digest = hashlib.sha256()
    for package in _PACKAGES:
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.origin is not None, package  # imported by the hub
        root = Path(spec.origin).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(f"\x00{path.relative_to(root.parent).as_posix()}\x00".encode())
            digest.update(path.read_bytes())
    for requirement in requires("customer-hub") or ():
        if "extra ==" in requirement:
            continue
        name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "missing"
        digest.update(f"\x00{name}=={installed}".encode())
    return digest.hexdigest()
