"""Look at a returned file before it is parsed: its size, its text encoding, and bytes that
cannot belong in a return (binary data, a byte-order mark in the middle of the file).

A file arrives as a path (the CLI and the drop folder stream it) or as bytes (an upload):
``Source`` is either, and everything here reads it a block at a time.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from etl.report import FileRejected, Finding

#: Files larger than this are refused before they are read (override with CSC_MAX_FILE_MB).
DEFAULT_MAX_MB = 200
#: Bytes read at a time when scanning and parsing a file.
BLOCK_BYTES = 1 << 22

#: A returned file: its path on disk (streamed), or its bytes (an upload, already in memory).
Source = Path | bytes


def max_bytes() -> int:
    return int(float(os.environ.get("CSC_MAX_FILE_MB", DEFAULT_MAX_MB)) * 1024 * 1024)


def reject(check: str, message: str, fix: str = "", column: str | None = None) -> FileRejected:
    return FileRejected(Finding(check=check, message=message, fix=fix, column=column))


def open_source(source: Source) -> BinaryIO:
    return source.open("rb") if isinstance(source, Path) else io.BytesIO(source)


def source_size(source: Source) -> int:
    return source.stat().st_size if isinstance(source, Path) else len(source)


@dataclass(frozen=True)
class TextScan:
    """What one streamed pass over a text file found out before it is parsed."""

    encoding: str  # a Python codec name
    balanced_quotes: bool  # an odd number of '"' means a quote is never closed
    #: ";" for Excel's "CSV (European)" (and its decimal commas), or what a ``sep=`` hint
    #: line asks for
    delimiter: str = ","
    #: lines before the CSV begins: 1 for Excel's ``sep=,`` hint line
    skip_lines: int = 0


def scan_text(source: Source) -> TextScan:
    """Pick the encoding and refuse binary, undecodable, blank or spliced files.

    UTF-16 needs its byte-order mark; otherwise UTF-8 (with or without a BOM) is tried over
    the whole file, then Windows-1252. The file is decoded a block at a time, so this costs
    one read of the file and no more memory than a block.
    """
    with open_source(source) as fh:
        head = fh.read(BLOCK_BYTES)
    if not head or (head.isspace() and len(head) < BLOCK_BYTES):
        raise reject("file_not_empty", "The file is empty", "Export the return again.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif b"\x00" in head[:8192]:
        raise reject(
            "file_is_text",
            "This is not a text CSV file (it contains binary data)",
            "Export the report from the case management system as CSV or .xlsx.",
        )
    else:
        candidates = ["utf-8-sig", "cp1252"]
    for encoding in candidates:
        try:
            scan = decode_scan(source, encoding)
        except UnicodeDecodeError:
            if encoding == "utf-8-sig":
                refuse_mixed_encoding(source)
            continue
        return _layout(scan, head)
    raise reject(
        "file_encoding",
        "The file's text encoding could not be read (not UTF-8, UTF-16 or Windows-1252)",
        "Save it from Excel as 'CSV UTF-8 (Comma delimited)'.",
    )


def decode_scan(source: Source, encoding: str) -> TextScan:
    decoder = codecs.getincrementaldecoder(encoding)()
    quotes, content = 0, False
    with open_source(source) as fh:
        while True:
            block = fh.read(BLOCK_BYTES)
            text = decoder.decode(block, final=not block)
            if "\ufeff" in text:  # the codec has already taken any leading BOM
                raise reject(
                    "stray_byte_order_mark",
                    "A byte-order mark (BOM) sits in the middle of the file — usually two "
                    "exports pasted together, so a second header row would be read as data",
                    "Export the return again as one file.",
                )
            if "\x00" in text:
                raise reject(
                    "file_is_text",
                    "This is not a text CSV file: it holds binary data (a NUL byte) part of the "
                    "way through, usually a damaged copy or two files joined",
                    "Export the report from the case management system again as CSV or .xlsx.",
                )
            quotes += text.count('"')
            content = content or not (text.isspace() or not text)
            if not block:
                break
    if not content:
        raise reject("file_not_empty", "The file is empty", "Export the return again.")
    return TextScan(encoding, quotes % 2 == 0)


#: ``sep=;`` — Excel's hint line naming the delimiter, written above the header.
_SEP_HINT = re.compile(r"^\ufeff?sep=(.)\r?$")


def _layout(scan: TextScan, head: bytes) -> TextScan:
    """The delimiter: a ``sep=`` hint line's, or ";" when the first line is Excel's
    "CSV (European)" (semicolons and no commas between its headings), else ","."""
    text = codecs.getincrementaldecoder(scan.encoding)("replace").decode(head[:65536])
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return scan
    hint = _SEP_HINT.match(lines[0].strip(" "))
    if hint and hint[1] in ",;\t|":
        return replace(scan, delimiter=hint[1], skip_lines=text.splitlines().index(lines[0]) + 1)
    first = lines[0]
    if first.count(";") >= 2 and "," not in first:
        return replace(scan, delimiter=";")
    return scan


#: A character that UTF-8 writes as two to four bytes.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]{1,3}")


def refuse_mixed_encoding(source: Source) -> None:
    """Refuse a UTF-8 file with lines pasted from another export (Latin-1 / Windows-1252).

    Read whole as Windows-1252 its UTF-8 letters would turn to nonsense ("Ã©"), and read as
    UTF-8 those lines do not decode: the file is refused, naming the lines (never their text).
    A file with no UTF-8 letters at all is Windows-1252 throughout, and is read as such.
    """
    utf8_letters, bad, count = False, [], 0
    with open_source(source) as fh:
        for number, line in enumerate(fh, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                count += 1
                if len(bad) < 10:
                    bad.append(number)
                continue
            utf8_letters = utf8_letters or bool(_UTF8_MULTIBYTE.search(line))
    if utf8_letters and bad:
        raise FileRejected(
            Finding(
                check="file_encoding",
                message="The file is UTF-8 but some lines are in another encoding (Latin-1 or "
                "Windows-1252), usually rows pasted in from another export; their letters "
                "would be misread",
                rows_affected=count,
                example_rows=bad,
                fix="Retype the accented letters on those lines, or export the whole return "
                "again as 'CSV UTF-8 (Comma delimited)'. Lines are counted from the top of "
                "the file, header included.",
            )
        )


def refuse_oversize(size: int) -> None:
    """Refuse a file of ``size`` bytes over the limit; callers with a path check before reading."""
    if size > max_bytes():
        raise reject(
            "file_size",
            f"The file is {size / 2**20:,.0f} MB; the limit is {max_bytes() / 2**20:,.0f} MB",
            "Split the export by month, or ask an administrator to raise CSC_MAX_FILE_MB.",
        )
