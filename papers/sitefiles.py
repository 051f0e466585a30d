"""Where the MkDocs side of the members' site is: the repository's ``site/`` folder (``mkdocs.yml``,
the base configuration; ``overrides/``, Trendpapers' additions to the Material theme; ``docs/``, the
default pages that ``trendpapers init`` gives a workspace).

``site/`` holds no Python (``site`` is a standard-library module); the package ships it as the data
package ``trendpapers_site`` (see ``pyproject.toml``). Code running from a checkout uses the folder
beside its packages, so a checkout on ``PYTHONPATH`` never mixes its code with another checkout's
``site/`` that an editable install may map.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ingest.errors import SiteError
from papers.i18n import LANGUAGES, Texts
from summarize.records import Industry

PACKAGE = "trendpapers_site"
_CHECKOUT = Path(__file__).resolve().parent.parent / "site"


def site_folder() -> Path:
    """The ``site/`` folder: beside the packages in a checkout, else the installed data package."""
    if (_CHECKOUT / "mkdocs.yml").is_file():
        return _CHECKOUT
    # The import system, not importlib.resources.files(): on Python 3.11 that fails for a namespace
    # package in an editable install, whose path also holds setuptools' placeholder entry
    # (python/importlib_resources#311). MkDocs needs a folder on disk anyway, not an archive.
    spec = importlib.util.find_spec(PACKAGE)
    locations = spec.submodule_search_locations if spec and spec.submodule_search_locations else []
    for location in locations:
        if (Path(location) / "mkdocs.yml").is_file():
            return Path(location)
    raise SiteError(
        f"{PACKAGE} (the site's MkDocs files) is not installed in a folder; reinstall trendpapers"
    )


def base_config() -> dict[str, Any]:
    """The base MkDocs configuration (``site/mkdocs.yml``), a fresh dict on every call, with the theme's
    ``custom_dir`` made absolute."""
    folder = site_folder()
    config = yaml.safe_load((folder / "mkdocs.yml").read_text(encoding="utf-8"))
    theme = config["theme"]
    theme["custom_dir"] = str(folder / theme["custom_dir"])
    return config


# MkDocs always adds these to the configured extensions (its "built-ins").
_MKDOCS_BUILTINS = ("toc", "tables", "fenced_code")


def markdown_extensions(texts: Texts | None = None) -> dict[str, dict[str, Any]]:
    """The Markdown extensions of ``site/mkdocs.yml`` with their settings, and the titles
    Python-Markdown gives a heading's link and a footnote's way back (hover, screen readers) in the
    language of ``texts`` (English: Python-Markdown's own)."""
    tr = texts or Texts()
    extensions: dict[str, dict[str, Any]] = base_config()["markdown_extensions"]
    extensions["toc"] = {**(extensions.get("toc") or {}), "permalink_title": tr.gettext("Permanent link")}
    # Python-Markdown puts the footnote's number in place of "%d".
    backlink = tr.gettext("Jump back to footnote %(number)s in the text") % {"number": "%d"}
    extensions["footnotes"] = {**(extensions.get("footnotes") or {}), "BACKLINK_TITLE": backlink}
    return extensions


def render_markdown(text: str, texts: Texts | None = None) -> str:
    """A page's Markdown as the site's pages render it: Python-Markdown with MkDocs' built-in
    extensions and those of ``site/mkdocs.yml`` (footnotes, tables, attribute lists, admonitions),
    its titles in the language of ``texts``."""
    import markdown  # loads its extensions only when a page is rendered

    configured = markdown_extensions(texts)
    names = list(dict.fromkeys([*_MKDOCS_BUILTINS, *configured]))
    configs = {name: dict(configured.get(name) or {}) for name in names}
    return markdown.Markdown(extensions=names, extension_configs=configs).convert(text)


COLOURS = (
    "red", "pink", "purple", "deep-purple", "indigo", "blue", "light-blue", "cyan", "teal", "green",
    "light-green", "lime", "yellow", "amber", "orange", "deep-orange", "brown", "grey", "blue-grey",
    "black", "white",
)  # fmt: skip


@dataclass(frozen=True)
class SiteSettings:
    # Of the theme's own texts (search, navigation), e.g. "de"; the site's pages are in it too where
    # Trendpapers has their texts in it (papers.i18n.LANGUAGES), else in English. The loader makes
    # it the workspace's language unless [site] gives one.
    language: str = "en"
    primary: str = "indigo"  # Material colour names
    accent: str = "indigo"
    logo: Path | None = None  # an image file of the cluster's
    url: str | None = None  # where the site is served, for absolute feed links

    @property
    def texts(self) -> Texts:
        """The site's own texts: in its language where there is a catalog for it, else English."""
        return Texts(self.language if self.language in LANGUAGES else "en")


@dataclass(frozen=True)
class Workspace:
    """What a site build reads and where it writes, all inside one workspace."""

    root: Path
    name: str
    papers_dir: Path
    industries: tuple[Industry, ...]
    mkdocs_file: Path | None  # the workspace's mkdocs.yml, for whatever the cluster added to it
    members_file: Path | None = None  # the member file: its addresses must never reach the site
    show_members: bool = False  # the drafts' member blocks are published too (the workspace says so)

    @property
    def hand_written(self) -> Path:
        return self.root / "site" / "docs"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"
