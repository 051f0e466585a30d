"""The workspace's language for papers, the site, the CLI's paper output and the editors' desk: gettext
catalogs and Babel.

Texts are written in English in the code and templates (``tr.gettext("Latest papers")``, Jinja2's
``{% trans %}``) and translated through the gettext catalog ``papers/locale/<lang>/LC_MESSAGES/
trendpapers.mo``, which is compiled from its ``.po`` file and committed, so an installed package
has it without a build step (``make catalogs`` re-extracts, updates and compiles; a test checks
that the committed ``.mo`` is the compiled ``.po`` and that every text in the code is in it).

Dates and numbers: English keeps ISO dates (2026-11-20) and Python's percentages (+50%), as the
papers always had them; other languages take Babel's formats for their locale (20. November 2026,
+50 %).

Translated texts are our own and may hold Markdown; values put into them are escaped as Markdown
text unless our code built them (``MdMessage``, after ``markupsafe.Markup``).
"""

from __future__ import annotations

import datetime as dt
import gettext as gettext_module
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from papers.escape import Md, md_text

LANGUAGES = ("en", "de")  # the workspace languages with a catalog ("en": the texts as written)
DOMAIN = "trendpapers"
# Beside this module, not resources.files("papers"): run as ``python -m trendpapers`` in a workspace,
# the import system also finds the workspace's own papers/ folder under that name.
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for extraction, translate later"
    return message


class MdMessage(Md):
    """A translated text (Markdown of ours) whose ``%`` escapes the string values put into it."""

    __slots__ = ()

    def __mod__(self, values: Any) -> Md:
        if isinstance(values, Mapping):
            return Md(str.__mod__(self, {k: _safe(v) for k, v in values.items()}))
        if isinstance(values, tuple):
            return Md(str.__mod__(self, tuple(_safe(v) for v in values)))
        return Md(str.__mod__(self, _safe(values)))


def _safe(value: Any) -> Any:
    return value if isinstance(value, Md) or not isinstance(value, str) else md_text(value)


@lru_cache(maxsize=8)
def _catalog(language: str) -> gettext_module.NullTranslations:
    if language == "en":
        return gettext_module.NullTranslations()
    mo = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with mo.open("rb") as fh:
        return gettext_module.GNUTranslations(fh)


class Texts:
    """The texts, dates and numbers of one language."""

    def __init__(self, language: str = "en") -> None:
        if language not in LANGUAGES:
            raise ValueError(f"no texts in {language!r} (there are: {', '.join(LANGUAGES)})")
        self.language = language
        self._catalog = _catalog(language)

    # gettext's API: plain strings, for the CLI, feeds and page titles.
    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._catalog.pgettext(context, message)

    # The same for Markdown: "%(name)s" takes escaped values (``Md`` ones as they are).
    def md(self, message: str) -> MdMessage:
        return MdMessage(self.gettext(message))

    def nmd(self, singular: str, plural: str, n: int) -> MdMessage:
        return MdMessage(self.ngettext(singular, plural, n))

    def date(self, day: dt.date | None) -> str:
        """A day as this language writes it in running text; "undated" translated for None."""
        if day is None:
            return self.gettext("undated")
        if self.language == "en":
            return day.isoformat()
        from babel.dates import format_date

        return str(format_date(day, format="long", locale=self.language))

    def short_date(self, day: dt.date) -> str:
        """A day in a table column: ISO in English, the locale's medium format elsewhere."""
        if self.language == "en":
            return day.isoformat()
        from babel.dates import format_date

        return str(format_date(day, format="medium", locale=self.language))

    def number(self, n: float) -> str:
        if self.language == "en":
            return str(n)
        from babel.numbers import format_decimal

        return str(format_decimal(n, locale=self.language))

    def decimal(self, value: float, digits: int = 2) -> str:
        """A score or similarity with ``digits`` decimals ("0.62"; German "0,62")."""
        if self.language == "en":
            return f"{value:.{digits}f}"
        from babel.numbers import format_decimal

        return str(format_decimal(value, format="0." + "0" * digits, locale=self.language))

    def percent(self, value: float, signed: bool = False) -> str:
        """0.5 as "50%" (signed: "+50%"), in the language's format."""
        if self.language == "en":
            return f"{value:+.0%}" if signed else f"{value:.0%}"
        from babel.numbers import format_percent

        text = str(format_percent(abs(value) if signed else value, locale=self.language))
        return (("+" if value >= 0 else "-") + text) if signed else text

    def status(self, status: str) -> str:
        """A trend's status word (stored in English: new, rising, fading, steady)."""
        words = {
            "new": self.pgettext("trend status", "new"),
            "rising": self.pgettext("trend status", "rising"),
            "fading": self.pgettext("trend status", "fading"),
            "steady": self.pgettext("trend status", "steady"),
        }
        return words.get(status, status)

    def paper_status(self, status: str) -> str:
        """A paper's status word (stored in English: draft, approved, published, withdrawn)."""
        words = {
            "draft": self.pgettext("paper status", "draft"),
            "approved": self.pgettext("paper status", "approved"),
            "published": self.pgettext("paper status", "published"),
            "withdrawn": self.pgettext("paper status", "withdrawn"),
        }
        return words.get(status, status)


@lru_cache(maxsize=64)
def all_translations(message: str) -> frozenset[str]:
    """``message`` in every language: to recognise a text of ours in a paper whatever its language."""
    return frozenset(Texts(language).gettext(message) for language in LANGUAGES)


def language_mark(language: str | None, paper_language: str) -> str | None:
    """The base language of a quoted text when it is not the paper's (None: nothing to mark)."""
    if not language:
        return None
    base = language.split("-")[0].split("_")[0].lower()
    return base if base != paper_language and base.isalpha() and len(base) in (2, 3) else None
