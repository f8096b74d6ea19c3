"""Golden customer ids."""

from __future__ import annotations

import hashlib

import pandas as pd


def golden_ids(cluster_ids: pd.Series) -> pd.Series:
    """A golden id per cluster id, derived from the cluster's anchor record.

    The matcher names each cluster after its smallest record id, so the same records
    give the same golden id on every run and in any input order.
    """
    unique = pd.unique(cluster_ids)
    ids = {c: "GC-" + hashlib.sha1(str(c).encode()).hexdigest()[:12].upper() for c in unique}
    return cluster_ids.map(ids)
