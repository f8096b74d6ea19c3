"""Quality stage: standardize source rows into canonical records, validate, quarantine.

What this module imports is the package's public interface; everything else in
``quality`` may change without notice.
"""

from quality.canonical import CANONICAL_FIELDS, MAPPABLE_FIELDS, PERSON_FIELDS, RECORD_ID
from quality.exceptions import MissingColumnError, QualityError, UnknownSuiteError
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
from quality.validation import ValidationReport, validate_records

__all__ = [
    "INTERACTION_FIELDS",
    "INTERACTION_KINDS",
    "InteractionMapping",
    "InteractionMappingBase",
    "StandardizedInteractions",
    "standardize_interactions",
    "CANONICAL_FIELDS",
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
    "UnknownSuiteError",
    "ValidationReport",
    "standardize",
    "validate_records",
]
