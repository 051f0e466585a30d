"""The repository's layout: ``site/`` (the MkDocs side of the members' site) travels with the package
and is found where it is installed, from a wheel and editable; the top-level ``mkdocs.yml`` previews it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from papers.sitefiles import base_config, site_folder

ROOT = Path(__file__).resolve().parent.parent
# What a wheel is built from: the project file, the readme, and every package folder it names.
_PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
SOURCES = (
    "pyproject.toml",
    "README.md",
    *(_PROJECT.get("package-dir", {}).get(name, name) for name in _PROJECT["packages"]),
)


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_site_holds_the_base_configuration_the_overrides_and_the_default_pages() -> None:
    folder = site_folder()
    assert folder == ROOT / "site"  # in a checkout, the folder beside the packages
    config = base_config()
    assert config["theme"]["name"] == "material" and config["strict"] is True
    assert config["theme"]["custom_dir"] == str(folder / "overrides")
    assert (folder / "overrides" / "main.html").is_file()
    assert all((folder / "overrides" / css).is_file() for css in config["extra_css"])
    assert (folder / "docs" / "index.md").is_file()
    assert not list(folder.rglob("*.py"))  # `site` is a standard-library module: no Python here
    assert base_config() is not config  # the build changes its copy


def _python(code: str, *args: str, cwd: Path, no_site: bool = False, path: Path | None = None) -> object:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if path:
        env["PYTHONPATH"] = str(path)
    command = [sys.executable, *(["-S"] if no_site else []), "-c", code, *args]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.slow
def test_the_installed_package_finds_site(tmp_path: Path) -> None:
    if int(metadata.version("setuptools").split(".")[0]) < 77:
        pytest.skip("building the package needs setuptools>=77 (pyproject.toml's build-system)")
    src = tmp_path / "src"  # a copy: building writes build/ and *.egg-info beside the sources
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    built = [  # one process per build: setuptools keeps state between builds in one process
        _python(
            f"import json, sys; from setuptools import build_meta as b; print(json.dumps(b.{hook}(sys.argv[1])))",
            str(tmp_path / folder),
            cwd=src,
        )
        for hook, folder in (("build_wheel", "wheel"), ("build_editable", "editable"))
    ]

    # From a wheel: the data package is a folder of site-packages with every file of site/.
    installed = tmp_path / "installed"
    with zipfile.ZipFile(tmp_path / "wheel" / str(built[0])) as wheel:
        wheel.extractall(installed)  # what pip does with a pure-Python wheel
    assert _files(installed / "trendpapers_site") == _files(ROOT / "site")
    found = _python(
        "import json, papers.sitefiles as s; "
        "print(json.dumps([s.__file__, str(s.site_folder()), s.base_config()['theme']['custom_dir']]))",
        cwd=tmp_path,
        path=installed,
    )
    assert found == [
        str(installed / "papers" / "sitefiles.py"),
        str(installed / "trendpapers_site"),
        str(installed / "trendpapers_site" / "overrides"),
    ]

    # Editable: the data package maps onto the checkout's site/ (asked of the import system, without the
    # folder beside the packages; -S keeps this environment's own editable install out).
    editable = tmp_path / "editable-installed"
    with zipfile.ZipFile(tmp_path / "editable" / str(built[1])) as wheel:
        wheel.extractall(editable)
    found = _python(
        "import json, site, sys; site.addsitedir(sys.argv[1]); sys.path.append(sys.argv[2]); "
        "from pathlib import Path; import papers.sitefiles as s; s._CHECKOUT = Path(sys.argv[1], 'none'); "
        "print(json.dumps([s.__file__, str(s.site_folder())]))",
        str(editable), sysconfig.get_paths()["purelib"],
        cwd=tmp_path,
        no_site=True,
    )  # fmt: skip
    assert found == [str(src / "papers" / "sitefiles.py"), str(src / "site")]


def test_the_repository_mkdocs_yml_previews_the_site(tmp_path: Path) -> None:
    out = tmp_path / "preview"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'type="application/atom+xml"' in home  # site/overrides/main.html
    assert "assets/stylesheets/trendpapers.css" in home
    assert (out / "assets" / "stylesheets" / "trendpapers.css").is_file()
    assert "fonts.googleapis.com" not in home  # the base configuration's font: false
