"""How the analysis words what it explains: gettext's calls and numbers, in one language."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Wording(Protocol):
    """How the reasons are worded: gettext's calls and numbers, in one language (``papers.i18n.Texts``
    in the workspace's language, passed in by the pipeline; ``ENGLISH`` otherwise)."""

    language: str

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...

    def decimal(self, value: float, digits: int = 2) -> str: ...

    def date(self, day: dt.date | None) -> str: ...


class _English:
    language = "en"

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural

    def decimal(self, value: float, digits: int = 2) -> str:
        return f"{value:.{digits}f}"

    def date(self, day: dt.date | None) -> str:
        return day.isoformat() if day else "undated"


ENGLISH: Wording = _English()
