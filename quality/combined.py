"""The quality stage's outcome over every source: the clean records of all customer
sources, the interactions of all interaction sources, and the rows held back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd

from quality.canonical import CANONICAL_FIELDS, RECORD_ID, attribute_names
from quality.gate import QualityVerdict


@dataclass(frozen=True)
class CustomerRecords:
    """The clean records of every customer source, and the landed rows quality held back."""

    records: pd.DataFrame
    quarantine: pd.DataFrame
    """Held-back rows: source, source_key, location, rule, detail, payload (the row as read)."""
    issues: pd.DataFrame
    """Values of passed rows set aside or cleaned: source, source_key, location, field,
    rule, value (as read), detail."""
    rows_landed: dict[str, int]
    """Current landed rows per source, in config order."""
    verdicts: dict[str, QualityVerdict] = field(default_factory=dict)
    """How each source that had rows fared at its quality gate."""
    data_docs: Path | None = None
    """The Data Docs site's index page, when Data Docs are written."""

    def standardized_by_source(self) -> dict[str, int]:
        """Records that passed per source, as each source's gate counted them."""
        return {
            source: self.verdicts[source].rows_passed if source in self.verdicts else 0
            for source in self.rows_landed
        }

    def quarantined_by_source(self) -> dict[str, int]:
        """Quarantined rows per source, each row counted once whatever rules it broke."""
        return {
            source: self.verdicts[source].rows_quarantined if source in self.verdicts else 0
            for source in self.rows_landed
        }

    def set_aside_by_source(self) -> dict[str, int]:
        """Values of passed rows set aside per source, for a rule they broke."""
        return {
            source: self.verdicts[source].values_set_aside if source in self.verdicts else 0
            for source in self.rows_landed
        }

    def cleaned_by_source(self) -> dict[str, int]:
        """Records that passed per source with values cleaned of control characters."""
        return {
            source: self.verdicts[source].rows_cleaned if source in self.verdicts else 0
            for source in self.rows_landed
        }


@dataclass(frozen=True)
class CustomerInteractions:
    """The standardized interactions of every interaction source, and the rows held back."""

    interactions: pd.DataFrame
    """``source``, ``source_key``, ``customer_source`` and the interaction fields."""
    quarantine: pd.DataFrame
    issues: pd.DataFrame
    """Values cleaned of control characters, as in `CustomerRecords.issues`."""
    rows_landed: dict[str, int]


def combined_records(records: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """All sources' records in one frame; an attribute a source lacks is missing (None)."""
    if not records:
        return pd.DataFrame(columns=[*CANONICAL_FIELDS, RECORD_ID])
    combined = pd.concat(records, ignore_index=True)
    attributes = attribute_names(combined.columns)
    if attributes:
        values = combined[attributes].astype(object)
        # pandas takes None as `other`; pandas-stubs leave it out, hence the cast.
        combined[attributes] = values.where(values.notna(), cast(Any, None))
    return combined
