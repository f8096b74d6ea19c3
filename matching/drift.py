"""Whether the data moved away from what a saved match model was trained on.

A model fitted once scores later runs as well as it scored its own, as long as the
records look alike: about as many of them, and their candidate pairs agreeing and
disagreeing on each comparison in the same proportions. A run that reuses a saved model
(``model: auto``) keeps it while both hold, and trains a new one once either moved past
its limit, so the choice follows the data and the run can say why it made it. A model
that learns from stewards' decisions is trained again whenever they changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from matching.comparison import LevelComparison


@dataclass(frozen=True)
class TrainingProfile:
    """What a model was trained on, in the terms drift is measured in."""

    records: int
    level_shares: dict[str, tuple[float, ...]]
    """Share of the candidate pairs at each level, by comparison name."""
    labels: str = ""
    """Digest of the pairs known to match or not (stewards' decisions) that training took
    as labels; empty without any."""

    @classmethod
    def of(
        cls,
        records: int,
        comparisons: Sequence[LevelComparison],
        levels: Mapping[str, np.ndarray],
        labelled_pairs: pd.DataFrame | None = None,
    ) -> TrainingProfile:
        """The profile of ``records`` records whose candidate pairs have these `levels`,
        with `labelled_pairs` (``record_id_l, record_id_r, is_match``) to learn from."""
        shares = {}
        for comparison in comparisons:
            name = comparison.comparison_name
            counts = np.bincount(
                np.asarray(levels[name], dtype=np.int64), minlength=len(comparison.level_labels)
            )
            total = counts.sum()
            shares[name] = tuple(float(c / total) if total else 0.0 for c in counts)
        return cls(records=records, level_shares=shares, labels=_labels_digest(labelled_pairs))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready) that `from_dict` turns back into the profile."""
        return {
            "records": self.records,
            "level_shares": {name: list(s) for name, s in self.level_shares.items()},
            "labels": self.labels,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingProfile:
        """Rebuild a profile saved with `to_dict`."""
        return cls(
            records=int(data["records"]),
            level_shares={
                str(name): tuple(float(s) for s in shares)
                for name, shares in data["level_shares"].items()
            },
            labels=str(data.get("labels", "")),
        )


@dataclass(frozen=True)
class ModelDrift:
    """How far a run's data moved from a model's training data, against the limits."""

    record_change: float
    """Records added (positive) or removed (negative) since training, as a share of
    those trained on."""
    level_shift: float
    """The largest total variation distance between the candidate pairs' level shares
    then and now, over the comparisons."""
    shifted_comparison: str
    """The comparison whose levels shifted most."""
    record_limit: float
    level_limit: float
    labels_changed: bool = False
    """Whether the labelled pairs (stewards' decisions) differ from those training learnt
    from: then the model no longer says what the stewards said."""

    @classmethod
    def between(
        cls,
        trained_on: TrainingProfile,
        now: TrainingProfile,
        record_limit: float,
        level_limit: float,
    ) -> ModelDrift:
        """The drift from `trained_on` to `now`, judged against the two limits."""
        shifts = {
            name: 0.5 * float(np.abs(np.subtract(shares, trained_on.level_shares[name])).sum())
            for name, shares in now.level_shares.items()
            if len(shares) == len(trained_on.level_shares.get(name, ()))
        }
        shifted = max(shifts, key=lambda name: shifts[name], default="")
        return cls(
            record_change=(now.records - trained_on.records) / max(trained_on.records, 1),
            level_shift=shifts.get(shifted, 0.0),
            shifted_comparison=shifted,
            record_limit=record_limit,
            level_limit=level_limit,
            labels_changed=now.labels != trained_on.labels,
        )

    @property
    def past_limits(self) -> bool:
        """Whether the data moved too far for the model to be kept."""
        return (
            abs(self.record_change) > self.record_limit
            or self.level_shift > self.level_limit
            or self.labels_changed
        )

    def describe(self) -> str:
        """What moved, beside its limit: ``records +1.0% (limit ±25%), …``."""
        labels = "; the stewards' labels changed" if self.labels_changed else ""
        on = f", on `{self.shifted_comparison}`" if self.shifted_comparison else ""
        return (
            f"records {self.record_change:+.1%} (limit ±{self.record_limit:.0%}), "
            f"levels shifted {self.level_shift:.3f} at most{on} "
            f"(limit {self.level_limit:g}){labels}"
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the run's summary."""
        return {
            "record_change": self.record_change,
            "level_shift": self.level_shift,
            "shifted_comparison": self.shifted_comparison,
            "record_limit": self.record_limit,
            "level_limit": self.level_limit,
            "labels_changed": self.labels_changed,
            "past_limits": self.past_limits,
        }


def _labels_digest(labelled_pairs: pd.DataFrame | None) -> str:
    """Identifies a set of labelled pairs, whatever their order; empty for none."""
    if labelled_pairs is None or labelled_pairs.empty:
        return ""
    lines = sorted(
        f"{left}|{right}|{bool(match)}"
        for left, right, match in zip(
            labelled_pairs["record_id_l"],
            labelled_pairs["record_id_r"],
            labelled_pairs["is_match"],
            strict=True,
        )
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
