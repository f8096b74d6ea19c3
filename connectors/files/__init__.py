"""Reading customer rows from files: delimited text, JSON lines, JSON arrays and Parquet.

Each reader takes one path or a glob, reads matching files in name order, and yields
``RowBatch``es whose cursor is the modification time of the newest file read.
"""

from connectors.files.delimited import read_delimited_batches
from connectors.files.json_array import read_json_array_batches
from connectors.files.json_lines import read_json_lines_batches
from connectors.files.parquet import read_parquet_batches

__all__ = [
    "read_delimited_batches",
    "read_json_array_batches",
    "read_json_lines_batches",
    "read_parquet_batches",
]
