"""The input and output formats and field separators: each defined once (no NumPy, so building a command loads
no reader)."""

from __future__ import annotations

from entcli.errors import InputError

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

#: The extension of an output part of each format (``-O DIR/``: one part per input partition).
OUTPUT_EXTENSIONS = {"table": ".txt", "plain": ".txt", "csv": ".csv", "tsv": ".tsv", "json": ".json",
                     "jsonl": ".jsonl"}

#: Names a user may give for a separator that is awkward to type; None is any run of whitespace.
DELIMITER_NAMES: dict[str, str | None] = {"\\t": "\t", "tab": "\t", "space": None, "whitespace": None, " ": None}


def delimiter_of(text: str) -> str | None:
    """The field separator ``-d TEXT`` names: one character, or None for whitespace.

    A separator that could be part of a number or of a comment (a letter, a digit, ``.``, ``-``, ``+``, ``#``,
    a quote, a line break) cannot separate fields: an :class:`~entcli.errors.InputError`.
    """
    key = text.lower() if len(text) > 1 else text
    if key in DELIMITER_NAMES:
        return DELIMITER_NAMES[key]
    if len(text) != 1 or text in "#\"'\n\r.-+" or text.isalnum():
        raise InputError(f"-d/--delimiter {text!r} cannot separate fields",
                         "give one character that is not part of a number, e.g. ',' ';' tab or space")
    return text
