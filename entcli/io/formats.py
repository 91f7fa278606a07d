"""The input and output formats: each registry defined once (no imports, so building a command loads no reader).
"""

from __future__ import annotations

#: Input formats, in the order ``--input-format`` lists them.
INPUT_FORMATS = ("csv", "tsv", "txt", "json", "jsonl", "npy", "parquet", "arrow")
#: File extensions -> input format (checked in this order, so a longer extension wins over its tail).
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "txt",
    ".dat": "txt",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".npy": "npy",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
}
#: Output formats, in the order ``--format`` lists them.
OUTPUT_FORMATS = ("table", "plain", "csv", "tsv", "json", "jsonl")
