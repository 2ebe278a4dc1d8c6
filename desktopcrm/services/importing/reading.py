"""Reading a CSV file to import: encoding, delimiter, header, and its rows as field values.

The encoding is detected (UTF-8 with or without BOM, UTF-16 with BOM, else Windows cp1252),
the delimiter sniffed (comma, semicolon, tab, pipe), the file streamed row by row: nothing
holds more than one row of it.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from desktopcrm.services.errors import ServiceError

SAMPLE_BYTES = 64 * 1024


def detect_encoding(path: Path) -> str:
    """``utf-8-sig``, ``utf-16`` (by BOM), ``utf-8`` when every byte decodes, else ``cp1252``."""
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8"
        handle.seek(0)
        try:
            while chunk := handle.read(1 << 20):
                chunk.decode("cp1252")
        except UnicodeDecodeError:
            return "latin-1"
    return "cp1252"


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: comma, semicolon, tab or pipe."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


@dataclass
class CsvFile:
    """An opened CSV file: its encoding, delimiter and header."""

    path: Path
    encoding: str
    delimiter: str
    headers: list[str]

    def _open(self) -> TextIO:
        return self.path.open(encoding=self.encoding, newline="")

    def records(self) -> Iterator[tuple[int, list[str] | None, str]]:
        """(line, cells, error) for every row after the header; blank rows have cells []."""
        with self._open() as handle:
            reader = csv.reader(handle, delimiter=self.delimiter, strict=True)
            try:
                next(reader)
            except (StopIteration, csv.Error):
                return
            last = reader.line_num
            while True:
                start = last + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    last = reader.line_num
                    yield start, None, f"the row cannot be read as CSV ({exc}); check its quotes"
                    continue
                last = reader.line_num
                yield start, cells, ""

    def count_rows(self) -> tuple[int, int]:
        """(data rows, blank lines), reading the whole file once (for progress)."""
        rows = blank = 0
        for _, cells, _ in self.records():
            if cells is not None and not any(c.strip() for c in cells):
                blank += 1
            else:
                rows += 1
        return rows, blank


def open_csv(path: str | Path) -> CsvFile:
    """Open a CSV file for import: detect its encoding and delimiter, read its header.

    Raises ``ServiceError`` when the file is empty or has no header row.
    """
    path = Path(path)
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample.strip():
        raise ServiceError(f"{path.name} is empty: there is nothing to import.")
    delimiter = sniff_delimiter(sample)
    try:
        header = next(csv.reader(sample.splitlines()[:1], delimiter=delimiter))
    except (StopIteration, csv.Error) as exc:
        raise ServiceError(
            f"The first line of {path.name} is not a CSV header ({exc}). The first line must "
            "name the columns."
        ) from exc
    headers = [h.strip() for h in header]
    if not any(headers):
        raise ServiceError(f"The first line of {path.name} must name the columns.")
    return CsvFile(path, encoding, delimiter, headers)


@dataclass(slots=True)
class SourceRow:
    """One row to import: where it starts in the file, its values by field, or why it is bad."""

    line: int
    values: dict[str, str]
    error: str = ""


def mapped_rows(source: CsvFile, mapping: Mapping[str, str | None]) -> Iterator[SourceRow | None]:
    """The file's rows as field values (``None`` for a blank line)."""
    width = len(source.headers)
    mapped = [(i, t) for i, h in enumerate(source.headers) if (t := mapping.get(h))]
    for line, cells, error in source.records():
        if cells is None:
            yield SourceRow(line, {}, error)
            continue
        if not any(c.strip() for c in cells):
            yield None
            continue
        if len(cells) != width and (len(cells) < width or any(c.strip() for c in cells[width:])):
            yield SourceRow(
                line,
                {},
                f"the row has {len(cells)} columns but the header has {width}; check for a "
                "missing or extra delimiter, or an unquoted delimiter inside a value",
            )
            continue
        values: dict[str, str] = {}
        for index, target in mapped:
            if index < len(cells) and (cell := cells[index].strip()):
                values[target] = cell
        yield SourceRow(line, values)
