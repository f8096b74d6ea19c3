"""Matching: which canonical records are the same customer, and their golden record.

Blocking → comparison → Fellegi–Sunter scoring → decisions → clustering →
survivorship. What this module imports is the public interface of the stage.
"""

from matching.blocking import pass_name
from matching.clustering import CLUSTER_ID
from matching.constraints import pair_constraints
from matching.drift import ModelDrift, TrainingProfile
from matching.engine import LocalEngine, MatchingEngine
from matching.exceptions import MatchingError
from matching.incremental import ComparedPairs
from matching.linking import CustomerLinks, comparisons_for, link_records
from matching.mapped_attributes import with_attribute_comparisons, with_mapped_attributes
from matching.match_state import load_compared, save_compared
from matching.model_checks import implausibilities
from matching.scoring import FellegiSunterModel, comparisons_fingerprint
from matching.settings import DEFAULT_BLOCKING_PASSES, SPARSE_CONTACT_PASSES, MatchSettings
from matching.survivorship import GoldenRecords, SurvivorshipRules, survive

__all__ = [
    "DEFAULT_BLOCKING_PASSES",
    "SPARSE_CONTACT_PASSES",
    "pass_name",
    "implausibilities",
    "LocalEngine",
    "MatchingEngine",
    "load_compared",
    "save_compared",
    "CLUSTER_ID",
    "ComparedPairs",
    "CustomerLinks",
    "FellegiSunterModel",
    "GoldenRecords",
    "SurvivorshipRules",
    "MatchSettings",
    "MatchingError",
    "ModelDrift",
    "TrainingProfile",
    "comparisons_fingerprint",
    "comparisons_for",
    "link_records",
    "pair_constraints",
    "survive",
    "with_attribute_comparisons",
    "with_mapped_attributes",
]
