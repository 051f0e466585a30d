"""Plain-text helpers shared by the analysis: sentences, words, stems, stop words.

Sentences are returned as exact substrings of the input, so a summary built from them is
traceable verbatim to its source.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)

# A sentence ends at . ! ? and the closing quotes/brackets after it (group 1, kept with the sentence)
# before white space and an upper-case letter, digit or opening quote; or at a line break (extracted
# text has one paragraph, heading or list item per line).
_BOUNDARY = re.compile(r"([.!?][\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-ZÄÖÜ0-9])|\s*\n\s*")
# Words that end with a period without ending the sentence ("Dr. Smith", "U.S. Army", "Jan. 5").
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr inc ltd co corp plc no vs etc fig jan feb mar apr jun jul aug sep sept "
    "oct nov dec gen gov sen rep rev lt col capt sgt mt ft u.s u.k e.g i.e z.b bzw ca dipl nr".split()
)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says say new one two three year years per cent
    percent mln dlrs pct told according could may might must shall us it's its also via s t
    der die das und oder ein eine einer eines einem einen ist sind war waren wird werden wurde wurden
    mit von vom zu zum zur im in am an auf aus bei für über unter nach vor durch als auch nicht noch nur
    sich sie er es wir ihr den dem des dass daß wie so um bis seit gegen ohne hat haben hatte kann
    können soll sollen mehr sehr schon jetzt hier dort diese dieser dieses diesen aber alle allem allen
    aller alles andere anderen anderer bereits beim bin bist da dabei damit dann daran darauf darin
    davon dazu denn deren dessen doch du etwa etwas ganz gibt habe hatten ihm ihn ihre ihren ihrer
    immer ja jede jeder jedes jedoch kein keine keinen man mich mir nun ob oft sein seine seinen
    seiner selbst sowie uns unser unsere viel viele vielen wann warum was weil welche welcher wenn wer
    wieder will wo zwar zwischen neue neuen neuer""".split()
)


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, each an exact substring of it (stripped of outer white space)."""
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        piece = text[start : match.end(1) if match.group(1) else match.start()].strip()
        last = piece.rsplit(maxsplit=1)[-1].rstrip("\"'”’)]").rstrip(".").lower() if piece else ""
        abbreviated = last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())
        if piece and abbreviated and "\n" not in match.group():
            continue  # "Dr." or an initial: the sentence goes on
        if piece:
            out.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits; inner hyphens and apostrophes kept)."""
    return [w.lower() for w in _WORD.findall(text)]


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("porter")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Porter stem of a lower-case word (the stemmer ROUGE-1.5.5 uses)."""
    return str(_stemmer().stemWord(word))


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stop words, no pure numbers, at least two characters."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1 and not w.isdigit()]


# What a page says to its reader rather than about the news. Always: legal and cookie text, series
# notes, credits, publication notes. Calls to action (subscribe, sign up, comment, contact, ...)
# only where they address the reader: "customers signed up for the trial" is news.
_PAGE_TEXT = re.compile(
    r"\b(?:"
    + "|".join(
        [
            r"cookies?|privacy (?:policy|statement|notice)|terms (?:of|and) (?:use|service|conditions)",
            r"all rights reserved|copyright|©|advertisement|sponsored content|getty images",
            r"(?:photo|image|picture) (?:credit|courtesy)|stay tuned|click here|read more|newsletter",
            r"(?:is|was) (?:another|the \w+) (?:post|article|part|episode) (?:in|of) (?:our|the|a|this)"
            r" (?:[\w-]+ ){0,3}series",
            r"we look forward to (?:seeing|hearing from|meeting|welcoming) you",
            r"(?:article|story|post) (?:was|has been)"
            r" (?:updated|corrected|first published|originally published)",
            r"questions about this (?:announcement|post|article)",
            r"(?:post|article|story) (?:originally|first) appeared",
            r"on behalf of the (?:[\w-]+ ){0,4}(?:committee|team|organi[sz]ers)",
            r"we (?:encourage|invite|urge) you",
        ]
    )
    + r")\b",
    re.I,
)
_CALL_TO_ACTION = re.compile(
    r"\b(?:check out|subscribe|sign(?:ing)? up|register|log ?in|sign in|download|follow|share|contact|e-?mail"
    r"|call|visit|comment|post|join|apply|learn more|find out)\b",
    re.I,
)
_READER = re.compile(r"\b(?:you|your|yours|our|us)\b|^(?:please|click|tap|don't miss)\b", re.I)
# A sentence that cannot stand without the one before it: it opens with a pronoun or a connective,
# or leans on something said earlier ("also", "however", "the company").
_NEEDS_ANTECEDENT = re.compile(
    r"^[\"'“‘(\[]*(?:it|its|it's|this|that|these|those|they|their|theirs|them|he|she|his|her|hers|him"
    r"|also|however|but|and|or|so|yet|still|meanwhile|moreover|furthermore|additionally|in addition"
    r"|instead|otherwise|nevertheless|nonetheless|therefore|thus|hence|then|such|both|another|the latter"
    r"|the former|the two|the other|others|as a result|at the same time|in turn|in contrast|by contrast"
    r"|on the other hand|similarly|likewise|again)\b"
    r"|\b(?:also|however|too)\b|^(?:\S+\s+){0,4}the (?:company|firm|group|move|deal|plan|project|plant)\b",
    re.I,
)
_PAIRS = (("“", "”"), ("‘", "’"), ("(", ")"), ("[", "]"))


# A byline: "By Oliver Chang, Abhishek Arya (Security Engineers)", "Posted by Jane Doe".
_BYLINE = re.compile(
    r"^(?:(?:[Pp]osted|[Ww]ritten|[Rr]eported|[Ee]dited)\s+)?[Bb]y\s+"
    r"(?:[A-Z][\w.'’-]*\s+){1,3}[A-Z][\w.'’-]*\s*(?:[,(]|and\b|$)"
)


def is_boilerplate(sentence: str) -> bool:
    """Whether a sentence speaks to the page's reader (subscribe, comment, cookies, ...) or credits
    its writers (a byline), not news."""
    if _PAGE_TEXT.search(sentence) or _BYLINE.match(sentence):
        return True
    return bool(_CALL_TO_ACTION.search(sentence)) and bool(_READER.search(sentence))


def needs_antecedent(sentence: str) -> bool:
    """Whether a sentence depends on what came before it (a pronoun, "also", "the company", ...)."""
    return _NEEDS_ANTECEDENT.search(sentence) is not None


def balanced(sentence: str) -> bool:
    """Whether its quotes and brackets are closed within it (no quotation cut in half)."""
    if sentence.count('"') % 2:
        return False
    # A right single quote is also an apostrophe ("it\u2019s"): it closes only what a left one opened.
    for opening, closing in _PAIRS:
        depth = 0
        for ch in sentence:
            if ch == opening:
                depth += 1
            elif ch == closing and (depth > 0 or closing != "’"):
                depth -= 1
                if depth < 0:
                    return False
        if depth:
            return False
    return True
