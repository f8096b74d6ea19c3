"""Quality stage: standardize source rows into canonical records, validate, quarantine.

What this module imports is the package's public interface; everything else in
``quality`` may change without notice.
"""

from quality.canonical import (
    PERSON_FIELDS,
    RECORD_ID,
    attribute_names,
)
from quality.combined import CustomerInteractions, CustomerRecords, combined_records
from quality.exceptions import MissingColumnError, QualityError
from quality.gate import QualityVerdict, SourceQuality, quality_gate
from quality.interactions import (
    CONSENT_CHANNELS,
    INTERACTION_FIELDS,
    InteractionMapping,
    InteractionMappingBase,
    standardize_interactions,
)
from quality.mapping import SourceMapping, SourceMappingBase
from quality.names import fold_name, fold_names
from quality.suites import QualitySettings
from quality.text import clean_text, map_pairs, map_values
from quality.validation import expectation

__all__ = [
    "CONSENT_CHANNELS",
    "clean_text",
    "fold_name",
    "fold_names",
    "map_pairs",
    "map_values",
    "CustomerInteractions",
    "CustomerRecords",
    "combined_records",
    "attribute_names",
    "INTERACTION_FIELDS",
    "InteractionMapping",
    "InteractionMappingBase",
    "standardize_interactions",
    "QualitySettings",
    "QualityVerdict",
    "SourceQuality",
    "expectation",
    "quality_gate",
    "PERSON_FIELDS",
    "RECORD_ID",
    "MissingColumnError",
    "QualityError",
    "SourceMapping",
    "SourceMappingBase",
]
