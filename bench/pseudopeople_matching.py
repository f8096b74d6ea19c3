"""The hub and Splink side by side on pseudopeople's simulated US population.

Usage: python bench/pseudopeople_matching.py [--tune-seed 1] [--seed 2] [--missed 6]
           [--ssn-comparison edit_distance|exact] [--ssn-not-identifying]
           [--noise-scale 1.0]

pseudopeople (IHME) simulates a fictional US population and the records public agencies
would hold about it, noised as real records are (typos, OCR and phonetic errors,
nicknames, fake names, swapped day and month, a household member's date of birth or SSN,
blanks), and knows who each record is (``simulant_id``). Its bundled sample data is used,
at its default noise. Four of its datasets are four sources of the same people:

- ``census``: the 2020 decennial census (names, birth date ``MM/DD/YYYY``, address);
- ``social_security``: Social Security's records (names, birth date ``YYYYMMDD``, SSN; a
  death is a second record of its person);
- ``w2_1099``: W-2 and 1099 tax forms (names, mailing address, SSN; one per job);
- ``form_1040``: 1040 tax returns, the primary filer (names, mailing address, SSN).

The hub: each source as raw text goes through ``quality.quality_gate`` with a
``SourceMapping`` (the SSN as attribute ``ssn``), the records that pass through
``matching.link_records`` with the default settings plus the SSN (compared by edit
distance, identifying a person, and one blocking pass on it; ``--ssn-comparison`` and
``--ssn-not-identifying`` change that). Nothing is tuned.

Splink 5 (DuckDB) beside it, on the same raw rows after the light cleaning a Splink user
would do (lower case, dates parsed, house number and street joined, SSN digits only),
with the comparisons and blocking rules below, trained unsupervised (random sampling for
u, EM for m). Its match threshold is the one that gives the best F1 on ``--tune-seed``,
and is then used as it is on ``--seed``.

Printed per seed and engine: records, pairwise precision, recall and F1 against
``simulant_id``, blocking recall (true pairs among the candidate pairs), the pairs and
queue items left for review, seconds (quality + matching, without generating the data)
and peak memory (VmHWM, reset before each engine); and where the hub loses true pairs.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import itertools
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
import pseudopeople  # type: ignore[import-untyped]
import splink
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

import stewardship
from matching import CustomerLinks, MatchSettings, implausibilities, link_records
from matching.evaluation import PairwiseScores, blocking_recall, pairwise_scores
from quality import RECORD_ID, SourceMapping, combined_records, quality_gate

if TYPE_CHECKING:
    from splink.internals.splink_dataframe import SplinkDataFrame

TRUTH = "simulant_id"
SOURCE_KEY = "row"

_NAMES = {"given_name": "first_name", "family_name": "last_name"}
_ADDRESS = {"street": "street", "postcode": "zipcode", "city": "city"}
_SSN = {"attributes": {"ssn": "ssn"}}

MAPPINGS = {
    "census": SourceMapping.model_validate(
        {
            **_NAMES,
            "birth_date": {"column": "date_of_birth", "format": "MM/DD/YYYY"},
            **_ADDRESS,
            "country": {"value": "US"},
        }
    ),
    "social_security": SourceMapping.model_validate(
        {
            **_NAMES,
            "birth_date": {"column": "date_of_birth", "format": "YYYYMMDD"},
            "country": {"value": "US"},
            **_SSN,
        }
    ),
    "w2_1099": SourceMapping.model_validate(
        {**_NAMES, **_ADDRESS, "country": {"value": "US"}, **_SSN}
    ),
    "form_1040": SourceMapping.model_validate(
        {**_NAMES, **_ADDRESS, "country": {"value": "US"}, **_SSN}
    ),
}


def hub_settings(
    ssn_comparison: str = "edit_distance", identifies_person: bool = True
) -> MatchSettings:
    """What a user who knows these sources declares; everything else is the hub's default.

    Edit distance by default, not exact: pseudopeople's default noise writes wrong digits,
    OCR errors and typos into the tax forms' SSNs (1% of them each), which mostly leave
    them one or two edits from the person's own.
    """
    return MatchSettings.model_validate(
        {
            "attributes": {
                "ssn": {"comparison": ssn_comparison, "identifies_person": identifies_person}
            },
            "blocking_passes": [["ssn"]],  # added to the built-in passes
        }
    )


#: Splink's match thresholds tried on the tuning seed.
SPLINK_THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999)


# --- the four sources ------------------------------------------------------------------


def raw_sources(seed: int, noise_scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """The four sources as raw text rows with their own key (``row``) and the truth.

    ``noise_scale`` multiplies the probability of every kind of noise pseudopeople writes
    into a value (typos, OCR and phonetic errors, nicknames, fake names, blanks, swapped
    date parts, ...; at most 0.5); 1 is its default noise.
    """
    config = _scaled_noise(noise_scale)
    with _quiet():
        census = pseudopeople.generate_decennial_census(seed=seed, config=config)
        social_security = pseudopeople.generate_social_security(seed=seed, config=config)
        w2_1099 = pseudopeople.generate_taxes_w2_and_1099(seed=seed, config=config)
        form_1040 = pseudopeople.generate_taxes_1040(seed=seed, config=config)
    frames = {
        "census": census.assign(
            street=_street(census["street_number"], census["street_name"], census["unit_number"])
        ),
        "social_security": social_security,
        "w2_1099": _mailing_address(w2_1099),
        "form_1040": _mailing_address(form_1040),
    }
    columns = {
        "census": ["first_name", "last_name", "date_of_birth", "street", "zipcode", "city"],
        "social_security": ["first_name", "last_name", "date_of_birth", "ssn"],
        "w2_1099": ["first_name", "last_name", "street", "zipcode", "city", "ssn"],
        "form_1040": ["first_name", "last_name", "street", "zipcode", "city", "ssn"],
    }
    raw: dict[str, pd.DataFrame] = {}
    for name, frame in frames.items():
        text = _none_for_missing(frame[[TRUTH, *columns[name]]].reset_index(drop=True))
        # The row number is the source's key: `simulant_id` is the truth, not an input.
        text.insert(0, SOURCE_KEY, [f"{n:06d}" for n in range(len(text))])
        raw[name] = text
    return raw


def _scaled_noise(scale: float) -> dict[str, Any] | None:
    """pseudopeople's default column noise with each cell probability times `scale`."""
    if scale == 1.0:
        return None

    def scaled(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: min(0.5, value * scale) if key == "cell_probability" else scaled(value)
                for key, value in node.items()
            }
        return node

    defaults = pseudopeople.get_config()
    return {
        dataset: {"column_noise": scaled(defaults[dataset]["column_noise"])}
        for dataset in ("decennial_census", "social_security", "taxes_w2_and_1099", "taxes_1040")
    }


def _mailing_address(frame: pd.DataFrame) -> pd.DataFrame:
    prefix = "mailing_address_"
    street = _street(
        frame[f"{prefix}street_number"],
        frame[f"{prefix}street_name"],
        frame[f"{prefix}unit_number"],
    )
    po_box = "po box " + frame[f"{prefix}po_box"].astype("string")
    return frame.assign(
        street=street.fillna(po_box.astype(object)),
        zipcode=frame[f"{prefix}zipcode"],
        city=frame[f"{prefix}city"],
    )


def _street(number: pd.Series, name: pd.Series, unit: pd.Series) -> pd.Series:
    """``5112 145th st, apt 3``: the unit after a comma, where the hub leaves it out."""
    street = (number.fillna("").astype(str) + " " + name.fillna("").astype(str)).str.strip()
    street = street.where(unit.isna(), street + ", " + unit.astype("string"))
    return street.astype(object).where(street != "", _NONE)


# pandas takes None as `other`; pandas-stubs leave it out, hence the cast.
_NONE: Any = cast(Any, None)


def _none_for_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value as an object, None where missing: raw text as a source gives it."""
    return frame.astype(object).where(frame.notna(), _NONE)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """pseudopeople and Great Expectations draw progress bars on stderr."""
    with contextlib.redirect_stderr(io.StringIO()):
        yield


# --- the hub ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HubRun:
    settings: MatchSettings
    records: pd.DataFrame
    truth: pd.Series
    """Each record's ``simulant_id``, indexed by record id in the order of `records`."""
    links: CustomerLinks
    set_aside: pd.DataFrame
    """Values set aside at the quality gate, per source and rule."""
    quarantined: int
    queue_items: int
    quality_seconds: float
    match_seconds: float
    start_mb: float
    peak_mb: float


def hub_run(raw: dict[str, pd.DataFrame], settings: MatchSettings) -> HubRun:
    """Every source through its quality gate, then `link_records`, as a hub run does."""
    start_mb = _reset_peak()
    started = time.perf_counter()
    passed, issues, quarantined = [], [], 0
    for source, rows in raw.items():
        with _quiet():
            gate = quality_gate(
                rows, source=source, primary_key=SOURCE_KEY, mapping=MAPPINGS[source]
            )
        passed.append(gate.records)
        issues.append(gate.issues.assign(source=source))
        quarantined += gate.verdict.rows_quarantined
    records = combined_records(passed)
    quality_seconds = time.perf_counter() - started
    started = time.perf_counter()
    links = link_records(records, settings)
    match_seconds = time.perf_counter() - started
    peak_mb = _peak_mb()
    queue = stewardship.review_queue(
        links.pairs_with_evidence(),
        records,
        links.clusters,
        review_customer_size=settings.review_customer_size,
    )
    truth_by_key = {
        (source, key): person
        for source, rows in raw.items()
        for key, person in zip(rows[SOURCE_KEY], rows[TRUTH], strict=True)
    }
    truth = pd.Series(
        [truth_by_key[key] for key in zip(records["source"], records["source_key"], strict=True)],
        index=records[RECORD_ID].to_numpy(),
    )
    set_aside = pd.concat(issues, ignore_index=True).groupby(["source", "rule"]).size()
    return HubRun(
        settings=settings,
        records=records,
        truth=truth,
        links=links,
        set_aside=set_aside.rename("values").reset_index(),
        quarantined=quarantined,
        queue_items=len(queue),
        quality_seconds=quality_seconds,
        match_seconds=match_seconds,
        start_mb=start_mb,
        peak_mb=peak_mb,
    )


def hub_figures(run: HubRun) -> Figures:
    scores = pairwise_scores(run.links.clusters.reindex(run.truth.index), run.truth)
    blocking = blocking_recall(run.records, run.truth, run.settings).iloc[-1]
    decisions = run.links.pairs["decision"]
    return Figures(
        engine="hub",
        records=len(run.records),
        scores=scores,
        blocking_recall=float(blocking["recall"]),
        candidate_pairs=int(blocking["pairs"]),
        review_pairs=int((decisions == "review").sum()),
        queue_items=run.queue_items,
        seconds=run.quality_seconds + run.match_seconds,
        start_mb=run.start_mb,
        peak_mb=run.peak_mb,
    )


# --- Splink ----------------------------------------------------------------------------


def splink_frames(raw: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The sources after a Splink user's own light cleaning, one frame each."""
    birth_formats = {"census": "%m/%d/%Y", "social_security": "%Y%m%d"}
    frames = {}
    for source, rows in raw.items():
        frame = pd.DataFrame({"unique_id": source + ":" + rows[SOURCE_KEY]})
        for column in ("first_name", "last_name", "street", "city"):
            frame[column] = _lower(rows[column]) if column in rows else None
        frame["zipcode"] = rows.get("zipcode")
        if "ssn" in rows:
            frame["ssn"] = rows["ssn"].str.replace(r"\D", "", regex=True).replace("", None)
        else:
            frame["ssn"] = None
        if source in birth_formats:
            dates = pd.to_datetime(
                rows["date_of_birth"], format=birth_formats[source], errors="coerce"
            )
            frame["dob"] = dates.dt.strftime("%Y-%m-%d").astype(object).where(dates.notna(), _NONE)
        else:
            frame["dob"] = None
        frames[source] = _none_for_missing(frame)
    return frames


def _lower(values: pd.Series) -> pd.Series:
    cleaned = values.str.lower().str.strip().str.replace(r"\s+", " ", regex=True)
    return cleaned.replace("", None)


SPLINK_SETTINGS = SettingsCreator(
    link_type="link_and_dedupe",
    comparisons=[
        cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format="%Y-%m-%d"),
        cl.LevenshteinAtThresholds("street", [1, 3]),
        cl.ExactMatch("zipcode"),
        cl.LevenshteinAtThresholds("ssn", [1, 2]),
    ],
    # Not the ZIP code alone: the sample's one town gives nearly every record 00000.
    blocking_rules_to_generate_predictions=[
        block_on("ssn"),
        block_on("first_name", "last_name"),
        block_on("first_name", "dob"),
        block_on("last_name", "dob"),
        block_on("street", "zipcode"),
        block_on("substr(first_name, 1, 1)", "substr(last_name, 1, 1)", "zipcode", "dob"),
    ],
    retain_matching_columns=False,
)


@dataclass(frozen=True)
class SplinkRun:
    truth: pd.Series
    """Each record's ``simulant_id``, indexed by its ``unique_id``."""
    predictions: pd.DataFrame
    """Every blocked pair: ``unique_id_l``, ``unique_id_r``, ``match_probability``."""
    clusters: dict[float, pd.Series]
    """Cluster id by ``unique_id``, per threshold."""
    seconds: float
    start_mb: float
    peak_mb: float


def splink_run(raw: dict[str, pd.DataFrame], thresholds: tuple[float, ...]) -> SplinkRun:
    """Train Splink on the sources, score every blocked pair, cluster at each threshold.

    The seconds and peak memory cover cleaning, training, scoring and clustering at the
    first threshold.
    """
    start_mb = _reset_peak()
    started = time.perf_counter()
    frames = splink_frames(raw)
    db_api = DuckDBAPI()
    tables = [db_api.register(frame, dataset_display_name=name) for name, frame in frames.items()]
    # ERROR: EM warns of levels its blocking rule leaves unobserved (no SSN in the census).
    linker = Linker(tables, SPLINK_SETTINGS, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("ssn", "first_name"), block_on("first_name", "last_name", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    for rule in (block_on("ssn"), block_on("first_name", "last_name"), block_on("dob")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predicted = linker.inference.predict()
    clusters: dict[float, pd.Series] = {}
    seconds = peak_mb = 0.0
    for threshold in thresholds:
        clustered = _as_pandas(
            linker.clustering.cluster_pairwise_predictions_at_threshold(
                predicted, threshold_match_probability=threshold
            )
        )
        clusters[threshold] = clustered.set_index("unique_id")["cluster_id"]
        seconds = seconds or time.perf_counter() - started
        peak_mb = peak_mb or _peak_mb()
    predictions = _as_pandas(predicted)[["unique_id_l", "unique_id_r", "match_probability"]]
    truth = pd.concat(
        [
            pd.Series(rows[TRUTH].to_numpy(), index=source + ":" + rows[SOURCE_KEY])
            for source, rows in raw.items()
        ]
    )
    return SplinkRun(truth, predictions, clusters, seconds, start_mb, peak_mb)


def _as_pandas(frame: SplinkDataFrame) -> pd.DataFrame:
    table: pd.DataFrame = frame.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    return table


def splink_figures(run: SplinkRun, threshold: float) -> Figures:
    scores = pairwise_scores(run.clusters[threshold].reindex(run.truth.index), run.truth)
    same = run.truth.reindex(run.predictions["unique_id_l"]).to_numpy() == (
        run.truth.reindex(run.predictions["unique_id_r"]).to_numpy()
    )
    return Figures(
        engine=f"Splink {splink.__version__} at {threshold}",
        records=len(run.truth),
        scores=scores,
        blocking_recall=int(same.sum()) / scores.true_pairs,
        candidate_pairs=len(run.predictions),
        review_pairs=None,
        queue_items=None,
        seconds=run.seconds,
        start_mb=run.start_mb,
        peak_mb=run.peak_mb,
    )


# --- figures, and where the hub loses --------------------------------------------------


@dataclass(frozen=True)
class Figures:
    engine: str
    records: int
    scores: PairwiseScores
    blocking_recall: float
    candidate_pairs: int
    review_pairs: int | None
    queue_items: int | None
    seconds: float
    start_mb: float
    peak_mb: float


HEADER = (
    "seed        engine                 records  precision  recall      F1  candidates  "
    "blocking recall  review pairs  queue items  seconds  peak MB (at start)"
)


def figures_row(seed: str, figures: Figures) -> str:
    def count(value: int | None) -> str:
        return "–" if value is None else f"{value:,}"

    scores = figures.scores
    return (
        f"{seed:<11} {figures.engine:<22} {figures.records:>7,}  {scores.precision:>9.4f}  "
        f"{scores.recall:>6.4f}  {scores.f1:>6.4f}  {figures.candidate_pairs:>10,}  "
        f"{figures.blocking_recall:>15.4f}  {count(figures.review_pairs):>12}  "
        f"{count(figures.queue_items):>11}  {figures.seconds:>7.1f}  "
        f"{figures.peak_mb:>7,.0f} ({figures.start_mb:,.0f})"
    )


def missed_pairs(run: HubRun) -> pd.DataFrame:
    """Every true pair the hub's customers keep apart, with what kept it apart (``why``).

    ``never compared``: no blocking pass put it up; ``scored low``: below the review
    threshold; ``review``: between the thresholds; else the ``decided_by`` of a pair
    scored as a link but kept apart: ``conflict`` (its own birth dates or given names
    plainly differ) or ``clustering`` (another record of one side's customer conflicts
    with the other side, and no link overrides it).
    """
    truth = run.truth
    true_pairs = pd.DataFrame(
        [
            sorted(pair)
            for members in truth.groupby(truth).groups.values()
            for pair in itertools.combinations(members, 2)
        ],
        columns=["record_id_l", "record_id_r"],
    )
    clusters = run.links.clusters
    apart = clusters.reindex(true_pairs["record_id_l"]).to_numpy() != (
        clusters.reindex(true_pairs["record_id_r"]).to_numpy()
    )
    missed = true_pairs[apart].reset_index(drop=True)
    compared = run.links.compared
    count = len(compared.record_ids)
    position = pd.Series(np.arange(count), index=compared.record_ids)
    left = position.reindex(missed["record_id_l"]).to_numpy()
    right = position.reindex(missed["record_id_r"]).to_numpy()
    candidates = np.minimum(compared.left, compared.right) * count + np.maximum(
        compared.left, compared.right
    )
    candidate = np.isin(np.minimum(left, right) * count + np.maximum(left, right), candidates)
    scored = missed.merge(
        run.links.pairs[
            ["record_id_l", "record_id_r", "match_probability", "decision", "decided_by"]
        ],
        on=["record_id_l", "record_id_r"],
        how="left",
    )
    why = np.where(
        ~candidate,
        "never compared",
        np.where(
            scored["decision"].isna(),
            "scored low",
            np.where(scored["decided_by"] == "score", scored["decision"], scored["decided_by"]),
        ),
    )
    result: pd.DataFrame = scored.assign(why=why)
    return result


def loss_report(run: HubRun, sample: int) -> None:
    missed = missed_pairs(run)
    print(f"  hub: {len(missed):,} true pairs kept apart, by source pair and what kept them:")
    sources = (
        missed["record_id_l"].str.split(":").str[0]
        + " – "
        + missed["record_id_r"].str.split(":").str[0]
    )
    table = pd.crosstab(sources.rename("sources"), missed["why"], margins=True, margins_name="all")
    print("    " + table.to_string().replace("\n", "\n    "))
    records = run.records.set_index(RECORD_ID)
    shown = ["given_name", "family_name", "birth_date", "street", "ssn"]
    rng = np.random.default_rng(0)
    for why, group in missed.groupby("why"):
        print(f"  a sample of `{why}` (given | family | birth date | street | SSN):")
        picked = group.iloc[rng.permutation(len(group))[:sample]]
        for left, right, probability in zip(
            picked["record_id_l"], picked["record_id_r"], picked["match_probability"], strict=True
        ):
            scored = "" if pd.isna(probability) else f" p={probability:.3f}"
            print(f"    {left} / {right}{scored}")
            for record_id in (str(left), str(right)):
                values = records.loc[record_id]
                print("      " + " | ".join(_shown(values[field]) for field in shown))


def false_pair_report(run: HubRun) -> None:
    placed = pd.DataFrame(
        {
            "cluster": run.links.clusters.reindex(run.truth.index).to_numpy(),
            "truth": run.truth.to_numpy(),
            "ssn": run.records.set_index(RECORD_ID)["ssn"].reindex(run.truth.index).to_numpy(),
        }
    )
    false_pairs = sharing_ssn = 0
    for _, members in placed.groupby("cluster"):
        if members["truth"].nunique() < 2:
            continue
        for left, right in itertools.combinations(members.itertuples(), 2):
            if left.truth != right.truth:
                false_pairs += 1
                sharing_ssn += int(left.ssn is not None and left.ssn == right.ssn)
    print(
        f"  hub: {false_pairs:,} false pairs placed together, "
        f"{sharing_ssn:,} of them two records with the same SSN"
    )


def _shown(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    return str(value)


# --- the run ---------------------------------------------------------------------------


def _reset_peak() -> float:
    """Reset the peak resident size (VmHWM) to the current one; return that, in MB."""
    # Writing 5 does it (Linux 4.0+).
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    return _status_mb("VmHWM")


def _status_mb(field: str) -> float:
    found = re.search(rf"{field}:\s+(\d+) kB", Path("/proc/self/status").read_text())
    return int(found.group(1)) / 1024 if found else 0.0


def _timed(label: str, work: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = work()
    print(f"  {label}: {time.perf_counter() - started:.1f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tune-seed", type=int, default=1, help="pseudopeople seed Splink's threshold is chosen on"
    )
    parser.add_argument("--seed", type=int, default=2, help="pseudopeople seed to report on")
    parser.add_argument("--missed", type=int, default=6, help="missed pairs shown per reason")
    parser.add_argument(
        "--ssn-comparison", choices=["edit_distance", "exact"], default="edit_distance"
    )
    parser.add_argument(
        "--ssn-not-identifying",
        action="store_true",
        help="compare the SSN, but do not let it override the conflict rules",
    )
    parser.add_argument(
        "--noise-scale",
        type=float,
        default=1.0,
        help="multiply pseudopeople's default probability of each kind of value noise",
    )
    args = parser.parse_args()
    settings = hub_settings(args.ssn_comparison, not args.ssn_not_identifying)
    ssn = settings.attributes["ssn"]
    print(
        f"pseudopeople {pseudopeople.__version__} sample data, noise {args.noise_scale:g}× "
        "its default; "
        f"Splink {splink.__version__}; hub SSN: {ssn.comparison}, "
        f"identifies_person={ssn.identifies_person}"
    )
    rows: list[tuple[str, Figures]] = []

    print(f"tuning seed {args.tune_seed}:")
    raw = _timed("generate", lambda: raw_sources(args.tune_seed, args.noise_scale))
    rows.append((f"{args.tune_seed} (tune)", hub_figures(hub_run(raw, settings))))
    tuning = splink_run(raw, SPLINK_THRESHOLDS)
    by_threshold = {t: splink_figures(tuning, t) for t in SPLINK_THRESHOLDS}
    for threshold, figures in by_threshold.items():
        scores = figures.scores
        print(
            f"  Splink at {threshold}: precision {scores.precision:.4f}, "
            f"recall {scores.recall:.4f}, F1 {scores.f1:.4f}"
        )
    chosen, best = max(by_threshold.items(), key=lambda item: item[1].scores.f1)
    rows.append((f"{args.tune_seed} (tune)", best))
    print(f"  Splink's threshold: {chosen} (best F1 on seed {args.tune_seed})")
    del raw, tuning, by_threshold
    gc.collect()

    print(f"reporting seed {args.seed}:")
    raw = _timed("generate", lambda: raw_sources(args.seed, args.noise_scale))
    hub = hub_run(raw, settings)
    rows.append((f"{args.seed} (report)", hub_figures(hub)))
    reported = splink_run(raw, (chosen,))
    rows.append((f"{args.seed} (report)", splink_figures(reported, chosen)))

    print("  records per source: " + ", ".join(f"{s} {len(r):,}" for s, r in raw.items()))
    print(f"  hub quarantined rows: {hub.quarantined:,}; values set aside by rule:")
    print("    " + hub.set_aside.to_string(index=False).replace("\n", "\n    "))
    print(
        f"  hub seconds: quality {hub.quality_seconds:.1f}, matching {hub.match_seconds:.1f} "
        f"({', '.join(f'{k} {v:.1f}' for k, v in hub.links.stage_seconds.items())})"
    )
    doubts = implausibilities(hub.links.model, len(hub.records))
    model = hub.links.model
    converged = "converged" if model.converged else "did not converge"
    print(f"  hub model: {converged} in {model.iterations} EM rounds; doubts: {doubts or 'none'}")
    if hub.links.households:
        print(f"  hub households: {hub.links.households.describe()}")
    if hub.links.blocking_estimate:
        print(
            "  hub blocking recall estimated without labels: "
            f"{hub.links.blocking_estimate.recall:.4f}"
        )
    pairs = hub.links.pairs
    same = hub.truth.reindex(pairs["record_id_l"]).to_numpy() == (
        hub.truth.reindex(pairs["record_id_r"]).to_numpy()
    )
    kinds = pd.crosstab(pairs["decision"] + "/" + pairs["decided_by"], same)
    print(
        "  hub pairs by decision (true ones): "
        + ", ".join(
            f"{kind} {row.sum():,} ({row.get(True, 0):,})" for kind, row in kinds.iterrows()
        )
    )
    false_pair_report(hub)
    loss_report(hub, args.missed)
    print()
    print(HEADER)
    for seed, figures in rows:
        print(figures_row(seed, figures))


if __name__ == "__main__":
    main()
