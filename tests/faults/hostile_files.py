"""Hostile source files whose truth is known by construction (issue 18, item 14).

`file_versions` draws customer records and writes them twice: as a clean file (the first
sync), and as a later version of it that lost some records, gained others and broke the
ways real exports break: a stray quote, a delimiter too many or too few, NUL and other
control bytes, bytes of another encoding, a line break inside a field, a last line cut off,
JSON that Python cannot read, blank lines, CR or CRLF line ends, a byte-order mark.

Each record line of a file is described by what a reader has to make of it (`RecordLine`):
where it is, the key it still carries where the damage left that key whole, and, for a line
written whole, the values it lands with. Keys are ``K`` and a number, written with blanks,
control characters or full-width letters around or inside, which the hub reads away; no
other value holds a ``K``, so that no piece of a broken line can pass for a customer's key.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hypothesis import strategies as st

Kind = Literal["csv", "jsonl"]

KEY = "id"
FIELDS = ("first", "last", "mail", "note")

#: A JSON number Python refuses to read (more than 4,300 digits), and nesting deeper than
#: its recursion limit: valid JSON that used to stop the whole sync.
HUGE_NUMBER = "9" * 5_000
DEEP_NESTING = "[" * 5_000 + "]" * 5_000


@dataclass(frozen=True)
class RecordLine:
    """A line of the file that a reader must land or quarantine: never skip, never both."""

    number: int
    key: str | None
    """The key the line still carries, as the hub reads keys; ``None`` where the damage
    reached it, where the line is a piece of a broken one, or where it was written blank."""
    values: dict[str, str] | None
    """For a line written whole, the present values it lands with, key as written."""


@dataclass(frozen=True)
class HostileFile:
    """A source file's bytes, and what each of its record lines holds."""

    kind: Kind
    encoding: str
    content: bytes
    lines: tuple[RecordLine, ...]
    written_keys: frozenset[str]
    """Every key written in the file, broken lines included."""

    @property
    def name(self) -> str:
        return f"customers.{self.kind}"

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        path.write_bytes(self.content)
        return path

    def connector(self, path: Path | str) -> dict[str, Any]:
        return {"kind": self.kind, "path": str(path), "encoding": self.encoding}

    @property
    def readable_keys(self) -> set[str]:
        """The keys that are still in the file where a reader can tell."""
        return {line.key for line in self.lines if line.key is not None}

    def location(self, line: RecordLine) -> str:
        return f"{self.name} line {line.number}"


@dataclass(frozen=True)
class FileVersions:
    """A clean file, and the hostile version of it that a later sync reads."""

    clean: HostileFile
    hostile: HostileFile

    @property
    def gone(self) -> set[str]:
        """Keys of the clean file written nowhere in the hostile one."""
        return set(self.clean.written_keys) - set(self.hostile.written_keys)


# --- what the records hold -------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    key: str | None  # as the hub reads it
    written_key: str | int  # an int only in JSON lines
    values: dict[str, Any]  # field -> text, None, or (JSON lines) a number; absent: left out


def _no_k(text: str) -> bool:
    return "K" not in unicodedata.normalize("NFKC", text)


_SNIPPETS = ['"', "'", ",", ";", "\\", "\x00", "\x07", "\x1b", "\t", " ", "a", "z", "0"]
#: Values a customer export may hold: quotes, delimiters, NULs and other controls, every
#: script the encoding has, but never a line break (a line written whole stays one line)
#: and never a ``K``. Built once: strategies built anew for every draw cost most of the time.
_VALUES = {
    encoding: st.none()
    | st.text(
        st.sampled_from(_SNIPPETS + extra)
        | st.characters(codec=encoding, exclude_characters="\r\nK"),
        max_size=8,
    ).filter(_no_k)
    for encoding, extra in [
        ("utf-8", ["é", "ß", "😀", "\ufeff", "\u2028", "\u0301"]),
        ("latin-1", ["é", "ß", "\xa0", "\x85"]),
    ]
}
_NUMBERS = st.integers(-(10**20), 10**20)
_ONE_IN = {n: st.integers(0, n - 1) for n in (3, 5, 6, 8, 10, 13, 20)}


def _one_in(draw: st.DrawFn, n: int) -> bool:
    return draw(_ONE_IN[n]) == 0


def _key_forms(number: int, encoding: str) -> list[str]:
    """``K<number>`` written as a sloppy source writes it; the hub reads each as ``K<n>``."""
    plain = f"K{number}"
    forms = [plain, f" {plain} ", f"{plain}\t", f"K\x00{number}", f"\x07{plain}"]
    if encoding == "utf-8":
        wide_digits = "".join(chr(0xFF10 + int(d)) for d in str(number))
        forms += [f"\uff2b{number}", f"K{wide_digits}", f"\u00a0{plain}\u3000"]
    return forms


_FORM = st.integers(0, 7)


def _written_key(draw: st.DrawFn, number: int, encoding: str) -> str:
    forms = _key_forms(number, encoding)
    return forms[draw(_FORM) % len(forms)]


@st.composite
def _records(draw: st.DrawFn, kind: Kind, encoding: str) -> list[_Record]:
    numbers = draw(st.lists(st.integers(1, 9_999), min_size=1, max_size=10, unique=True))
    records = []
    for number in numbers:
        written: str | int = _written_key(draw, number, encoding)
        key: str | None = f"K{number}"
        if kind == "jsonl" and _one_in(draw, 10):
            written, key = number, str(number)  # a number in JSON
        elif _one_in(draw, 20):
            written, key = draw(st.sampled_from(["", "  "])), None
        values: dict[str, Any] = {}
        for field in FIELDS:
            value: Any = draw(_VALUES[encoding])
            if kind == "jsonl":
                if _one_in(draw, 8):
                    continue  # a column only some objects have
                if _one_in(draw, 10):
                    value = draw(_NUMBERS)
            values[field] = value
        records.append(_Record(key, written, values))
    # A key written twice, the second time perhaps spelt otherwise: the second is a duplicate.
    if _one_in(draw, 5):
        first = draw(st.sampled_from(records))
        if first.key is not None and first.key.startswith("K"):
            again = _written_key(draw, int(first.key[1:]), encoding)
            records.append(_Record(first.key, again, dict(first.values)))
    return records


# --- writing lines, and breaking them ---------------------------------------------------


@dataclass(frozen=True)
class _Line:
    text: str
    key_end: int  # index just past the key's value: damage from key_end + 1 on spares the key


def _csv_field(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_line(record: _Record, key_at: int) -> _Line:
    values = [record.values[field] or "" for field in FIELDS]
    values.insert(key_at, str(record.written_key))
    fields = [_csv_field(value) for value in values]
    key_end = len(",".join(fields[: key_at + 1]))
    return _Line(",".join(fields), key_end)


def _jsonl_line(record: _Record, key_at: int, ascii_only: bool) -> _Line:
    members = [(name, value) for name, value in record.values.items()]
    members.insert(min(key_at, len(members)), (KEY, record.written_key))
    text, key_end = "{", 0
    for at, (name, value) in enumerate(members):
        if at:
            text += ", "
        text += json.dumps(name) + ": " + json.dumps(value, ensure_ascii=ascii_only)
        if name == KEY:
            key_end = len(text)
    return _Line(text + "}", key_end)


Damage = Literal[
    "quote",
    "delimiter",
    "drop_delimiter",
    "control",
    "line_break",
    "foreign_bytes",
    "cut",
    "lone_surrogate",
    "huge_number",
    "deep_nesting",
]

_CSV_DAMAGE: tuple[Damage, ...] = (
    "quote",
    "delimiter",
    "drop_delimiter",
    "control",
    "line_break",
    "foreign_bytes",
)
_JSONL_DAMAGE: tuple[Damage, ...] = (
    "quote",
    "delimiter",
    "control",
    "line_break",
    "foreign_bytes",
    "lone_surrogate",
    "huge_number",
    "deep_nesting",
)


@dataclass(frozen=True)
class _Broken:
    content: bytes
    key_whole: bool


def _encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, "surrogatepass" if encoding == "utf-8" else "strict")


@st.composite
def _broken(draw: st.DrawFn, line: _Line, damage: Damage, encoding: str) -> _Broken:
    """The line's bytes with one piece of damage, and whether its key came through."""
    text = line.text
    spared = line.key_end + 1  # damage from here on leaves the key whole
    if damage == "cut":
        at = draw(st.integers(1, max(len(text) - 1, 1)))
        return _Broken(_encoded(text[:at], encoding), at >= spared)
    if damage == "drop_delimiter":
        delimiters = [n for n, c in enumerate(text) if c == ","]
        if not delimiters:
            return _Broken(_encoded(text, encoding), True)
        at = draw(st.sampled_from(delimiters))
        return _Broken(_encoded(text[:at] + text[at + 1 :], encoding), at > line.key_end)
    if damage in ("lone_surrogate", "huge_number", "deep_nesting"):
        extra = {
            "lone_surrogate": '"half a pair: \\ud800"',
            "huge_number": HUGE_NUMBER,
            "deep_nesting": DEEP_NESTING,
        }[damage]
        end = line.key_end
        return _Broken(_encoded(f'{text[:end]}, "extra": {extra}{text[end:]}', encoding), True)
    at = draw(st.integers(1 if damage == "line_break" else 0, len(text)))
    if damage == "line_break" and at == len(text):
        at -= 1  # a break at the very end would only end the line early
    insert: bytes
    if damage == "quote":
        insert = b'"'
    elif damage == "delimiter":
        insert = b","
    elif damage == "control":
        insert = draw(st.sampled_from([b"\x00", b"\x01", b"\x1b", b"\x1f", b"\x7f", b"\x0b"]))
    elif damage == "line_break":
        insert = draw(st.sampled_from([b"\n", b"\r"]))
    else:  # bytes of another encoding: Latin-1 in UTF-8, UTF-8 in Latin-1
        foreign = [b"\xe9", b"\xfc", b"\xff", b"\x80", b"\xc3"]
        insert = draw(st.sampled_from(foreign if encoding == "utf-8" else [b"\xc3\xa9"]))
    before, after = _encoded(text[:at], encoding), _encoded(text[at:], encoding)
    return _Broken(before + insert + after, at >= spared)


# --- whole files -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Written:
    content: bytes
    key: str | None  # the key the line still carries
    values: dict[str, str] | None  # for a line written whole


_BREAKS = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"


def _expected_values(record: _Record, kind: Kind) -> dict[str, str]:
    values = {KEY: record.written_key, **record.values}
    present: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, int):
            present[name] = str(value)
        elif value is not None and (value.strip() if kind == "jsonl" else value):
            present[name] = value
    return present


def _csv_blank(text: str) -> bool:
    """Whether the delimited reader skips this line: no fields, or one blank field."""
    reader = csv.reader([text + "\n", "next\n"])
    try:
        fields = next(reader)
    except csv.Error:
        return False
    if reader.line_num > 1:
        return False  # it runs on into the next line: rejected, not skipped
    return not fields or (len(fields) == 1 and not fields[0].strip())


def _blank(line: bytes, kind: Kind, encoding: str) -> bool:
    text = line.decode(encoding, "surrogateescape")
    return _csv_blank(text) if kind == "csv" else not text.strip()


def _assemble(
    kind: Kind,
    encoding: str,
    head: bytes,
    written: list[_Written | bytes],
    ends: list[bytes],
    records: list[_Record],
) -> HostileFile:
    """The file's bytes, and each non-blank line with what it holds.

    ``written`` holds record lines and blank lines (bytes); ``ends`` the line break after
    each (``b""`` for a last line without one).
    """
    content = head
    starts: dict[int, _Written] = {}
    for item, line_break in zip(written, ends, strict=True):
        if isinstance(item, _Written):
            starts[len(content)] = item
            content += item.content
        else:
            content += item
        content += line_break
    # Lines as a reader counts them, whatever breaks were merged (a CR then a LF) or added.
    bom = len(content) - len(content.removeprefix(_BOM))
    bounds: list[tuple[int, int]] = []
    begins = 0
    for found in _BREAKS.finditer(content):
        bounds.append((begins, found.start()))
        begins = found.end()
    if begins < len(content):
        bounds.append((begins, len(content)))  # a last line without a line break
    lines: list[RecordLine] = []
    for number, (first, last) in enumerate(bounds, start=1):
        first = max(first, bom)
        if (kind == "csv" and number == 1) or _blank(content[first:last], kind, encoding):
            continue
        origin = starts.get(first)
        if origin is None:
            lines.append(RecordLine(number, None, None))  # a piece of a broken line
        else:
            lines.append(RecordLine(number, origin.key, origin.values))
    written_keys = frozenset(r.key for r in records if r.key is not None)
    return HostileFile(kind, encoding, content, tuple(lines), written_keys)


@st.composite
def file_versions(draw: st.DrawFn, kind: Kind) -> FileVersions:
    """A clean file of customers and a hostile later version of it.

    Args:
        kind: ``csv`` or ``jsonl``.
    """
    encoding = draw(st.sampled_from(["utf-8", "latin-1"]))
    records = draw(_records(kind, encoding))
    key_at = draw(st.sampled_from([0, 1]))
    ascii_only = draw(st.booleans())

    def line_of(record: _Record) -> _Line:
        if kind == "csv":
            return _csv_line(record, key_at)
        return _jsonl_line(record, key_at, ascii_only)

    columns = [*FIELDS]
    columns.insert(key_at, KEY)
    header = ",".join(columns)
    clean_head = (header + "\n").encode(encoding) if kind == "csv" else b""
    clean_written: list[_Written | bytes] = [
        _Written(_encoded(line_of(r).text, encoding), r.key, _expected_values(r, kind))
        for r in records
    ]
    clean = _assemble(kind, encoding, clean_head, clean_written, [b"\n"] * len(records), records)

    # The later version: some records gone, some new, some lines broken.
    kept = [r for r in records if draw(_ONE_IN[6])]
    new = draw(_records(kind, encoding))
    later = kept + [r for r in new if r.key not in clean.written_keys]
    bom = encoding == "utf-8" and draw(st.booleans())
    usual_end = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    # A header naming a column the rows lack: every row is one field short.
    drifted = kind == "csv" and _one_in(draw, 10)
    head = b""
    if kind == "csv":
        head = ((header + ",added" if drifted else header) + "\n").encode(encoding)
        head = head.replace(b"\n", usual_end)
    head = (_BOM if bom else b"") + head
    damages = _CSV_DAMAGE if kind == "csv" else _JSONL_DAMAGE
    written: list[_Written | bytes] = []
    ends: list[bytes] = []
    for at, record in enumerate(later):
        if _one_in(draw, 8):
            written.append(draw(st.sampled_from([b"", b" ", b"\t"])))
            ends.append(usual_end)
        if _one_in(draw, 13):  # a line that never was a record
            junk = ["garbage", "a;b;c", "[1, 2]", '"a string"', "42", "null"]
            written.append(_Written(draw(st.sampled_from(junk)).encode(encoding), None, None))
            ends.append(usual_end)
        line = line_of(record)
        last = at == len(later) - 1
        damage: Damage | None = None
        if _one_in(draw, 3):
            damage = draw(st.sampled_from(damages + (("cut",) if last else ())))
        if damage is None:
            values = None if drifted else _expected_values(record, kind)
            written.append(_Written(_encoded(line.text, encoding), record.key, values))
        else:
            broken = draw(_broken(line, damage, encoding))
            key = record.key if broken.key_whole else None
            written.append(_Written(broken.content, key, None))
        end = usual_end if draw(_ONE_IN[6]) else draw(st.sampled_from([b"\n", b"\r\n"]))
        ends.append(b"" if damage == "cut" or (last and draw(st.booleans())) else end)
    hostile = _assemble(kind, encoding, head, written, ends, later)
    return FileVersions(clean, hostile)
