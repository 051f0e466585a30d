"""Documents → relevance scores per target industry, with the reasons an editor can read.

A score adds up evidence: the cosine between the document and the industry's profile (its name,
description and keywords, embedded), the configured keywords found in the text, the source's
industry hints, and for patents a class code under one of the industry's class prefixes. A document
is assigned to every industry whose score reaches the threshold; off-topic documents keep their
scores but serve no industry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ingest.patents import classes_match
from summarize.records import Industry
from summarize.wording import ENGLISH, Wording


@dataclass(frozen=True)
class AssignSettings:
    # Measured on the demo and patent fixtures with all-MiniLM-L6-v2: on-topic news scores 0.35-0.6
    # against its industry's profile, off-topic news 0.0-0.25.
    threshold: float = 0.35
    keyword_bonus: float = 0.05  # per configured keyword found, up to three
    source_bonus: float = 0.1  # the source lists the industry among its hints
    class_bonus: float = 0.4  # a patent class under one of the industry's prefixes assigns it by itself


@dataclass(frozen=True)
class AssignInput:
    id: int
    title: str
    text: str
    vector: np.ndarray  # the document's unit embedding
    source_industries: tuple[str, ...] = ()
    patent_classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    item_id: int
    industry: str
    score: float
    assigned: bool
    similarity: float
    keywords: tuple[str, ...]
    source_hint: bool
    classes: tuple[str, ...]

    @property
    def reasons(self) -> str:
        """What the score is made of, as stored: JSON that ``reasons_text`` puts in words."""
        why = {
            "similarity": round(self.similarity, 2) + 0.0,  # + 0.0: no "-0.00"
            "keywords": list(self.keywords),
            "source": self.source_hint,
            "classes": list(self.classes),
        }
        return json.dumps(why, ensure_ascii=False)


def reasons_text(stored: str, wording: Wording = ENGLISH) -> str:
    """The reasons a score was stored with (``Assignment.reasons``), in the language of ``wording``:
    "similarity 0.30 to the industry profile; keywords: MDR; the source serves this industry".
    Reasons that an earlier version stored in English words are returned as they are."""
    try:
        why = json.loads(stored)
    except ValueError:
        return stored
    if not isinstance(why, dict):
        return stored
    tr = wording
    parts = [
        tr.gettext("similarity %(value)s to the industry profile") % {"value": tr.decimal(why["similarity"])}
    ]
    if why.get("keywords"):
        parts.append(tr.gettext("keywords: %(keywords)s") % {"keywords": ", ".join(why["keywords"])})
    if why.get("source"):
        parts.append(tr.gettext("the source serves this industry"))
    if why.get("classes"):
        parts.append(tr.gettext("patent classes: %(classes)s") % {"classes": ", ".join(why["classes"])})
    return "; ".join(parts)


def profile_text(industry: Industry) -> str:
    """What an industry is embedded as."""
    parts = [industry.name]
    if industry.description:
        parts.append(industry.description)
    if industry.keywords:
        parts.append(", ".join(industry.keywords))
    return ". ".join(parts)


# Endings a keyword may carry and still be the same word: plurals and possessives always; past
# tenses and German endings only on words of four letters or more, where they cannot turn one word
# into another ("car" is not "care", "card" or "cared"; "Fahrzeug" is "Fahrzeugen").
_ALWAYS = ("s", "es", "'s", "’s")
_LONGER = ("ed", "ing", "e", "n", "en", "ern", "ien")


@lru_cache(maxsize=1024)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    endings = _ALWAYS + (_LONGER if len(keyword) >= 4 else ())
    alternatives = "|".join(re.escape(e) for e in endings)
    return re.compile(r"(?<!\w)" + re.escape(keyword.lower()) + f"(?:{alternatives})?" + r"(?!\w)")


def keyword_found(keyword: str, lowered_text: str) -> bool:
    """Whether ``keyword`` (or a plural, possessive or inflected form) is a word of ``lowered_text``."""
    return _keyword_pattern(keyword).search(lowered_text) is not None


def assign(
    docs: Sequence[AssignInput],
    industries: Sequence[Industry],
    profiles: np.ndarray,
    settings: AssignSettings | None = None,
) -> list[Assignment]:
    """Scores of each document for each industry (``profiles``: one unit row per industry)."""
    settings = settings or AssignSettings()
    if not docs or not industries:
        return []
    sims = np.stack([d.vector for d in docs]) @ profiles.T
    out = []
    for i, doc in enumerate(docs):
        haystack = f"{doc.title}\n{doc.text}".lower()
        for j, industry in enumerate(industries):
            found = tuple(k for k in industry.keywords if _keyword_pattern(k).search(haystack))
            hint = industry.slug in doc.source_industries
            classes = tuple(c for c in doc.patent_classes if classes_match((c,), industry.patent_classes))
            similarity = float(sims[i, j])
            score = (
                similarity
                + settings.keyword_bonus * min(len(found), 3)
                + (settings.source_bonus if hint else 0.0)
                + (settings.class_bonus if classes else 0.0)
            )
            out.append(
                Assignment(
                    doc.id,
                    industry.slug,
                    round(score, 4),
                    score >= settings.threshold,
                    round(similarity, 4),
                    found,
                    hint,
                    classes,
                )
            )
    return out
