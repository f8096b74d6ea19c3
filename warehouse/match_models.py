"""Saved versions of the match model: every run that trains one saves it, numbered from 1.

A run saves its model when it publishes, in the transaction that writes the pairs the
model scored (see `publish`), so each version belongs to a published run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from matching import CustomerLinks, FellegiSunterModel, TrainingProfile
from warehouse import schema


@dataclass(frozen=True)
class TrainedModel:
    """A match model a run trained; publishing the run saves it as the next version."""

    model: FellegiSunterModel
    trained_at: dt.datetime
    records: int
    """Records it was trained on."""
    candidate_pairs: int
    """Candidate pairs it was trained on."""
    trained_on: TrainingProfile | None = None
    """The profile of its training data, to measure a later run's drift from."""

    @classmethod
    def of_run(cls, links: CustomerLinks, records: int) -> TrainedModel:
        """The model a matching run trained on ``records`` records, trained now."""
        return cls(
            model=links.model,
            trained_at=dt.datetime.now(dt.UTC),
            records=records,
            candidate_pairs=sum(
                report.new_pairs for report in links.candidate_pairs_by_pass.values()
            ),
            trained_on=links.training_profile,
        )


@dataclass(frozen=True)
class SavedModel:
    """A saved version of the match model."""

    version: int
    model: FellegiSunterModel
    trained_at: dt.datetime
    run_id: str
    """The run that trained it."""
    trained_on: TrainingProfile | None = None
    """The profile of its training data; None for versions saved before profiles were kept."""


def save_model(connection: sa.Connection, trained: TrainedModel, run_id: str) -> int:
    """Save a trained model as the version after the latest; returns its version."""
    table = schema.match_model
    latest = connection.execute(sa.select(sa.func.max(table.c.version))).scalar_one()
    version = (latest or 0) + 1
    connection.execute(
        sa.insert(table).values(
            version=version,
            trained_at=trained.trained_at,
            run_id=run_id,
            fingerprint=trained.model.fingerprint,
            model=trained.model.to_dict(),
            iterations=trained.model.iterations,
            converged=trained.model.converged,
            records=trained.records,
            candidate_pairs=trained.candidate_pairs,
            trained_on=trained.trained_on.to_dict() if trained.trained_on else None,
        )
    )
    return version


def latest_model(engine: sa.Engine, fingerprint: str) -> SavedModel | None:
    """The latest saved version for the comparisons with this fingerprint, if any.

    Args:
        engine: The warehouse.
        fingerprint: Of the comparisons to score with (`matching.comparisons_fingerprint`).
    """
    table = schema.match_model
    with engine.connect() as connection:
        row = (
            connection.execute(
                sa.select(
                    table.c.version,
                    table.c.model,
                    table.c.trained_at,
                    table.c.run_id,
                    table.c.trained_on,
                )
                .where(table.c.fingerprint == fingerprint)
                .order_by(table.c.version.desc())
                .limit(1)
            )
            .mappings()
            .one_or_none()
        )
    if row is None:
        return None
    return SavedModel(
        version=row["version"],
        model=FellegiSunterModel.from_dict(row["model"]),
        trained_at=row["trained_at"],
        run_id=row["run_id"],
        trained_on=TrainingProfile.from_dict(row["trained_on"]) if row["trained_on"] else None,
    )


def saved_models(engine: sa.Engine) -> pd.DataFrame:
    """Every saved version, newest first, with what it was trained on.

    Returns:
        Columns ``version, trained_at, run_id, fingerprint, iterations, converged,
        records, candidate_pairs`` and ``comparisons`` (the names of those it scores).
    """
    table = schema.match_model
    with engine.connect() as connection:
        saved = pd.read_sql(sa.select(table).order_by(table.c.version.desc()), connection)
    comparisons = [
        ", ".join(c["name"] for c in model["comparisons"]) for model in saved.pop("model")
    ]
    return saved.drop(columns="trained_on").assign(comparisons=comparisons)


def level_labels(engine: sa.Engine, model_version: int) -> dict[str, tuple[str, ...]]:
    """Each comparison's level labels in the saved model version, by comparison name."""
    table = schema.match_model
    with engine.connect() as connection:
        model = connection.execute(
            sa.select(table.c.model).where(table.c.version == model_version)
        ).scalar_one_or_none()
    comparisons = (model or {}).get("comparisons", [])
    return {c["name"]: tuple(c["level_labels"]) for c in comparisons}
