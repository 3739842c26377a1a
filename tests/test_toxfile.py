"""toxfile.py: `tox -e py312-sqlite` finds pyenv's interpreters without any PATH set-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("tox", reason="toxfile.py is a tox plugin; tox comes with the dev extra")

import toxfile  # after the skip: it imports tox


def _install(root: Path, *versions: str) -> None:
    for version in versions:
        (root / "versions" / version / "bin").mkdir(parents=True)


def test_newest_patch_of_each_supported_minor_oldest_first(tmp_path: Path) -> None:
    _install(tmp_path, "3.10.13", "3.11.7", "3.12.1", "3.12.10", "3.13.0", "pypy3.10-7.3.17")
    _install(tmp_path, "3.14-dev", "miniconda3-latest")
    (tmp_path / "versions" / "3.13.1").mkdir()  # a broken install without bin/
    assert toxfile.pyenv_bin_dirs(tmp_path) == [
        tmp_path / "versions" / version / "bin" for version in ("3.11.7", "3.12.10", "3.13.0")
    ]


def test_no_pyenv_finds_nothing(tmp_path: Path) -> None:
    assert toxfile.pyenv_bin_dirs(tmp_path / "absent") == []


def test_hook_puts_them_in_front_of_path_once_and_forbids_downloads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(tmp_path, "3.12.1", "3.13.0")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", "/usr/bin")
    monkeypatch.delenv("UV_PYTHON_DOWNLOADS", raising=False)
    for _ in range(2):  # a provisioned tox loads the plugin again
        # the hook reads neither argument
        toxfile.tox_add_core_config(None, None)  # type: ignore[arg-type]
    bins = [str(tmp_path / "versions" / v / "bin") for v in ("3.12.1", "3.13.0")]
    assert os.environ["PATH"].split(os.pathsep) == [*bins, "/usr/bin"]
    assert os.environ["UV_PYTHON_DOWNLOADS"] == "never"
