"""The run summary printed by `hub run`, read back from what the run published."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

from warehouse import connect, run_summary


@dataclass(frozen=True)
class RunReport:
    """What one run read, quarantined, linked and published."""

    run_id: str
    warehouse_url: str
    summary: dict[str, Any]

    def render(self, *, seconds: float | None = None) -> str:
        """The summary as a short plain-text report for the terminal."""
        s = self.summary
        took = f" in {seconds:.1f} s" if seconds is not None else ""
        shown_url = make_url(self.warehouse_url).render_as_string(hide_password=True)
        lines = [f"Run {self.run_id} published{took} to {shown_url}", ""]
        width = max(len("source"), *(len(name) for name in s["rows_read"]))
        lines.append(
            f"  {'source':<{width}}  {'read':>9}  {'standardized':>12}  {'quarantined':>11}"
        )
        for name, read in s["rows_read"].items():
            lines.append(
                f"  {name:<{width}}  {read:>9,}  {s['standardized'][name]:>12,}"
                f"  {s['quarantined'][name]:>11,}"
            )
        lines.append(
            f"  {'total':<{width}}  {sum(s['rows_read'].values()):>9,}"
            f"  {sum(s['standardized'].values()):>12,}  {sum(s['quarantined'].values()):>11,}"
        )
        if s["quarantined_by_rule"]:
            lines += ["", "  quarantined by rule:"]
            for name, rules in s["quarantined_by_rule"].items():
                for rule, count in sorted(rules.items(), key=lambda item: (-item[1], item[0])):
                    lines.append(f"    {name:<{width}}  {rule:<28} {count:>7,}")
        if not s.get("checks_passed", True):
            lines += ["", "  validation: a batch-level expectation failed (see the Dagster run)"]
        landing = s.get("landing", {})
        candidates = sum(p["new_pairs"] for p in s["candidate_pairs"].values())
        passes = len(s["candidate_pairs"])
        lines += [
            "",
            f"  candidate pairs     {candidates:>9,}  ({passes} blocking passes)",
            f"  links made          {s['links']:>9,}",
            f"  left for review     {s['review_pairs']:>9,}",
            f"  golden customers    {s['golden_customers']:>9,}",
        ]
        if landing:
            lines.append(
                f"  landed rows         {landing['new']:>9,} new, {landing['changed']:,} changed,"
                f" {landing['unchanged']:,} unchanged"
            )
        return "\n".join(lines)


def read_run_report(warehouse_url: str, run_id: str) -> RunReport:
    """The report of run ``run_id`` from the warehouse at ``warehouse_url``."""
    engine = connect(warehouse_url)
    try:
        return RunReport(
            run_id=run_id, warehouse_url=warehouse_url, summary=run_summary(engine, run_id)
        )
    finally:
        engine.dispose()
