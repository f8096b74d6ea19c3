"""`hub model list`: the saved versions of the match model, and which one runs score with."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from matching import (
    MatchSettings,
    comparisons_fingerprint,
    comparisons_for,
    with_attribute_comparisons,
)
from pipelines.cli.text_table import text_table
from warehouse import latest_model, saved_models


def render_models(
    engine: sa.Engine, settings: MatchSettings, summary: dict[str, Any] | None
) -> str:
    """The saved versions, newest first, marking those that fit the settings' comparisons,
    with the attributes the sources map compared as the last run (``summary``) compared
    them."""
    saved = saved_models(engine)
    if saved.empty:
        return "No match model saved yet; the next `hub run` trains one and saves it as version 1."
    compared = with_attribute_comparisons(
        settings, (summary or {}).get("attribute_comparisons", {})
    )
    fingerprint = comparisons_fingerprint(comparisons_for(compared))
    fits = saved["fingerprint"] == fingerprint
    shown = pd.DataFrame(
        {
            "version": saved["version"],
            "trained at": pd.to_datetime(saved["trained_at"], utc=True).dt.strftime(
                "%Y-%m-%d %H:%M UTC"
            ),
            "run": saved["run_id"].str[:8],
            "iterations": saved["iterations"],
            "converged": saved["converged"].map({True: "yes", False: "no"}),
            "records": saved["records"].map("{:,}".format),
            "candidate pairs": saved["candidate_pairs"].map("{:,}".format),
            "fits the config": fits.map({True: "yes", False: "no"}),
            "comparisons": saved["comparisons"],
        }
    )
    lines = [*text_table(shown), ""]
    if settings.model == "retrain":
        lines.append("With `matching.model: retrain` every run trains and saves a new version.")
    elif not fits.any():
        lines.append(
            f"With `matching.model: {settings.model}` the next run trains and saves a new "
            "version: no saved version fits the config's comparisons."
        )
    elif settings.model == "latest":
        version = saved.loc[fits, "version"].iloc[0]
        lines.append(f"With `matching.model: latest` runs score with version {version}.")
    elif (latest := latest_model(engine, fingerprint)) is not None and latest.trained_on:
        lines.append(
            f"With `matching.model: auto` runs score with version {latest.version} until the "
            f"data drifts from what it was trained on: records changed by more than "
            f"{settings.retrain_when_records_change:.0%}, a comparison's levels shifted by "
            f"more than {settings.retrain_when_levels_shift:g}, or (learning from stewards) "
            "their decisions changed; `hub run` reports the drift."
        )
    else:
        version = saved.loc[fits, "version"].iloc[0]
        lines.append(
            "With `matching.model: auto` the next run trains and saves a new version: "
            f"version {version} was saved without a profile of its training data."
        )
    return "\n".join(lines)
