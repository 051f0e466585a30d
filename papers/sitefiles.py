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
from pathlib import Path
from typing import Any

import yaml

from ingest.errors import SiteError

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
