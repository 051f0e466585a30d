"""Patent facts recovered from a feed entry of a patent search (patent offices and search services
offer such RSS/Atom feeds). Rules, applied in this order, and nothing beyond them:

1. Publication number: the first written publication number (two-letter office code, digits,
   optional kind code, e.g. "EP 1 234 567 A1", "US2024/0123456") found in the entry's id, then its
   link, title, categories, summary and content. Without an office code nothing is taken: a bare
   number could belong to any office.
2. Dates: only labelled ones: "Publication date", "Published", "Filing date", "Application date",
   "Priority date" followed by a date written YYYY-MM-DD, YYYYMMDD or DD.MM.YYYY. The feed's own
   entry date is when the search service saw the patent, not its publication date, and is not used.
3. Classes: codes labelled "CPC" or "IPC" in the text, and categories that are class codes (their
   scheme unstated, so kept apart in ``PatentRecord.classes``).
4. Applicants and inventors: only labelled lists ("Applicant(s): A; B", "Inventor(s): ...").
5. Title: the entry title, without a leading publication number and separator.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.patents import PatentRecord, PublicationNumber, normalise_class, normalise_number, party
from ingest.records import Item

_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])(EP|US|WO|DE|CN|JP|KR|GB|FR|CA|AU|AT|CH|ES|IT|NL|SE|DK|FI|BE|TW|RU|BR|IN)"
    r"[\s\-]?((?:RE|PP|D)?\d[\d\s,./\-]{3,}\d)(?:[\s\-]?([A-Z]\d?))?(?![A-Za-z0-9])"
)
_DATE = r"(\d{4}-\d{2}-\d{2}|\d{8}|\d{2}\.\d{2}\.\d{4})"
_LABELS = {
    "publication_date": r"(?:publication\s+date|date\s+of\s+publication|published(?:\s+on)?)",
    "filing_date": r"(?:filing\s+date|application\s+date|date\s+of\s+filing|filed(?:\s+on)?)",
    "priority_date": r"(?:priority\s+date|earliest\s+priority)",
}
# A labelled value ends at the end of its line or where the next label starts.
_ANY_LABEL = (
    r"\b(?:CPC|IPC|Applicants?|Assignees?|Inventors?|" + "|".join(_LABELS.values()) + r")(?:\(s\))?\s*[:=]"
)
_VALUE = rf"((?:(?!{_ANY_LABEL})[^\n])+)"
_CLASS_LABEL = re.compile(r"\b(CPC|IPC)\s*(?:classes|classification)?\s*[:=]\s*" + _VALUE, re.I)
_PARTY_LABEL = re.compile(r"\b(Applicants?|Assignees?|Inventors?)(?:\(s\))?\s*[:=]\s*" + _VALUE, re.I)


def _iso(value: str) -> str | None:
    if re.fullmatch(r"\d{8}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    elif re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", value):
        value = f"{value[6:]}-{value[3:5]}-{value[:2]}"
    return value if re.fullmatch(r"(19|20)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", value) else None


def find_number(texts: Iterable[str]) -> PublicationNumber | None:
    """The first readable publication number in ``texts``.

    A match may run into digits that follow the number ("EP3404678 20210630", a date): groups
    after a space are dropped one by one until the rest reads as a number.
    """
    for text in texts:
        for m in _NUMBER.finditer(text or ""):
            groups = m.group(2).split()
            for size in range(len(groups), 0, -1):
                body = " ".join(groups[:size]).rstrip(" ,./-")
                kind = m.group(3) if size == len(groups) else None
                number = normalise_number(f"{m.group(1)}{body}{kind or ''}")
                if number is not None:
                    return number
    return None


def recover(item: Item) -> PatentRecord | None:
    """The patent facts of a feed entry by the rules above; None if it names no publication."""
    categories = item.categories
    text = "\n".join((item.summary, item.content))
    number = find_number(
        (item.guid or "", item.link or "", item.title, *categories, item.summary, item.content)
    )
    if number is None:
        return None
    dates: dict[str, str | None] = {}
    for field, label in _LABELS.items():
        m = re.search(label + r"\s*[:=]?\s*" + _DATE, text, re.I)
        dates[field] = _iso(m.group(1)) if m else None
    schemes: dict[str, list[str]] = {"cpc": [], "ipc": []}
    for m in _CLASS_LABEL.finditer(text):
        codes = (normalise_class(c) for c in re.split(r"[;,]\s*", m.group(2).strip()))
        schemes[m.group(1).lower()] += [c for c in codes if c]
    parties: dict[str, list[str]] = {"applicant": [], "inventor": []}
    for m in _PARTY_LABEL.finditer(text):
        role = "inventor" if m.group(1).lower().startswith("inventor") else "applicant"
        parties[role] += [n.strip() for n in m.group(2).split(";") if n.strip()]
    title = re.sub(r"^\s*" + _NUMBER.pattern + r"\s*[:\-–|]\s*", "", item.title)
    return PatentRecord(
        number=number,
        title=title.strip(),
        cpc=tuple(dict.fromkeys(schemes["cpc"])),
        ipc=tuple(dict.fromkeys(schemes["ipc"])),
        classes=tuple(dict.fromkeys(c for c in (normalise_class(x) for x in categories) if c)),
        applicants=tuple(party(a) for a in parties["applicant"]),
        inventors=tuple(party(i) for i in parties["inventor"]),
        publication_date=dates["publication_date"],
        filing_date=dates["filing_date"],
        priority_date=dates["priority_date"],
    )
