"""Patent records and the normalisation of their identifiers, names and classes.

A publication number is written many ways ("EP 1 234 567 A1", "US 2024/0123456 A1",
"WO 2024/123456", "DE 10 2024 000 123 A1"); ``normalise_number`` turns each into one canonical
form (country code, number, kind code: ``EP1234567A1``) so that the same patent from a feed and
from a file is recognised as one. Nothing is guessed: what a form does not say stays empty.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True, order=True)
class PublicationNumber:
    country: str
    number: str
    kind: str | None = None

    def __str__(self) -> str:
        return f"{self.country}{self.number}{self.kind or ''}"

    @property
    def base(self) -> str:
        """The number without its kind code: what a feed that omits the kind still identifies."""
        return f"{self.country}{self.number}"

    @property
    def register_url(self) -> str:
        """A public page for the publication (Espacenet covers every office we read)."""
        return f"https://worldwide.espacenet.com/patent/search?q=pn%3D{quote(str(self))}"


_WRITTEN = re.compile(r"^([A-Z]{2})[\s\-]*(.*?\d)(?:[\s\-]*([A-Z]\d?))?$")
_YEAR_SERIAL = re.compile(r"^(\d{4})\s*[/\-]\s*(\d{1,7})$")
_SHORT_YEAR_SERIAL = re.compile(r"^(\d{2})\s*/\s*(\d{1,6})$")
_SEPARATORS = re.compile(r"[\s,./\-]+")
_BODY = re.compile(r"^(?:RE|PP|D|H|T)?\d+$")


def normalise_number(text: str) -> PublicationNumber | None:
    """The canonical publication number in ``text``, or None if it is not one we can read.

    Rules (shown by example in tests/test_patents.py):
    - US pre-grant publications: year + 7-digit serial ("2024/0123456", "2024/123456" ->
      "20240123456"); US grants: leading zeros dropped ("06970935" -> "6970935"); design, plant and
      reissue prefixes kept ("D435854", "PP12345", "RE45678").
    - EP: 7 digits, zero-padded.
    - WO: 4-digit year + 6-digit serial ("WO 2024/123456"); the old two-digit years
      ("WO 99/12345", "WO9912345", "WO02020444") become 19xx from 78 (the first PCT year) and
      20xx below.
    - Other offices (DE, CN, JP, ...): the digits as written, separators removed.
    - The kind code (A1, B2, U, S1, ...) is kept when written, and left empty when not.
    """
    m = _WRITTEN.match(unicodedata.normalize("NFKC", text).strip().upper())
    if m is None:
        return None
    country, body, kind = m.group(1), m.group(2).strip(), m.group(3)
    year_serial = _YEAR_SERIAL.match(body)
    short = _SHORT_YEAR_SERIAL.match(body)
    number = _SEPARATORS.sub("", body)
    if not _BODY.match(number):
        return None
    if country == "US":
        prefix = re.match(r"^[A-Z]*", number).group()  # type: ignore[union-attr]
        digits = number[len(prefix) :]
        if year_serial:
            number = year_serial.group(1) + year_serial.group(2).zfill(7)
        elif len(digits) <= 8:  # a grant: leading zeros dropped, after a D/PP/RE prefix too
            number = prefix + (digits.lstrip("0") or "0")
        elif prefix or len(digits) != 11 or digits[:2] not in ("19", "20"):
            return None  # neither a grant nor a year + serial publication
    elif country == "EP" and number.isdigit():
        if len(number) > 7:
            return None
        number = number.zfill(7)
    elif country == "WO" and number.isdigit():
        if year_serial:
            number = year_serial.group(1) + year_serial.group(2).zfill(6)
        elif short or len(number) in (7, 8):  # "WO 99/12345", "WO9912345", "WO02020444"
            yy, serial = (short.group(1), short.group(2)) if short else (number[:2], number[2:])
            number = f"{1900 + int(yy) if int(yy) >= 78 else 2000 + int(yy)}{serial.zfill(6)}"
        elif len(number) != 10:
            return None
    return PublicationNumber(country, number, kind)


# Legal-form words and abbreviations, compared after case-folding and removing punctuation.
_LEGAL_FORMS = (
    "gmbh & co kg",
    "gmbh & co",
    "se & co kg",
    "ag & co kg",
    "gmbh",
    "mbh",
    "ag",
    "kgaa",
    "kg",
    "ohg",
    "se",
    "ev",
    "incorporated",
    "inc",
    "corporation",
    "corp",
    "company",
    "co",
    "limited",
    "ltd",
    "llc",
    "llp",
    "lp",
    "plc",
    "sa",
    "sas",
    "sarl",
    "spa",
    "srl",
    "bv",
    "nv",
    "oy",
    "oyj",
    "ab",
    "as",
    "aps",
    "kk",
    "kabushiki kaisha",
    "co ltd",
    "pty",
    "pte",
)
_LEGAL_SUFFIX = re.compile(
    r"(?:[\s,]+(?:" + "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in _LEGAL_FORMS) + r"))+$"
)


def normalise_party(name: str) -> str:
    """A comparable form of an applicant's name: case, punctuation, spacing and legal form unified.

    "Siemens Aktiengesellschaft" stays itself (only common abbreviations are dropped), but
    "SIEMENS AG", "Siemens AG." and "siemens ag" all become "siemens".
    """
    text = unicodedata.normalize("NFKC", name).casefold().replace("&amp;", "&")
    text = re.sub(r"(?<=\w)\.(?=\w)", "", text)  # "s.a." -> "sa.", "g.m.b.h." -> "gmbh."
    text = re.sub(r"[.,;:()\"']", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    previous = None
    while previous != text:  # "Foo Co., Ltd." carries two forms
        previous = text
        text = _LEGAL_SUFFIX.sub("", text).strip()
    return text or unicodedata.normalize("NFKC", name).casefold().strip()


_CPC_IPC = re.compile(r"^([A-HY])\s*(\d{2})\s*([A-Z])\s*0*(\d{1,4})\s*/\s*(\d{1,6})")


def normalise_class(text: str) -> str | None:
    """A CPC/IPC code as "A61B5/00" from the written forms ("A61B 5/00", "A61B0005000000",
    "H01F  27/14   20060101AFI...", "G06F015/16"); None if it is not a full code."""
    code = unicodedata.normalize("NFKC", text).strip().upper()
    m = _CPC_IPC.match(code)
    if m:
        return f"{m.group(1)}{m.group(2)}{m.group(3)}{int(m.group(4))}/{m.group(5)}"
    compact = re.match(r"^([A-HY])(\d{2})([A-Z])(\d{4})(\d{2,6})$", code.replace(" ", ""))
    if compact:  # fixed-width form: group in 4 digits, subgroup in the rest
        subgroup = compact.group(5).rstrip("0").ljust(2, "0")
        return f"{compact.group(1)}{compact.group(2)}{compact.group(3)}{int(compact.group(4))}/{subgroup}"
    return None


@dataclass(frozen=True)
class Party:
    """An applicant, assignee or inventor: the name as written and its comparable form."""

    name: str
    key: str


def party(name: str) -> Party:
    return Party(name=" ".join(name.split()), key=normalise_party(name))


@dataclass(frozen=True)
class PatentRecord:
    """A patent publication as read from a file or recovered from a feed entry."""

    number: PublicationNumber
    title: str
    abstract: str = ""
    first_claim: str = ""
    application_number: str | None = None
    applicants: tuple[Party, ...] = ()
    inventors: tuple[Party, ...] = ()
    publication_date: str | None = None  # ISO dates
    filing_date: str | None = None
    priority_date: str | None = None
    cpc: tuple[str, ...] = ()
    ipc: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()  # codes from a source that did not say whether CPC or IPC
    language: str | None = None

    @property
    def text(self) -> str:
        """What the analysis reads: title, abstract and first claim."""
        return "\n\n".join(part for part in (self.title, self.abstract, self.first_claim) if part)


def classes_match(codes: tuple[str, ...], prefixes: tuple[str, ...]) -> bool:
    """True if any class code starts with any configured prefix ("A61B" matches "A61B5/00")."""
    return any(code.startswith(prefix) for code in codes for prefix in prefixes)
