"""Plain-text helpers shared by the analysis: sentences, words, stems, stop words.

Sentences are returned as exact substrings of the input, so a summary built from them is
traceable verbatim to its source.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)

# A sentence ends at . ! ? and the closing quotes/brackets after it (group 1, kept with the sentence)
# before white space and an upper-case letter, digit or opening quote (also the wire's ``); or at a
# line break (extracted text has one paragraph, heading or list item per line).
_BOUNDARY = re.compile(r"([.!?][\"'”’)\]]*)\s+(?=(?:``\s?|[\"'“‘(\[„‚])?[A-ZÄÖÜ0-9])|\s*\n\s*")
# Words that end with a period without ending the sentence ("Dr. Smith", "U.S. Army", "Jan. 5").
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr inc ltd co corp plc no vs etc fig jan feb mar apr jun jul aug sep sept "
    "oct nov dec gen gov sen rep rev lt col capt sgt mt ft u.s u.k e.g i.e z.b bzw ca dipl nr".split()
)
# German ones: "z. B." and "u. a." are initials already (one letter before the period).
_GERMAN_ABBREVIATIONS = _ABBREVIATIONS | frozenset(
    "abs abt bspw bzgl d.h dgl dipl.-ing evtl gegr ggf hrsg inkl insb jh jhd max min mind mio mrd o.ä "
    "rd s.o sog str tel tsd u.a u.ä u.u usw v.a vgl z.t zzgl zit okt dez mär mrz ing geb vs".split()
)
# Letters with periods ("J.J.", "U.N.", "D.C."): initials or an acronym, mostly inside a sentence. A
# time of day ends a sentence unless a day follows ("at 9:40 p.m. Friday", AP's style).
_DOTTED = re.compile(r"(?:[a-z]\.)+[a-z]")
# ... unless what follows opens sentences ("in Washington, D.C. The leaders agreed").
_NOT_A_SENTENCE_START = re.compile(
    r"(?!(?:The|A|An|He|She|It|They|We|I|In|On|At|But|And|This|That|These|Those|His|Her|Its|Their"
    r"|There|After|Before|When|While|Police|Officials|Authorities)\b)"
)
_AFTER_TIME = re.compile(
    r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June"
    r"|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
    r"|ET|EST|EDT|CT|CST|CDT|MT|MST|MDT|PT|PST|PDT|GMT|UTC|local time)\b"
)
# "am 3. Oktober", "der 2. Platz": in German a number with a period before these is an ordinal.
_GERMAN_ORDINAL_NEXT = re.compile(
    r"(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
    r"|Jan|Feb|Mär|Apr|Jun|Jul|Aug|Sep|Sept|Okt|Nov|Dez|Platz|Quartal|Halbjahr|Jahrhundert|Stock"
    r"|Generation|Auflage|Klasse|Liga|Runde|Tag|Woche|Mal|Ausgabe|Bauabschnitt|Lauf)\b"
)
# A wire dateline before a report's first words: "NEWARK, N.J. (AP) — ", "LONDON (Reuters) - ",
# "Berlin (dpa) - ", "NEW YORK, Nov. 30, 2026 /PRNewswire/ -- ", "WASHINGTON _ ", "KYIV, Ukraine — ".
# "Kalvstad, 14. Oktober 2026 - ", "CHICAGO — ". A place in capitals needs an agency, a date, a region,
# a wire dash ("--", "_") or five letters or more before a dash; one in title case an agency or a
# date, so that "NASA — The agency" and "Acme (Berlin) said" stay whole. Only at a line's start.
_PLACE = r"[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"
_CAPITALS = r"[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+){0,3}"
_REGION = r",\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,2}"
_DATE = r",\s+(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\.?\s+[A-Z][a-zä]{2,8})(?:,?\s+\d{4})?"
_AGENCY = r"\s*(?:\([A-Za-z][\w .&/-]{0,28}\)|/[A-Za-z][\w .&-]{0,28}/)"
# After a place in title case only a wire or a station in capitals: "Jane Doe (Acme) - We ..." is a quote.
_WIRE = r"(?:AP|AFP|Reuters|dpa(?:-AFX)?|ots|epd|KNA|APA|SDA|Bloomberg|UPI|IANS|PTI|ANI|Xinhua|PRNewswire)"
_STATION = rf"\s*(?:\((?:{_WIRE}|[A-Z0-9][A-Z0-9 &/.-]{{1,27}})\)|/(?:{_WIRE}|[A-Z0-9][A-Z0-9 &.-]{{1,27}})/)"
_DATELINE = re.compile(
    rf"\s*(?:{_PLACE}(?:{_REGION})?(?:{_DATE})?{_STATION}\s*(?:--|[-—–_])"
    rf"|{_CAPITALS}(?:{_REGION})?(?:{_DATE})?{_AGENCY}\s*(?:--|[-—–_])"
    rf"|{_PLACE}(?:{_REGION})?{_DATE}\s*(?:--|[-—–_])"
    rf"|{_CAPITALS}{_REGION}(?:{_DATE})?\s*(?:--|[-—–_])"
    rf"|{_CAPITALS}(?:{_DATE})?\s*(?:--|_)"
    rf"|(?:[A-Z][A-Z'’-]{{4,}}|[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+){{1,3}})(?:\s*[—–]|\s+-))"  # "CHICAGO — "
    r"\s+(?=[\"'“‘„(\[]?[A-ZÄÖÜ0-9])"  # and the report's first word
)

ENGLISH_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says say new one two three year years per cent
    percent mln dlrs pct told according could may might must shall us it's its also via s t""".split()
)
# The Snowball project's German stop words (BSD), with "dass" in today's spelling, and the words news
# repeats without meaning as the English list has them ("said", "per cent", "mln").
GERMAN_STOPWORDS = frozenset(
    """aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes
    anderm andern anderr anders auch auf aus bei bin bis bist da damit dann der den des dem die das
    daß dass du er es ein eine einem einen einer eines euer eure eurem euren eurer eures für gegen
    gewesen hab habe haben hat hatte hatten hier hin hinter ich mich mir ihr ihre ihrem ihren ihrer
    ihres euch im in indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann
    kein keine keinem keinen keiner keines können könnte machen man manche manchem manchen mancher
    manches mein meine meinem meinen meiner meines mit muss musste nach nicht nichts noch nun nur ob
    oder ohne sehr sein seine seinem seinen seiner seines selbst sich sie ihnen sind so solche solchem
    solchen solcher solches soll sollte sondern sonst über um und uns unsere unserem unseren unser
    unseres unter viel vom von vor während war waren warst was weg weil weiter welche welchem welchen
    welcher welches wenn werde werden wie wieder will wir wird wirst wo wollen wollte würde würden zu
    zum zur zwar zwischen
    beim bereits dabei daran darauf darin davon dazu denn deren dessen diese diesem diesen dieser dieses
    doch dort durch eins etwa etwas ganz gibt ihm ihn immer ja mehr neu neue neuen neuer neues oft rund
    schon seit sowie soll sollen wann warum wer wurde wurden zwei drei jahr jahre jahren jahres prozent
    mio mrd millionen milliarden euro sagte sagt sagen laut heißt hieß zudem""".split()
)
_STOPWORDS = {"en": ENGLISH_STOPWORDS, "de": GERMAN_STOPWORDS | ENGLISH_STOPWORDS}
# Where the language is unknown: both lists (German news quotes English, and the reverse is rare).
STOPWORDS = ENGLISH_STOPWORDS | GERMAN_STOPWORDS
_STEMMERS = {"en": "porter", "de": "german"}


def base_language(language: str | None) -> str | None:
    """ "de" of "de-AT" or "DE"; None for a language without its own rules here (or none given)."""
    if not language:
        return None
    code = language.split("-")[0].split("_")[0].lower()
    return code if code in _STEMMERS else None


def stopwords(language: str | None = None) -> frozenset[str]:
    """The stop words of ``language``; of English and German together when it is unknown."""
    return _STOPWORDS.get(base_language(language) or "", STOPWORDS)


def _stops_mid_sentence(line: str) -> bool:
    """Whether a (stripped) line does not end in . ! or ? (and closing quotes or brackets after it)."""
    return line.rstrip("\"'”’»)]").rstrip()[-1:] not in (".", "!", "?")


_LIST_ITEM = re.compile(r"\s*(?:[-*•–]|\d{1,3}[.)])\s")


def soft_breaks(text: str) -> frozenset[int]:
    """The line breaks of ``text`` that only wrap a sentence at a fixed width, as wire archives and
    e-mail do ("... to seek the release\nof a U.S. Navy pilot ..."), by position; none in text whose
    lines are paragraphs (what extraction gives), list items or headlines.

    A break may be soft where its line stops mid-sentence and the next goes on without an indent or
    a list mark (a new paragraph is indented or follows a blank line). It is soft when the next
    line's first word would not have fitted on the line (how wrapping breaks) or goes on in lower
    case, in a text whose lines (nine in ten) fill a width of 40 to 100 characters, and break
    so mostly: 70% of those breaks pass the fitting test and 20% go on in lower case (a wrapped
    sentence goes on with "of the ..."; a list of headlines of one length passes the first test
    only).

    Newswire archives keep their stories so (Reuters-21578, the DUC and TDT collections); split at
    every line, a summary of such stories had a quarter of its words, and ROUGE-2 fell from 15.6 to
    3.8 on ECB+ and Gun Violence Corpus events wrapped at 70 columns (15.6 with this, as unwrapped)."""
    lines = text.split("\n")
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(lengths) < 3:
        return frozenset()
    # The wrapping width, at most: a web address or a heading may stand out past it.
    width = lengths[(len(lengths) - 1) * 9 // 10]
    if not 40 <= width <= 100:
        return frozenset()
    margin = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    candidates: list[tuple[int, bool, bool]] = []  # (break position, next word overflows, lower case)
    at = 0
    for line, after in itertools.pairwise(lines):
        at += len(line)  # the position of the break after ``line``
        kept, word = line.rstrip(), after.strip().split(maxsplit=1)[0] if after.strip() else ""
        if (
            kept.strip()
            and word
            and _stops_mid_sentence(kept.strip())
            and len(after) - len(after.lstrip()) <= margin
            and not _LIST_ITEM.match(after)
        ):
            candidates.append((at, len(kept) + 1 + len(word) > width, not word[0].isupper()))
        at += 1
    wrapped = len(candidates) >= 2 and (
        sum(overflows for _, overflows, _ in candidates) >= 0.7 * len(candidates)
        and sum(lower for _, _, lower in candidates) >= 0.2 * len(candidates)
    )
    return (
        frozenset(at for at, overflows, lower in candidates if overflows or lower) if wrapped else frozenset()
    )


def sentences(text: str, language: str | None = None) -> list[str]:
    """The sentences of ``text``, each an exact substring of it (stripped of outer white space).

    German text (``language`` "de") knows its abbreviations ("Mio.", "vgl.", "u.a.") and ordinal
    numbers ("am 3. Oktober"). A line break ends a sentence unless it only wraps one (``soft_breaks``).
    """
    german = base_language(language) == "de"
    abbreviations = _GERMAN_ABBREVIATIONS if german else _ABBREVIATIONS
    soft = soft_breaks(text)
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        breaks = [i for i in range(match.start(), match.end()) if text[i] == "\n"]
        if breaks and not match.group(1) and all(i in soft for i in breaks):
            continue  # a wrapped line: the sentence goes on
        newline = any(i not in soft for i in breaks)
        piece = text[start : match.end(1) if match.group(1) else match.start()].strip()
        last = piece.rsplit(maxsplit=1)[-1] if piece else ""
        last = last.rstrip("\"'”’)]").rstrip(".").lstrip("\"'“‘„‚([").lower()
        abbreviated = last in abbreviations or (len(last) == 1 and last.isalpha())
        if not abbreviated and _DOTTED.fullmatch(last):  # "J.J. Arrington", "U.N. Security Council"
            after = _AFTER_TIME if last in ("a.m", "p.m") else _NOT_A_SENTENCE_START
            abbreviated = bool(after.match(text, match.end()))
        abbreviated = abbreviated or (german and last.endswith("str"))  # "Industriestr. 12": a street
        ordinal = (
            german
            and last.isdigit()
            and len(last) <= 2
            and bool(_GERMAN_ORDINAL_NEXT.match(text, match.end()))
        )
        if piece and (abbreviated or ordinal) and not newline:
            continue  # "Dr." or an initial: the sentence goes on
        opens = _opens_a_line(text, start)
        dateline = _DATELINE.match(text, start) if opens else None
        if dateline and dateline.end() > match.end() and not newline:
            continue  # "NEWARK, N.J. (AP) — ": the period is part of a dateline
        if piece:
            out.append(_without_dateline(piece) if opens else piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(_without_dateline(tail) if _opens_a_line(text, start) else tail)
    return [s for s in out if s]


def _opens_a_line(text: str, at: int) -> bool:
    """Whether only spaces stand between the start of ``text``'s line and ``at``: where a dateline can be."""
    before = at - 1
    while before >= 0 and text[before] in " \t":
        before -= 1
    return before < 0 or text[before] in "\r\n"


def _without_dateline(sentence: str) -> str:
    """``sentence`` from its first word after a wire dateline, if it opens with one (or two: some
    sites print theirs before the agency's)."""
    while dateline := _DATELINE.match(sentence):
        sentence = sentence[dateline.end() :]
    return sentence


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits; inner hyphens and apostrophes kept)."""
    return [w.lower() for w in _WORD.findall(text)]


@lru_cache(maxsize=4)
def _stemmer(algorithm: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(algorithm)


@lru_cache(maxsize=65536)
def stem(word: str, language: str | None = None) -> str:
    """The stem of a lower-case word: Snowball's German stemmer for German, else Porter's (the
    stemmer ROUGE-1.5.5 uses)."""
    return str(_stemmer(_STEMMERS.get(base_language(language) or "", "porter")).stemWord(word))


def content_words(text: str, language: str | None = None) -> list[str]:
    """Words that carry meaning: no stop words (of ``language``), no pure numbers, at least two
    characters."""
    stop = stopwords(language)
    return [w for w in words(text) if w not in stop and len(w) > 1 and not w.isdigit()]


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
            # membership and paywall notes: "Previously available only to Medium members, we are now
            # pleased to offer this article for free to everyone."
            r"available (?:only )?(?:to|for) (?:[\w-]+ ){0,2}(?:members|subscribers)",
            r"offer(?:ing)? this (?:article|story|post|piece) (?:for free|free of charge)",
            r"(?:become|becoming) a (?:paying )?(?:member|subscriber)\b(?! of)",
            r"we (?:encourage|invite|urge) you",
            # local news: "Stay with Channel 4 for more information.", "This is a developing story."
            r"stay with [\w' .-]{1,40} for (?:more (?:information|details|updates|news|coverage)|updates"
            r"|the latest|continuing coverage)",
            r"this (?:is a developing story|story is developing|(?:story|article|report) will be updated)",
            r"check back (?:(?:later|soon) )?for (?:updates|more|the latest)|^check back later",
            r"(?:at|in|on|via|see|watch|click|use) (?:the|this) (?:link|links|video|player|gallery|form"
            r"|button|slideshow) (?:below|above)",
            r"(?:more|further) (?:details|information|updates) (?:as|when) (?:they|it) (?:become|becomes)"
            r" available",
            # an event's own notices: "Registration is currently OPEN ...", "July 1 - Registration
            # closes ..." (not "Drug registration is now open to foreign makers")
            r"^(?:[\w ,]{0,24} [-–] )?registration (?:is (?:now |currently )?open|(?:now )?closes)",
            # the police's appeal at the end of a local report
            r"anyone (?:with|who has) (?:any )?information\b.{0,80}\b(?:call|contact)",
            r"(?:is|are) (?:asked|urged|encouraged) to (?:call|contact)"
            r" (?:police|crime ?stoppers|detectives)",
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
    r"^[\"'`“‘(\[]*(?:it|its|it's|this|that|these|those|they|their|theirs|them|he|she|his|her|hers|him"
    r"|also|however|but|and|or|so|yet|still|meanwhile|moreover|furthermore|additionally|in addition"
    r"|instead|otherwise|nevertheless|nonetheless|therefore|thus|hence|then|such|both|another|the latter"
    r"|the former|the two|the other|others|as a result|at the same time|in turn|in contrast|by contrast"
    r"|on the other hand|similarly|likewise|again)\b"
    r"|\b(?:also|however|too)\b|^(?:\S+\s+){0,4}the (?:company|firm|group|move|deal|plan|project|plant)\b",
    re.I,
)
# A bare definite subject: "The system fits ...", "The sock streams ...", "The new line can ...",
# "The first order, for 3,000 vehicles, comes ...": a thing named before, in the sentence before.
# A capitalised name ("The Port of Hallsund has") or a modifier after the noun ("The market for
# recycled fibre grew") introduces it.
_NOT_A_NOUN = r"(?!(?:of|for|from|in|on|at|to|with|by|and|or|that|which|who)\b)"
# The same behind a fronted phrase of time, place or manner ("In total, the model was trained on
# ...", "For Textura Labs the study is ..."); not behind a name ("Esther Williams, the swimming
# champion turned actress, has died" introduces her).
_FRONTED = (
    r"(?:(?:In|At|On|For|With|After|Before|Since|Within|Once|When|While|Until|Despite|During|Among|Under"
    r"|Over|By|From|According to|Later|Earlier|Overall|So far|Today|Now|Initially|Finally|Eventually"
    r"|Currently|[A-Z][a-z]+ly)\b[^,.;:\"“”]{0,40}, "
    r"|(?:For|At|In|On|With|To|Among|Unlike|Like) [A-Z][\w&'’-]*(?: [A-Z][\w&'’-]*)* )"
)
_DEFINITE_SUBJECT = re.compile(
    rf"^[\"'`“‘(\[]*(?:The|{_FRONTED}the) (?:{_NOT_A_NOUN}[a-z][a-z-]* )?{_NOT_A_NOUN}[a-z][a-z-]*"
    r"(?:,| (?:is|are|was|were|has|have|had|will|would|can|could|may|might|must|should|does|did"
    r"|[a-z]+(?:s|ed))\b)"
)
# The same in German: "Er", "Das Unternehmen", "Außerdem", "Zudem", "Dabei", "auch" early on.
_GERMAN_NEEDS_ANTECEDENT = re.compile(
    r"^[\"'`„‚“‘(\[]*(?:er|sie|es|ihr|ihre|ihren|ihrem|ihrer|sein|seine|seinen|seinem|seiner|dies|diese|dieser"
    r"|dieses|diesen|diesem|dort|damit|dabei|dafür|dazu|davon|daher|deshalb|deswegen|darüber|darauf"
    r"|außerdem|zudem|ebenfalls|auch|aber|doch|jedoch|allerdings|trotzdem|dennoch|also|somit|folglich"
    r"|stattdessen|gleichzeitig|zugleich|ebenso|beide|beiden|andere|anderen|letztere|ersterer|sodass"
    r"|und|oder|denn)\b"
    r"|^(?:\S+\s+){0,4}(?:das|die|der|dem|den) (?:unternehmen|firma|konzern|gruppe|projekt|vorhaben|anlage"
    r"|werk|schritt|plan)\b"
    r"|^(?:\S+\s+){0,3}(?:auch|ebenfalls|zudem|außerdem)\b",
    re.I,
)
_PAIRS = (("“", "”"), ("‘", "’"), ("(", ")"), ("[", "]"))
_INLINE_CODE = re.compile(r"``[^\s`]+``")
_WIRE_CLOSE = re.compile(r"(?<!\d)''")
# German quotations (low opening marks; the closing ones are the English opening ones), innermost first.
_GERMAN_QUOTE = re.compile(r"„[^„“”]*[“”]|‚[^‚‘’]*[‘’]")


# A byline: "By Oliver Chang, Abhishek Arya (Security Engineers)", "Posted by Jane Doe".
_BYLINE = re.compile(
    r"^(?:(?:[Pp]osted|[Ww]ritten|[Rr]eported|[Ee]dited)\s+)?[Bb]y\s+"
    r"(?:[A-Z][\w.'’-]*\s+){1,3}[A-Z][\w.'’-]*\s*(?:[,(]|and\b|$)"
)


# The same in German: legal and page text always, calls to action where they address the reader
# ("Sie", "Ihr": capitalised, the polite "you").
_GERMAN_PAGE_TEXT = re.compile(
    r"\b(?:alle rechte vorbehalten|datenschutz(?:erklärung|hinweise?)?|impressum"
    r"|lesen sie (?:auch|mehr|hier)|mehr zum thema|hier klicken|weiterlesen)\b"
    r"|\b(?:foto|bild|bildquelle|grafik):|^(?:anzeige|werbung)$",
    re.I,
)
_GERMAN_CALL_TO_ACTION = re.compile(
    r"\b(?:abonnier|anmeld|melden sie sich|registrier|herunterlad|folgen sie|teilen sie|kontaktier"
    r"|besuchen sie|kommentier|schreiben sie uns|bewerben sie)",
    re.I,
)
_GERMAN_READER = re.compile(r"\b(?:Sie|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihnen)\b|\b(?:uns|unser\w*)\b")


def is_boilerplate(sentence: str) -> bool:
    """Whether a sentence speaks to the page's reader (subscribe, comment, cookies, ...) or credits
    its writers (a byline), not news; in English or German."""
    if _PAGE_TEXT.search(sentence) or _BYLINE.match(sentence) or _GERMAN_PAGE_TEXT.search(sentence):
        return True
    if _GERMAN_CALL_TO_ACTION.search(sentence) and _GERMAN_READER.search(sentence):
        return True
    return bool(_CALL_TO_ACTION.search(sentence)) and bool(_READER.search(sentence))


# Quotations, whose "we" and "you" are someone else's: in English, German and French marks, and the
# wire's ``...'' (also ''...'').
_QUOTATION = re.compile(r"“[^”]*”|\"[^\"]*\"|„[^“”]*[“”]|‚[^‚‘’]*[‘’]|«[^»]*»|(?:``|'').*?''")
# Reported speech without quotation marks: "We will rebuild, the mayor said."
_ATTRIBUTED = re.compile(
    r"\b(?:said|says|saying|told|added|according to|sagte|sagt|erklärte|erklärt|betonte|betont)\b|, so\b",
    re.I,
)
_ENGLISH_VOICE = frozenset("we our ours us you your yours me my mine".split())
_GERMAN_VOICE = frozenset(
    "wir uns unser unsere unseren unserem unserer unseres ich mich mir mein meine".split()
)
_GERMAN_POLITE = frozenset("Sie Ihr Ihre Ihren Ihrem Ihrer Ihnen".split())  # capitalised mid-sentence


def speaks_as_source(sentence: str, language: str | None = None) -> bool:
    """Whether a sentence speaks in the source's own voice or to its reader ("Today we're announcing
    ...", "You do not need to migrate these ads."), outside quotation marks and reported speech: in a
    paper, a member would read its "we" as the cluster and its "you" as themselves."""
    unquoted = _QUOTATION.sub(" ", sentence)
    if _ATTRIBUTED.search(unquoted):
        return False
    tokens = re.findall(r"[^\W\d_]+", unquoted)
    german = base_language(language) in ("de", None)
    # In lower case, or opening the sentence: not "US", nor "Us" inside a name.
    written = {t for t in tokens if t.islower()} | ({tokens[0].lower()} if tokens else set())
    if (
        base_language(language) != "de"
        and (
            written & _ENGLISH_VOICE
            or any(  # "I think", "I'm"; not "Phase I trial", "World War I" or "I / O"
                t == "I"
                and (k == 0 or not tokens[k - 1][0].isupper())
                and tokens[k + 1 :][:1] != []
                and tokens[k + 1].islower()
                for k, t in enumerate(tokens)
            )
        )
    ):
        return True
    return german and bool(written & _GERMAN_VOICE or set(tokens[1:]) & _GERMAN_POLITE)


def needs_antecedent(sentence: str, language: str | None = None) -> bool:
    """Whether a sentence depends on what came before it (a pronoun, "also", "the company", ...;
    in German "er", "zudem", "das Unternehmen", ...: German patterns where the language is German or
    unknown)."""
    if _NEEDS_ANTECEDENT.search(sentence) is not None or _DEFINITE_SUBJECT.match(sentence) is not None:
        return True
    return base_language(language) in ("de", None) and _GERMAN_NEEDS_ANTECEDENT.search(sentence) is not None


def balanced(sentence: str) -> bool:
    """Whether its quotes and brackets are closed within it (no quotation cut in half)."""
    if sentence.count('"') % 2:
        return False
    # Wire copy and treebank text quote ``so''; an apostrophe pair closes such a quotation, except as
    # an inch mark (6''). ``word`` without a space is inline code (release notes), no quotation.
    sentence = _WIRE_CLOSE.sub("”", _INLINE_CODE.sub("", sentence)).replace("``", "“")
    while (closed := _GERMAN_QUOTE.sub("", sentence)) != sentence:
        sentence = closed
    if "„" in sentence or "‚" in sentence:
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
