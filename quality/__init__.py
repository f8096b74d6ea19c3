"""Quality stage: standardize source rows into canonical records, validate, quarantine.

What this module imports is the package's public interface; everything else in
``quality`` may change without notice.
"""

from quality.canonical import (
    CANONICAL_FIELDS,
    MAPPABLE_FIELDS,
    PERSON_FIELDS,
    RECORD_ID,
    attribute_names,
)
from quality.combined import CustomerInteractions, CustomerRecords, combined_records
from quality.exceptions import MissingColumnError, QualityError
from quality.gate import QualityVerdict, SourceQuality, quality_gate
from quality.interactions import (
    INTERACTION_FIELDS,
    INTERACTION_KINDS,
    InteractionMapping,
    InteractionMappingBase,
    StandardizedInteractions,
    standardize_interactions,
)
from quality.mapping import FieldMapping, SourceMapping, SourceMappingBase
from quality.quarantine import QUARANTINE_COLUMNS
from quality.standardize import StandardizedBatch, standardize
from quality.suites import Check, QualitySettings
from quality.validation import ExpectationSummary, ValidationReport, expectation, validate_records

__all__ = [
    "CustomerInteractions",
    "CustomerRecords",
    "combined_records",
    "attribute_names",
    "INTERACTION_FIELDS",
    "INTERACTION_KINDS",
    "InteractionMapping",
    "InteractionMappingBase",
    "StandardizedInteractions",
    "standardize_interactions",
    "CANONICAL_FIELDS",
    "Check",
    "ExpectationSummary",
    "QualitySettings",
    "QualityVerdict",
    "SourceQuality",
    "expectation",
    "quality_gate",
    "MAPPABLE_FIELDS",
    "PERSON_FIELDS",
    "QUARANTINE_COLUMNS",
    "RECORD_ID",
    "FieldMapping",
    "MissingColumnError",
    "QualityError",
    "SourceMapping",
    "SourceMappingBase",
    "StandardizedBatch",
    "ValidationReport",
    "standardize",
    "validate_records",
]
