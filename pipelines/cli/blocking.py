"""`hub blocking`: the blocking passes in force, and what each found in the last run."""

from __future__ import annotations

from typing import Any

import pandas as pd

from matching import DEFAULT_BLOCKING_PASSES, SPARSE_CONTACT_PASSES, MatchSettings, pass_name
from pipelines.cli.text_table import text_table

#: What the run adds besides the passes in force: pairs its constraints name.
_CONSTRAINTS = "constraints"


def render_passes(settings: MatchSettings, summary: dict[str, Any] | None) -> str:
    """A table of the passes: built in, declared, or added by the last run, because its
    records held few e-mail addresses and phone numbers or an undeclared identifier
    (`matching.with_mapped_attributes`); and what each found in the run
    that published ``summary``: its pairs as estimated before it ran, all it found, those
    no pass before it found, the links among them and the links no other pass found
    (``-`` before any run or for a pass that run did not have)."""
    built_in = {pass_name(list(keys)) for keys in DEFAULT_BLOCKING_PASSES}
    sparse = {pass_name(blocking_pass) for blocking_pass in SPARSE_CONTACT_PASSES}
    found = (summary or {}).get("candidate_pairs", {})
    names = [pass_name(blocking_pass) for blocking_pass in settings.blocking_passes]
    added = [name for name in found if name not in names and name != _CONSTRAINTS]

    def figure(name: str, key: str) -> str:
        value = found.get(name, {}).get(key)
        if found.get(name, {}).get("over_budget") and key != "estimated_pairs":
            return "over budget"
        return "-" if value is None else f"{value:,}"

    identifiers = {
        name
        for name, comparison in (summary or {}).get("attribute_comparisons", {}).items()
        if comparison == "edit_distance" and name not in settings.attributes
    }

    def origin(name: str) -> str:
        if name in names:
            return "built in" if name in built_in else "declared"
        if name in sparse:
            return "few contacts"
        return "mapped identifier" if name in identifiers else "no longer in force"

    shown = pd.DataFrame(
        {
            "pass": names + added,
            "from": [origin(name) for name in names + added],
            **{
                heading: [figure(name, key) for name in names + added]
                for heading, key in [
                    ("estimated", "estimated_pairs"),
                    ("pairs found", "pairs"),
                    ("not found before", "new_pairs"),
                    ("links", "links"),
                    ("links alone", "links_alone"),
                ]
            },
        }
    )
    lines = text_table(shown)
    in_force = (
        "the built-in passes and those declared under `matching.blocking_passes`"
        if settings.default_blocking_passes
        else "only those declared (`matching.default_blocking_passes: false`)"
    )
    lines += ["", f"{len(names)} passes in force: {in_force}."]
    if any(name in sparse for name in added):
        lines.append(
            "The last run added the `few contacts` passes: under half of its records had an "
            "e-mail address or a phone number."
        )
    if any(name in identifiers for name in added):
        lines.append(
            "It blocked on each `mapped identifier`: an attribute the sources map, not "
            "declared under `matching.attributes`, whose values are ids."
        )
    if summary is None:
        lines.append("No run has published yet: `hub run` finds the pairs.")
        return "\n".join(lines)
    total = sum(report["new_pairs"] for report in found.values())
    lines.append(f"The last run found {total:,} candidate pairs in all.")
    blocking = summary.get("blocking")
    if blocking:
        lines.append(
            f"Blocking recall, estimated without labels: {blocking['estimated_recall']:.3f} "
            f"(about {blocking['matches_missed']:,.0f} matching pairs that share a family "
            "or given name sound, a birth date or a postcode were put up by no pass)."
        )
    return "\n".join(lines)
