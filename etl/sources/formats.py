"""Recognise a file in a known format that ``etl load`` does not take, and refuse it by name.

Analysts drop whatever the case management system or the DfE gave them into the loader: a
table downloaded from explore
education statistics, a Parquet extract, an old ``.xls``. Read as a return, each would be
refused for a reason that misleads ("name the file <return>_<YYYY-MM>.csv", "required columns
missing"). This module looks at the file's first 64 KiB only — magic bytes, the first part of
a zip, XML element names, the CSV header — and says what the file is and what to send instead.

The formats are declared as data in ``FORMATS``, first match wins; a file that matches none
is left to the reader. A format is recognised only on positive evidence, so a genuine return
(CSV or ``.xlsx``) is never refused here.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import string
import struct
import zlib
from dataclasses import dataclass

import pandas as pd

from etl.report import FileRejected, Finding
from etl.returns import all_returns, fold_header, get_return
from etl.sources.ees.convert import advice

#: How much of a file the recognisers see.
HEAD_BYTES = 1 << 16
_ZIP_LOCAL = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ELEMENT = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


@dataclass(frozen=True)
class ForeignFormat:
    """One known format the loader does not take: how to recognise it, what to tell the analyst.

    Every recogniser given must hold (at least one is given):

    - ``magic``: the file starts with one of these bytes;
    - ``contains``: the head holds one of these bytes anywhere;
    - ``zip_part``: the file is a zip whose first part (an OpenDocument ``mimetype`` or an
      Office ``[Content_Types].xml``) names one of these content types;
    - ``elements``: the file is XML or HTML holding one of these element names
      (case-insensitive; ``"*"`` for any markup at all);
    - ``header``: the file is text whose header row holds every column of one of these sets
      (compared folded, as return headers are).

    ``message`` and ``fix`` may name ``{name}`` (the file), ``{returns}``, ``{<return>_columns}``
    and ``{ees_indicators}``; they are filled in when the file is refused, from the return
    declarations and the EES mapping, so the advice never falls out of step with them.
    """

    what: str
    message: str
    fix: str
    magic: tuple[bytes, ...] = ()
    contains: tuple[bytes, ...] = ()
    zip_part: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()
    header: tuple[frozenset[str], ...] = ()

    def __post_init__(self) -> None:
        if not (self.magic or self.contains or self.zip_part or self.elements or self.header):
            raise ValueError(f"{self.what}: declare at least one way to recognise it")


def _columns(*names: str) -> frozenset[str]:
    return frozenset(fold_header(n) for n in names)


_EXPORT = "Export the return from the case management system as CSV or .xlsx (returns: {returns})."
#: The known foreign formats, in the order they are tried (specific before general).
FORMATS: tuple[ForeignFormat, ...] = (
    ForeignFormat(
        what="parquet",
        message="This is a Parquet file, not a return",
        fix="Write it out as CSV (e.g. pandas to_csv) or .xlsx, with the return's columns.",
        magic=(b"PAR1",),
    ),
    ForeignFormat(
        what="pdf",
        message="This is a PDF document, not a return: a printed report cannot be read as data",
        fix=_EXPORT,
        magic=(b"%PDF",),
    ),
    ForeignFormat(
        what="encrypted_office",
        message="This is a password-protected Office file (an encrypted workbook), which "
        "cannot be read",
        fix="Remove the password (File > Info > Protect Workbook) and save it as .xlsx or CSV.",
        magic=(_OLE,),
        contains=("EncryptedPackage".encode("utf-16-le"),),
    ),
    ForeignFormat(
        what="xls",
        message="This is an old-style Excel 97–2003 workbook (.xls, a binary Office file), "
        "which the dashboard does not read",
        fix="Open it in Excel and save it as .xlsx (Excel Workbook) or CSV UTF-8.",
        magic=(_OLE,),
    ),
    ForeignFormat(
        what="ods",
        message="This is an OpenDocument spreadsheet (.ods), which the dashboard does not read",
        fix="Open it in LibreOffice or Excel and save it as .xlsx (one sheet) or CSV.",
        zip_part=("application/vnd.oasis.opendocument.spreadsheet",),
    ),
    ForeignFormat(
        what="opendocument",
        message="This is an OpenDocument text or presentation file, not a return",
        fix=_EXPORT,
        zip_part=("application/vnd.oasis.opendocument.",),
    ),
    ForeignFormat(
        what="xlsm",
        message="This is a macro-enabled Excel workbook (.xlsm); the dashboard does not take "
        "files that carry macros",
        fix="Open it in Excel and save it as .xlsx (Excel Workbook) or CSV UTF-8: that keeps "
        "the data and leaves the macros out.",
        zip_part=("macroEnabled", "vbaProject"),
    ),
    ForeignFormat(
        what="docx",
        message="This is a Word document (.docx), not a return",
        fix=_EXPORT,
        zip_part=("wordprocessingml.document.main+xml",),
    ),
    ForeignFormat(
        what="pptx",
        message="This is a PowerPoint presentation (.pptx), not a return",
        fix=_EXPORT,
        zip_part=("presentationml.presentation.main+xml",),
    ),
    ForeignFormat(
        what="html",
        message="This is a web page (HTML), not a return; some systems save an HTML table "
        "under an .xls or .csv name",
        fix="Open it in Excel and save it as .xlsx (Excel Workbook) or CSV UTF-8.",
        elements=("html",),
    ),
    ForeignFormat(
        what="xml",
        message="This is an XML file, not a return",
        fix=_EXPORT,
        elements=("*",),
    ),
    ForeignFormat(
        what="ees",
        message="This is a DfE published statistics file (explore education statistics), "
        "not a return",
        fix="Load it as benchmarks with: python -m etl import-ees {name} — {ees_indicators}",
        header=(_columns("time_period", "time_identifier", "geographic_level"),),
    ),
    ForeignFormat(
        what="statistical_neighbours",
        message="This is the DfE's statistical neighbours table (each council's ten closest "
        "councils), not a return",
        fix="It is not a return: set the council's ten statistical neighbours from it with "
        "python -m etl import-neighbours {name} (or on the Council settings page); the council "
        "is found by its la_code in config/council.yaml.",
        header=(
            _columns("LA num", "LA Name", "SN1", "SNP", "SN2"),
            _columns("old_la_code", "la_name", "SN_1", "SN_1P", "SN_2"),
        ),
    ),
)


@dataclass(frozen=True)
class _Head:
    """What the recognisers look at, each worked out once from the file's first bytes."""

    raw: bytes
    zip_part: str
    elements: frozenset[str] | None  # None: not markup
    header: frozenset[str]  # folded


def _zip_first_part(head: bytes) -> str:
    """The text of a zip's first part when it is the one that says what the document is.

    OpenDocument stores ``mimetype`` first and uncompressed; Office files usually put
    ``[Content_Types].xml`` first, deflated. Anything else (or a damaged header) gives "",
    so the file goes on to the reader.
    """
    if not head.startswith(_ZIP_LOCAL) or len(head) < 30:
        return ""
    fields = struct.unpack("<IHHHHHIIIHH", head[:30])
    method, size, name_len, extra_len = fields[3], fields[7], fields[9], fields[10]
    start = 30 + name_len + extra_len
    name = head[30 : 30 + name_len]
    if name == b"mimetype" and method == 0:
        return head[start : start + size].decode("ascii", "replace")
    if name == b"[Content_Types].xml" and method == 8:
        try:
            return (
                zlib.decompressobj(-15)
                .decompress(head[start:], HEAD_BYTES)
                .decode("utf-8", "replace")
            )
        except zlib.error:
            return ""
    return ""


def _text(head: bytes) -> str:
    """The head as text: UTF-16 by its BOM, else UTF-8 (with or without BOM), else cp1252.

    Decoded incrementally, so a character cut in two at the 64 KiB boundary is not an error.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return codecs.getincrementaldecoder("utf-16")("replace").decode(head)
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head)
    except UnicodeDecodeError:
        return head.decode("cp1252", "replace")


def _header_row(text: str) -> list[str]:
    """The first non-blank CSV row of the head (perhaps cut short at the boundary)."""
    try:
        for row in csv.reader(io.StringIO(text)):
            if any(cell.strip() for cell in row):
                return row
    except csv.Error:
        pass
    return []


def _look(head: bytes) -> _Head:
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = "" if b"\x00" in head[:8192] and not utf16 else _text(head)  # binary: no text
    markup = text.lstrip("\ufeff \t\r\n").startswith("<")
    columns = [] if markup or not text else _header_row(text)
    return _Head(
        raw=head,
        zip_part=_zip_first_part(head),
        elements=frozenset(e.casefold() for e in _ELEMENT.findall(text)) if markup else None,
        header=frozenset(fold_header(c) for c in columns),
    )


def _matches(fmt: ForeignFormat, head: _Head) -> bool:
    if fmt.magic and not head.raw.startswith(fmt.magic):
        return False
    if fmt.contains and not any(sign in head.raw for sign in fmt.contains):
        return False
    if fmt.zip_part and not any(sign in head.zip_part for sign in fmt.zip_part):
        return False
    if fmt.elements:
        if head.elements is None:
            return False
        wanted = {e.casefold() for e in fmt.elements}
        if "*" not in wanted and head.elements.isdisjoint(wanted):
            return False
    return not fmt.header or any(columns <= head.header for columns in fmt.header)


def _ees_indicators(head: bytes) -> str:
    """Which DfE table the file is and what ``import-ees`` would take from it, judged on the
    head's complete rows (tables that share a layout differ in their breakdown rows)."""
    text = _text(head)
    whole = text[: text.rfind("\n") + 1] or text  # a row cut at the boundary is left out
    try:
        frame = pd.read_csv(io.StringIO(whole), dtype="str", keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        frame = pd.DataFrame(columns=_header_row(text))
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return advice(frame)


def _fill(text: str, name: str, head: bytes) -> str:
    """A declaration's text with its ``{fields}`` filled in from the declarations they name."""
    values: dict[str, str] = {}
    for _, field, _, _ in string.Formatter().parse(text):
        if field == "name":
            values[field] = name
        elif field == "returns":
            values[field] = ", ".join(all_returns())
        elif field == "ees_indicators":
            values[field] = _ees_indicators(head)
        elif field and field.endswith("_columns"):
            values[field] = ", ".join(get_return(field.removesuffix("_columns")).column_names)
    return text.format(**values)


#: Names that say a workbook carries macros, whatever is inside: refused by name.
MACRO_NAMES = (".xlsm", ".xltm", ".xlam")


def refuse_foreign(name: str, head: bytes) -> None:
    """Refuse a file in a known format the loader does not take, saying what it is and what
    to send instead; return quietly for anything else (the reader judges it as a return)."""
    look = _look(head[:HEAD_BYTES])
    if name.lower().endswith(MACRO_NAMES):
        fmt = next(fmt for fmt in FORMATS if fmt.what == "xlsm")
    else:
        fmt = next((fmt for fmt in FORMATS if _matches(fmt, look)), None)
    if fmt is None:
        return
    raise FileRejected(
        Finding(
            check="file_format",
            message=_fill(fmt.message, name, look.raw),
            fix=_fill(fmt.fix, name, look.raw),
        )
    )
