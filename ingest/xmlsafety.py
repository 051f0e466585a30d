"""Refuse XML that declares entities, before any XML parser sees it.

Entity declarations in a DOCTYPE are how billion-laughs, quadratic-blowup and XXE (external
entity) attacks work. No legitimate feed needs them, so any ``<!ENTITY`` in the document type
declaration is refused outright rather than configured away parser by parser.
"""

from __future__ import annotations

import codecs
import re

from ingest.errors import UnsafeXMLError

# Prolog items that may come before a DOCTYPE: whitespace, the XML declaration, PIs, comments.
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.I)
_ENTITY = re.compile(r"<!ENTITY\b", re.I)
_ROOT_START = re.compile(r"<[A-Za-z_:]")


def _decode_for_scan(data: bytes) -> str:
    """Enough of a decoding to find ASCII markup: UTF-16/32 by BOM or null pattern, else Latin-1."""
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, "replace")
    if data[:4] == b"<\x00?\x00":
        return data.decode("utf-16-le", "replace")
    if data[:4] == b"\x00<\x00?":
        return data.decode("utf-16-be", "replace")
    # Latin-1 maps every byte to one character, so ASCII markup in UTF-8 or any
    # ASCII-compatible encoding is found where it is.
    return data.decode("latin-1")


def refuse_entity_declarations(data: bytes, name: str) -> None:
    """Raise ``UnsafeXMLError`` if the document type declaration of ``data`` declares entities."""
    text = _decode_for_scan(data)
    if text.startswith(("\ufeff", "ï»¿")):  # UTF-8 BOM, read as either
        text = text[1:] if text[0] == "\ufeff" else text[3:]
    pos = 0
    while (m := _PROLOG_ITEM.match(text, pos)) is not None and m.end() > pos:
        pos = m.end()
    doctype = _DOCTYPE.match(text, pos)
    if doctype is None:
        return
    # The internal subset ends before the root element starts; entity values may hold markup,
    # but their <!ENTITY keyword comes first, so searching up to the first element start is enough.
    root = _ROOT_START.search(text, doctype.end())
    subset = text[doctype.end() : root.start() if root else len(text)]
    if _ENTITY.search(subset):
        raise UnsafeXMLError(
            f"{name}: refused: the XML declares entities in its DOCTYPE "
            "(entity expansion and external entities are not accepted)"
        )
