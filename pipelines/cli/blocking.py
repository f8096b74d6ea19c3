"""`hub blocking`: the blocking passes in force, and what each found in the last run."""

from __future__ import annotations

from typing import Any

import pandas as pd

from matching import DEFAULT_BLOCKING_PASSES, MatchSettings, pass_name
from pipelines.cli.text_table import text_table


def render_passes(settings: MatchSettings, summary: dict[str, Any] | None) -> str:
    """A table of the passes in force: built in or declared, and the candidate pairs each
    found in the run that published ``summary`` (all it found, and those no pass before it
    found), or ``-`` before any run or for a pass that run did not have."""
    built_in = {pass_name(list(keys)) for keys in DEFAULT_BLOCKING_PASSES}
    found = (summary or {}).get("candidate_pairs", {})
    names = [pass_name(blocking_pass) for blocking_pass in settings.blocking_passes]

    def figure(name: str, key: str) -> str:
        return f"{found[name][key]:,}" if name in found else "-"

    shown = pd.DataFrame(
        {
            "pass": names,
            "from": ["built in" if name in built_in else "declared" for name in names],
            "pairs found": [figure(name, "pairs") for name in names],
            "not found before": [figure(name, "new_pairs") for name in names],
        }
    )
    lines = text_table(shown)
    origin = (
        "the built-in passes and those declared under `matching.blocking_passes`"
        if settings.default_blocking_passes
        else "only those declared (`matching.default_blocking_passes: false`)"
    )
    lines += ["", f"{len(names)} passes in force: {origin}."]
    if summary is None:
        lines.append("No run has published yet: `hub run` finds the pairs.")
    else:
        total = sum(report["new_pairs"] for report in found.values())
        lines.append(f"The last run found {total:,} candidate pairs in all.")
    return "\n".join(lines)
