"""Refuse XML that declares entities, before any XML parser sees it.

Entity declarations in a DOCTYPE are how billion-laughs, quadratic-blowup and XXE (external
entity) attacks work. No legitimate feed needs them, so any ``<!ENTITY`` in a document type
declaration is refused outright rather than configured away parser by parser.

The check must see the characters the parser will see: callers that know the decoding (the feed
parser transcodes to UTF-8 first) pass text; bytes are decoded here by BOM or byte pattern.
"""

from __future__ import annotations

import codecs
import re

from ingest.errors import UnsafeXMLError

# Outside a DOCTYPE: CDATA sections and comments are content, a DOCTYPE in them is text.
_TOP = re.compile(r"<!\[CDATA\[|<!--|<!DOCTYPE", re.I)
# Inside a DOCTYPE: quoted literals, the subset's brackets, its end, comments, PIs, declarations.
_TOKEN = re.compile(r"""["'\[\]>]|<!--|<\?|<!ENTITY""", re.I)
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)""")


_NAME = r"[A-Za-z_:][\w.\-:]*"
_LITERAL = r"""(?:"[^"]*"|'[^']*')"""
# Exactly the grammar of an unparsed entity: a name, an external id, NDATA and a notation name.
_UNPARSED_ENTITY = re.compile(
    rf"<!ENTITY\s+(?!(?:SYSTEM|PUBLIC|NDATA)\b)({_NAME})\s+"
    rf"(?:SYSTEM\s+{_LITERAL}|PUBLIC\s+{_LITERAL}\s+{_LITERAL})\s+NDATA\s+{_NAME}\s*>"
)


def _doctype_end(text: str, pos: int, allow_unparsed: bool = False) -> int | None:
    """Scan one DOCTYPE from ``pos`` (just after ``<!DOCTYPE``): the index just past its end, or
    None if it declares an entity (or never ends: a parser could read it differently from us).

    Literals, comments and processing instructions are skipped as units, so markup-like text
    inside them can neither hide a declaration nor fake one. With ``allow_unparsed``, entity
    declarations that match the unparsed-entity grammar exactly are passed over.
    """
    in_subset = False
    while (m := _TOKEN.search(text, pos)) is not None:
        mark = m.group()
        if mark[:8].upper() == "<!ENTITY":
            unparsed = _UNPARSED_ENTITY.match(text, m.start()) if allow_unparsed else None
            if unparsed is None:
                return None
            pos = unparsed.end()
            continue
        ends = {'"': '"', "'": "'", "<!--": "-->", "<?": "?>"}.get(mark)
        if ends is not None:
            close = text.find(ends, m.end())
            if close < 0:
                return None
            pos = close + len(ends)
            continue
        if mark == "[":
            in_subset = True
        elif mark == "]":
            in_subset = False
        elif mark == ">" and not in_subset:
            return m.end()
        pos = m.end()
    return None


def refuse_entity_declarations_in_text(text: str, name: str, *, allow_unparsed: bool = False) -> None:
    """Raise ``UnsafeXMLError`` if any DOCTYPE in ``text`` declares entities.

    ``allow_unparsed`` admits declarations of unparsed (NDATA) entities, which name binary files
    and are never expanded: USPTO full-text files declare one per drawing.
    """
    # Every DOCTYPE, not only one in the prolog: lenient parsers also honour one after junk.
    # Each part of the text is scanned once: the next search starts where a DOCTYPE ended.
    pos = 0
    while (m := _TOP.search(text, pos)) is not None:
        mark = m.group()
        if mark.upper() == "<!DOCTYPE":
            end = _doctype_end(text, m.end(), allow_unparsed)
            if end is None:
                raise UnsafeXMLError(
                    f"{name}: refused: the XML declares entities in its DOCTYPE "
                    "(entity expansion and external entities are not accepted)"
                )
            pos = end
            continue
        close = text.find("]]>" if mark.startswith("<![") else "-->", m.end())
        # An unclosed section hides nothing: a lenient parser may not honour it, so read on.
        pos = m.end() if close < 0 else close + 3


def _decode(data: bytes, name: str) -> str:
    """The characters of XML bytes: by BOM, by the UTF-16/32 byte pattern, else as ASCII-compatible."""
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, "replace")
    for pattern, enc in (
        (b"<\x00\x00\x00", "utf-32-le"),
        (b"\x00\x00\x00<", "utf-32-be"),
        (b"<\x00?\x00", "utf-16-le"),
        (b"\x00<\x00?", "utf-16-be"),
        (b"\x4c\x6f\xa7\x94", "cp037"),  # "<?xm" in EBCDIC
    ):
        if data.startswith(pattern):
            return data.decode(enc, "replace")
    declared = _DECLARED_ENCODING.match(data)
    if declared and declared.group(1).lower().replace(b"_", b"-") in (
        b"utf-7",
        b"utf7",
        b"unicode-1-1-utf-7",
    ):
        raise UnsafeXMLError(f"{name}: refused: UTF-7 encoded XML is not accepted")
    # Latin-1 maps every byte to one character, so ASCII markup in UTF-8 or any
    # ASCII-compatible encoding is found where it is.
    return data.decode("latin-1")


def refuse_entity_declarations(data: bytes, name: str, *, allow_unparsed: bool = False) -> None:
    """Raise ``UnsafeXMLError`` if the XML bytes declare entities in a DOCTYPE (or are UTF-7)."""
    refuse_entity_declarations_in_text(_decode(data, name), name, allow_unparsed=allow_unparsed)
