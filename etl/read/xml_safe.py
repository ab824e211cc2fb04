"""Read a statutory-return XML file safely, one record at a time.

The DfE's census files (children in need, workforce) are XML exported by the case management
system. XML can carry more than data: a document type declaration (DTD) can define entities
that fetch local files or URLs (external entities) or expand to gigabytes from a few bytes
(the "billion laughs" bomb). No census file has a DTD, so one is refused before parsing;
the parser is also set never to resolve entities, never to touch the network and to keep
libxml2's limits on depth and text size (``huge_tree`` off), in case a DTD hides further in.

A census may hold tens of thousands of children, so it is read with ``iterparse``: each
record is handed to the caller and then cleared, keeping memory bounded whatever the size.
Malformed XML is refused naming its line and column, never quoting its text (it may hold a
child's name or date of birth).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from etl.read.sniff import Source, open_source, refuse_oversize, source_size
from etl.report import FileRejected, Finding

#: How much of the file is searched for a DTD before the first element.
PROLOG_BYTES = 1 << 16
_DOCTYPE = re.compile(r"<!DOCTYPE|<!ENTITY", re.I)
_FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")
_SEND_AGAIN = (
    "Export the file again from the case management system and send it unchanged (do not "
    "open and save it in another program)."
)


def _prolog_text(head: bytes) -> str:
    """The head of the file as text, by its byte-order mark (UTF-16 or UTF-8) or else UTF-8."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return codecs.getincrementaldecoder("utf-16")("replace").decode(head)
    return head.decode("utf-8", "replace")


def refuse_dtd(head: bytes) -> None:
    """Refuse a file that declares a DTD or entities: census files never do, and it is how
    external-entity and entity-expansion attacks are carried."""
    text = _prolog_text(head[:PROLOG_BYTES])
    # No element in the head: whatever fills it (a long comment, say) could hide a DTD.
    if _DOCTYPE.search(text) or not _FIRST_ELEMENT.search(text):
        raise FileRejected(
            Finding(
                check="xml_unsafe",
                message="The XML file declares a document type (DTD) or entities, which a DfE "
                "census file never has; it was not read, because such declarations can make a "
                "file fetch other files or expand without limit",
                fix=_SEND_AGAIN,
            )
        )


def malformed(exc: etree.XMLSyntaxError) -> FileRejected:
    """A parse error as a refusal naming where it is (line and column), not what is there."""
    line, column = exc.position if exc.position else (exc.lineno or 0, 0)
    return FileRejected(
        Finding(
            check="xml_malformed",
            message=f"The XML is not well formed at line {line:,}, column {column:,} (the file "
            "may be cut short, or edited by hand); nothing was loaded",
            fix=_SEND_AGAIN,
        )
    )


class _LocalNames(dict):
    """Tag → local name, worked out once per tag: a census reader asks for every element of
    a file of a million, and a hit costs no Python call. It keeps at most ``_MAX_NAMES``
    tags, so a hostile file's endless distinct names cannot grow it without bound."""

    def __missing__(self, tag: Any) -> str:
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        if len(self) < _MAX_NAMES:
            self[tag] = name
        return name


_MAX_NAMES = 4096
#: ``LOCAL_NAMES[element.tag]`` is ``local(element.tag)``, for the readers' inner loops.
LOCAL_NAMES = _LocalNames()


def local(tag: Any) -> str:
    """An element's name without its namespace (``{ns}Child`` → ``Child``); "" for anything
    that is not an element (an unresolved entity reference's tag is not a string)."""
    return LOCAL_NAMES[tag]


def iter_records(source: Source, records: tuple[str, ...]) -> Iterator[etree._Element]:
    """Yield each complete element named in ``records`` (any namespace), in file order.

    An element is yielded once its end tag is read, then cleared with the siblings read
    before it, so only one record is held at a time. The file is refused (``FileRejected``)
    over the size limit, with a DTD, or at the first point it is not well formed.
    """
    refuse_oversize(source_size(source))
    with open_source(source) as fh:
        refuse_dtd(fh.read(PROLOG_BYTES))
        fh.seek(0)
        parser = etree.iterparse(
            fh,
            events=("end",),
            tag=[f"{{*}}{name}" for name in records],
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        try:
            for _, element in parser:
                yield element
                element.clear(keep_tail=False)
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
        except etree.XMLSyntaxError as exc:
            raise malformed(exc) from None


def text_of(element: etree._Element) -> dict[str, str]:
    """A flat record: each direct child's name → its stripped text (the last if repeated)."""
    names = LOCAL_NAMES
    out = {}
    for child in element:
        name = names[child.tag]
        if name:
            out[name] = (child.text or "").strip()
    return out
