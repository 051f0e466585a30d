"""Short names for trends, made from the words their documents share in the current window.

A headline names one event; a trend is a theme of several, so its name is a phrase that several of
its documents use: a run of content words from their titles and leads ("smart textiles",
"fibre-to-fibre recycling"), in the spelling the texts use most. Phrases are ranked as KeyBERT does:
the likeness of the phrase's embedding to the trend's centroid, less its likeness to the industry's
other trends (a name sets its trend apart), plus how many of the trend's documents use it. When the
best phrase is short, a second one chosen by maximal marginal relevance joins it ("Textile recycling
and extended producer responsibility").

German texts have their own stop words, stems and event words; since German capitalises every noun,
capitals say nothing there about names, and a German trend's two phrases are joined by "und".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from summarize.text import base_language, is_boilerplate, sentences, stem, stopwords

# Words, each punctuation mark, and line breaks (a heading or kicker ends there).
_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|[^\w\s]|\n", re.UNICODE)
# Words that report an event or count something rather than name a theme; a phrase never runs
# across them ("Weftronic weaves heat-stress sensors" gives "heat-stress sensors", not "weaves
# heat-stress"), and no keyword is one ("tonnes" of a 5,000-tonne plant, "employees" of a start-up).
_ENGLISH_EVENT_WORDS = frozenset(
    """announce announces announced launch launches launched open opens opened unveil unveils unveiled
    plan plans planned raise raises raised win wins won add adds added get gets got make makes made
    take takes took begin begins began start starts started target targets targeted report reports
    reported show shows showed expect expects expected sign signs signed receive receives received
    measure measures measured complete completes completed introduce introduces introduced present
    presents presented acquire
    acquires acquired buy buys bought sell sells sold join joins joined partner partners deploy deploys
    deployed invest invests invested expand expands expanded secure secures secured release releases
    released develop develops developed reach reaches reached cut cuts become becomes became bring
    brings brought go goes went come comes came use uses used want wants include includes including
    heads headed weave weaves wove woven call calls called help helps helped move moves moved see sees
    saw seen
    first last latest next today yesterday week weeks month months day days million billion euro
    euros eur usd dollars monday tuesday wednesday thursday friday saturday sunday january february
    march april june july august september october november december
    tonne tonnes ton tons kilogram kilograms litre litres liter liters kilometre kilometres kilometer
    kilometers percent employees staff""".split()
)
_GERMAN_EVENT_WORDS = frozenset(
    """eröffnet eröffnen eröffnete startet starten startete plant planen plante kündigt kündigen kündigte
    stellt stellen stellte präsentiert präsentieren präsentierte übernimmt übernehmen übernahm kauft kaufen
    kaufte verkauft verkaufen verkaufte gewinnt gewinnen gewann erhält erhalten erhielt sichert sichern
    sicherte investiert investieren investierte baut bauen baute bringt bringen brachte setzt setzen setzte
    meldet melden meldete zeigt zeigen zeigte nimmt nehmen nahm geht gehen ging kommt kommen kam nutzt
    nutzen nutzte will wollen wollte soll sollen sollte beginnt beginnen begann erreicht erreichen
    erreichte schließt schließen schloss testet testen testete führt führen führte liefert liefern
    lieferte entwickelt entwickeln entwickelte eingeführt gestartet eröffnet vorgestellt angekündigt
    erste ersten erster letzte letzten nächste nächsten heute gestern morgen woche wochen monat monate
    monaten tag tage tagen millionen milliarden euro prozent montag dienstag mittwoch donnerstag freitag
    samstag sonntag januar februar märz april mai juni juli august september oktober november
    dezember tonne tonnen kilogramm liter kilometer mitarbeiter mitarbeitern mitarbeitende
    beschäftigte""".split()
)
_ANY_EVENT_WORDS = _ENGLISH_EVENT_WORDS | _GERMAN_EVENT_WORDS  # a text of unknown language


def event_words(language: str | None) -> frozenset[str]:
    """The event and counting words of ``language``: German "plant" (plans) is an English noun."""
    return {"en": _ENGLISH_EVENT_WORDS, "de": _GERMAN_EVENT_WORDS}.get(
        base_language(language) or "", _ANY_EVENT_WORDS
    )


_JOINER = {"de": "und"}  # joins a short name's two phrases; "and" elsewhere


_CONNECTORS = frozenset({"of", "the"})
# A contraction is part of a clause, not of a theme's name ("temperatures don't mean").
_CONTRACTION = re.compile(r"(?:n['’]t|['’](?:re|ve|ll|d|m))$", re.I)
# Two words a page ran together ("announcedOSS-Fuzz"); "iPhone" and "JavaScript" are spelt so.
_RUN_TOGETHER = re.compile(r"[a-z]{3,}[A-Z]")


@dataclass(frozen=True)
class NameSettings:
    lead_chars: int = 400  # of each document's text that is read after its title
    max_words: int = 4  # in one phrase
    candidates: int = 20  # per trend, the best by lexical score, that the model ranks
    # Weights of the ranking: likeness to the closest other trend counts against a phrase (half as
    # much as likeness to its own trend), and the share of the trend's documents using it for it.
    distinct: float = 0.5
    coverage: float = 0.3
    # A theme is rarely one word ("recycling"): each further word, up to three, adds this much.
    length: float = 0.05
    # A second phrase joins a name of at most ``short`` words when it ranks at least ``second`` of the
    # first's score; picked by MMR (``diversity`` weighs unlikeness to the first phrase).
    short: int = 3
    second: float = 0.8
    diversity: float = 0.3
    max_name_words: int = 8
    # A phrase ends on a word that ends a run of content words in at least this share of its uses in
    # the industry's texts: a head ("sensors"), not a word that only ever qualifies another
    # ("clinical study", "electric trucks"), which would leave a name hanging ("Sensors and
    # clinical"). On the demo such modifiers end 0 of their runs, heads 20-100% ("recycling" 3 of 14).
    head: float = 0.1


@dataclass(frozen=True)
class NamingInput:
    """What one trend is named from."""

    trend_id: str
    texts: tuple[str, ...]  # title and text of each of its documents in the current window
    centroid: np.ndarray  # unit mean embedding of those documents
    fallback: str  # the name when no phrase qualifies (its keywords)
    languages: tuple[str | None, ...] = ()  # of each text (empty or None: unknown)

    def language(self) -> str | None:
        """The language most of its texts are in (None: unknown)."""
        known = [base_language(x) for x in self.languages]
        return max(set(known), key=lambda x: (known.count(x), x or "")) if known else None


@dataclass(frozen=True)
class Phrase:
    key: tuple[str, ...]  # stems, so "smart textiles" and "Smart Textile" are one phrase
    text: str  # in the spelling its documents use most
    documents: int  # of the trend's that use it
    score: float  # lexical: coverage times rarity in the industry
    named: bool = False  # holds a name ("Ravensholt University hospital"): no second half of a name


def _runs(text: str, language: str | None = None) -> Iterator[list[str]]:
    """Runs of content words: stop words, event words, numbers and punctuation end a run, and so does
    a name after a common word ("technical textiles | Hollin Textil"; not in German, where every noun
    is capitalised). "of" and "of the" join words."""
    stop, events = stopwords(language), event_words(language)
    german = base_language(language) == "de"
    run: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        possessive = token.lower().endswith(("'s", "’s"))
        word = token[:-2] if possessive else token
        lower = word.lower()
        if run and (lower == "of" or (lower == "the" and run[-1] == "of")):
            run.append(lower)  # "State of the Union", "Internet of Things": inside a phrase only
            continue
        if (
            not word[0].isalnum()
            or lower in stop
            or lower in events
            or len(word) < 2
            or word.isdigit()
            or _RUN_TOGETHER.match(word)
            or _CONTRACTION.search(word)
        ):
            if run:
                yield run
            run = []
            continue
        if not german and run and run[-1][0].islower() and run[-1] not in _CONNECTORS and _is_name(word):
            yield run
            run = []
        run.append(word)
        if possessive:  # "Nordweave's recycling line": the owner and what it owns are two phrases
            yield run
            run = []
    if run:
        yield run


def _names_only(phrase: str, german: bool) -> bool:
    words = phrase.split()
    return all(_is_name(w) for w in words) and (len(words) > 1 or not german)


def _is_name(word: str) -> bool:
    """Capitalized but not an acronym: "Hollin", not "AI" or "EPR"."""
    return word[0].isupper() and not word.isupper()


Runs = list[list[str]]  # a text's runs of content words (``_runs``)


def _document_phrases(runs: Runs, max_words: int, language: str | None = None) -> dict[tuple[str, ...], str]:
    """Each phrase (key → spelling) that a text's ``runs`` use, once: up to ``max_words`` words besides
    "of the", which neither starts nor ends one."""
    found: dict[tuple[str, ...], str] = {}
    for run in runs:
        for start in range(len(run)):
            if run[start] in _CONNECTORS:
                continue
            for end in range(start + 1, min(start + max_words + 2, len(run)) + 1):
                words = run[start:end]
                if words[-1] in _CONNECTORS or sum(w not in _CONNECTORS for w in words) > max_words:
                    continue
                found.setdefault(tuple(stem(w.lower(), language) for w in words), " ".join(words))
    return found


def _spelling(forms: Counter[str], lower_words: set[str]) -> str:
    """The most used spelling, each word in lower case where the texts also write it so: a headline's
    Title Case ("Smart Textiles") is not how the words are spelt."""
    best = max(forms, key=lambda f: (forms[f], f))
    return " ".join(w.lower() if w.lower() in lower_words else w for w in best.split())


def text_of(title: str, text: str, lead_chars: int, language: str | None = None) -> str:
    """What a document is named from: its title and the lead of its text, without its boilerplate
    (a byline's "Security Engineers" is no theme)."""
    lead = [s for s in sentences(text[:lead_chars], language) if not is_boilerplate(s)]
    return "\n".join([f"{title}.", *lead])


def candidates(
    trends: Sequence[Sequence[str]],
    background: Sequence[str],
    settings: NameSettings,
    languages: Sequence[Sequence[str | None]] = (),
    background_languages: Sequence[str | None] = (),
) -> list[list[Phrase]]:
    """For each trend (its texts), the phrases worth ranking, best lexical score first.

    A phrase must come from two of the trend's texts (from its only one, if it has one); its score is
    the share of the trend's texts that use it times log(1 + N / n), N counting every text of the
    industry (``background`` are those in no trend) and n those that use the phrase. ``languages``
    (per trend, per text) and ``background_languages`` give the texts' languages (None: unknown).
    """

    def runs_of(texts: Sequence[str], langs: Sequence[str | None]) -> list[tuple[Runs, str | None]]:
        langs = list(langs) + [None] * (len(texts) - len(langs))
        return [(list(_runs(t, lang)), lang) for t, lang in zip(texts, langs, strict=True)]

    runs = [runs_of(texts, languages[k] if k < len(languages) else ()) for k, texts in enumerate(trends)]
    runs.append(runs_of(background, background_languages))
    per_text = [[_document_phrases(r, settings.max_words, lang) for r, lang in group] for group in runs]
    heads = _heads([r for group in runs for r, _ in group])
    everywhere: Counter[tuple[str, ...]] = Counter(k for group in per_text for found in group for k in found)
    total = sum(len(group) for group in per_text)
    lower_words = {
        w for texts in (*trends, background) for t in texts for w in _TOKEN.findall(t) if w[0].islower()
    }
    out = []
    for index, group in enumerate(per_text[:-1]):
        langs = [base_language(x) for x in (languages[index] if index < len(languages) else ())]
        german = langs.count("de") * 2 > len(group)  # capitals tell no names in mostly German texts
        counts: Counter[tuple[str, ...]] = Counter(k for found in group for k in found)
        spellings: dict[tuple[str, ...], Counter[str]] = {}
        for found in group:
            for key, text in found.items():
                spellings.setdefault(key, Counter())[text] += 1
        needed = min(2, len(group))
        spelt = {key: _spelling(spellings[key], lower_words) for key, n in counts.items() if n >= needed}
        chosen = [
            Phrase(
                key,
                text,
                counts[key],
                counts[key] / len(group) * math.log(1 + total / everywhere[key]),
                not german and any(_is_name(w) for w in text.split()),
            )
            for key, text in spelt.items()
        ]
        chosen = _closed(chosen)
        chosen = [p for p in chosen if _ends_on_a_head(p.text, heads, german, settings)] or chosen
        # A theme is not a company or a place: phrases of names only go when there are others. In German,
        # where every noun is capitalised, only capitalised words in a row count as a name ("Hollin
        # Textil"), not one noun ("Recycling").
        chosen = [p for p in chosen if not _names_only(p.text, german)] or chosen
        chosen.sort(key=lambda p: (-p.score, -len(p.key), p.text))
        out.append(chosen[: settings.candidates])
    return out


def _heads(texts: Sequence[Runs]) -> dict[str, float]:
    """For each word (lower case) of the texts' runs: the share of its uses that end a run."""
    ends: Counter[str] = Counter()
    uses: Counter[str] = Counter()
    for runs in texts:
        for run in runs:
            words = [w.lower() for w in run if w not in _CONNECTORS]
            uses.update(words)
            ends.update(words[-1:])
    return {w: ends[w] / n for w, n in uses.items()}


def _ends_on_a_head(phrase: str, heads: dict[str, float], german: bool, settings: NameSettings) -> bool:
    """Whether a phrase ends on a word that can end one: it ends runs in the texts ("sensors", not
    "clinical" of "clinical study"); in English, a participle must end most of its runs ("knitted"
    of "knitted sock" is no head; a name "Technical textiles and knitted" hangs)."""
    word = phrase.split()[-1].lower()
    share = heads.get(word, 1.0)
    if not german and len(word) > 5 and word.endswith("ed"):
        return share >= 0.5
    return share >= settings.head


def _closed(phrases: Sequence[Phrase]) -> list[Phrase]:
    """Without the phrases that only ever occur inside a longer one ("electric" of "electric trucks",
    when every document that says one says the other)."""
    longer: dict[int, set[tuple[str, ...]]] = {}
    for p in phrases:
        for size in range(1, len(p.key)):
            for start in range(len(p.key) - size + 1):
                longer.setdefault(p.documents, set()).add(p.key[start : start + size])
    return [p for p in phrases if p.key not in longer.get(p.documents, set())]


def _shares_a_word(a: Phrase, b: Phrase) -> bool:
    return bool((set(a.key) & set(b.key)) - _CONNECTORS)


def choose_names(
    inputs: Sequence[NamingInput],
    phrases: Sequence[Sequence[Phrase]],
    vectors: dict[str, np.ndarray],
    background: np.ndarray | None,
    titles: set[str],
    settings: NameSettings,
) -> list[str]:
    """One name per trend from its candidate ``phrases`` and their unit embeddings (``vectors``).

    ``background`` is the centroid of the industry's documents in no trend (None: there are none);
    a name never equals one of ``titles`` (lower case) or the name of a trend named before it.
    """
    centroids = np.stack([i.centroid for i in inputs]) if inputs else np.zeros((0, 0))
    if background is not None:
        centroids = np.vstack([centroids, background[None, :]])
    taken: set[str] = set()
    names = []
    for k, (item, found) in enumerate(zip(inputs, phrases, strict=True)):
        scored = ranked(item, found, vectors, np.delete(centroids, k, axis=0), settings)
        name = ""
        for rank, first in scored:
            name = _with_second(
                first, rank, scored, vectors, settings, _JOINER.get(item.language() or "", "and")
            )
            if name.lower() not in titles and name.lower() not in taken:
                break
            name = ""
        name = name or item.fallback
        taken.add(name.lower())
        names.append(name)
    return names


def ranked(
    item: NamingInput,
    phrases: Sequence[Phrase],
    vectors: dict[str, np.ndarray],
    others: np.ndarray,
    settings: NameSettings,
) -> list[tuple[float, Phrase]]:
    """A trend's phrases with their rank, best first: likeness to the trend, less likeness to the
    closest of ``others`` (the other trends' centroids), plus coverage and length."""
    scored = []
    for p in phrases:
        v = vectors[p.text]
        closest = float((others @ v).max()) if len(others) else 0.0
        rank = (
            float(v @ item.centroid)
            - settings.distinct * closest
            + settings.coverage * p.documents / len(item.texts)
            + settings.length * (min(len(p.key), 3) - 1)
        )
        scored.append((rank, p))
    return sorted(scored, key=lambda s: (-s[0], s[1].text))


def _with_second(
    first: Phrase,
    rank: float,
    scored: Sequence[tuple[float, Phrase]],
    vectors: dict[str, np.ndarray],
    settings: NameSettings,
    joiner: str = "and",
) -> str:
    """``first`` as a name, joined by the best second phrase (MMR) when it is short."""
    words = len(first.text.split())
    if words <= settings.short and rank > 0:
        mmr = 1 - settings.diversity
        options = [
            (mmr * r - settings.diversity * float(vectors[p.text] @ vectors[first.text]), p)
            for r, p in scored
            if p is not first
            and not _shares_a_word(p, first)
            and not p.named
            and r >= settings.second * rank
            and words + len(p.text.split()) <= settings.max_name_words
        ]
        if options:
            second = max(options, key=lambda o: (o[0], o[1].text))[1]
            return _capitalized(f"{first.text} {joiner} {second.text}")
    return _capitalized(first.text)


def _capitalized(name: str) -> str:
    return name[:1].upper() + name[1:]


def name_trends(
    inputs: Sequence[NamingInput],
    background: Sequence[tuple[str, np.ndarray]],
    titles: set[str],
    embed: Callable[[Sequence[str]], np.ndarray],
    settings: NameSettings | None = None,
    background_languages: Sequence[str | None] = (),
) -> list[str]:
    """Names for an industry's trends; ``background`` holds the (text, vector) of its other documents
    (and ``background_languages`` their languages).

    ``embed`` gives unit vectors of phrases; it is called once, for every candidate of every trend.
    """
    settings = settings or NameSettings()
    phrases = candidates(
        [i.texts for i in inputs],
        [t for t, _ in background],
        settings,
        [i.languages for i in inputs],
        background_languages,
    )
    unique = sorted({p.text for found in phrases for p in found})
    vectors = dict(zip(unique, embed(unique), strict=True)) if unique else {}
    centre = None
    if background:
        summed = np.sum([v for _, v in background], axis=0)
        centre = summed / (np.linalg.norm(summed) or 1.0)
    return choose_names(inputs, phrases, vectors, centre, titles, settings)
