"""What matching keeps between hub runs: every candidate pair it compared, with its levels.

A run compares only the candidate pairs that touch a record that is new or whose compared
fields changed, and reuses the levels of the others (see `matching.incremental`). The
pairs are kept in one file beside the config, written whole or not at all, with the id of
the run that kept them. A file that is missing, unreadable, written for other comparisons
or by other code, or kept by another run than the one that published the warehouse as it
stands (another warehouse beside the same config, a run that did not publish) is passed
over, and that run compares every pair, as a first run does.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import zipfile
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import quality
from matching.incremental import ComparedPairs
from matching.linking import comparisons_for
from matching.scoring import comparisons_fingerprint
from matching.settings import MatchSettings

log = logging.getLogger(__name__)

_FORMAT = "3"
#: Libraries whose releases can change a pair's levels: name data, string similarity,
#: phonetic codes.
_LEVEL_LIBRARIES = ("nicknames", "rapidfuzz", "jellyfish")


@cache
def _code_version() -> str:
    """What levels are computed by: the matching and quality code and the libraries they
    use, so that pairs kept by another release of either are not reused."""
    digest = hashlib.sha256()
    for package in (Path(__file__).parent, Path(quality.__path__[0])):
        for source in sorted(package.rglob("*.py")):
            digest.update(source.read_bytes())
    for library in _LEVEL_LIBRARIES:
        digest.update(f"{library}=={metadata.version(library)}".encode())
    return digest.hexdigest()


def load_compared(
    path: Path | None, settings: MatchSettings, *, published_by: str | None
) -> ComparedPairs | None:
    """The pairs an earlier run compared with this run's comparisons, if kept at `path`
    by the run `published_by`, which published the warehouse this run matches for."""
    if path is None or published_by is None or not path.exists():
        return None
    comparisons = comparisons_for(settings)
    try:
        with np.load(path, allow_pickle=False) as kept:
            if (
                str(kept["format"]) != _FORMAT
                or str(kept["comparisons"]) != comparisons_fingerprint(comparisons)
                or str(kept["code"]) != _code_version()
            ):
                log.info(
                    "%s was kept for other comparisons or by other code; comparing every pair",
                    path,
                )
                return None
            if str(kept["run_id"]) != published_by:
                log.info(
                    "%s was kept by run %s, not by %s, which published this warehouse; "
                    "comparing every pair",
                    path,
                    kept["run_id"],
                    published_by,
                )
                return None
            record_ids = np.char.decode(kept["record_ids"], "utf-8").astype(object)
            return ComparedPairs(
                record_ids=record_ids,
                left=kept["left"].astype(np.int64),
                right=kept["right"].astype(np.int64),
                levels={c.comparison_name: kept[f"level:{c.comparison_name}"] for c in comparisons},
                fingerprints=pd.Series(
                    kept["fingerprints"], index=pd.Index(record_ids, name="record_id")
                ),
                own_fingerprints=pd.Series(
                    kept["own_fingerprints"], index=pd.Index(record_ids, name="record_id")
                ),
                compared=0,
            )
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        log.warning(
            "could not read the compared pairs in %s (%s); comparing every pair", path, error
        )
        return None


def save_compared(
    path: Path | None, compared: ComparedPairs, settings: MatchSettings, *, run_id: str
) -> None:
    """Keep what run `run_id` compared at `path` for the next run, replacing what was there.

    A file that cannot be written is logged and left as it was; the run goes on.
    """
    if path is None:
        return
    partial = path.with_name(f".{path.name}.partial")
    try:
        _write(partial, compared, settings, run_id)
        os.replace(partial, path)
    except (OSError, ValueError) as error:
        # The pairs only save work: a run that cannot keep them publishes all the same.
        log.warning("could not keep the compared pairs in %s (%s)", path, error)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def _write(path: Path, compared: ComparedPairs, settings: MatchSettings, run_id: str) -> None:
    """Write the pairs to `path`; the caller puts the file in place once it is whole, so a
    run killed while writing leaves the last run's pairs as they were."""
    arrays: dict[str, Any] = {
        "format": np.array(_FORMAT),
        "comparisons": np.array(comparisons_fingerprint(comparisons_for(settings))),
        "code": np.array(_code_version()),
        "run_id": np.array(run_id),
        "record_ids": np.char.encode(compared.record_ids.astype(str), "utf-8"),
        "fingerprints": compared.fingerprints.to_numpy(),
        "own_fingerprints": compared.own_fingerprints.to_numpy(),
        "left": compared.left.astype(np.int32),
        "right": compared.right.astype(np.int32),
    }
    arrays |= {f"level:{name}": levels for name, levels in compared.levels.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        np.savez(file, allow_pickle=False, **arrays)
