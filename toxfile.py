"""tox's inline plugin (tox loads ``toxfile.py`` beside ``tox.ini``): find pyenv's interpreters.

Under pyenv only the selected versions answer on PATH; the shim ``python3.12`` fails unless
3.12 is selected, so ``tox -e py312-sqlite`` would find no interpreter (and tox-uv would try to
download one). Before any environment is created, the ``bin`` folder of the newest installed
patch release of each CPython from 3.11 under ``$PYENV_ROOT/versions`` (default ``~/.pyenv``)
goes in front of PATH. Without pyenv nothing changes: tox finds the system's ``python3.12`` as
usual. Either way uv never downloads an interpreter: a missing one fails at once, named.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tox.config.sets import ConfigSet
from tox.plugin import impl
from tox.session.state import State

RELEASE = re.compile(r"^3\.(\d+)\.(\d+)$")
OLDEST_MINOR = 11  # requires-python in pyproject.toml; older ones stay off PATH


def pyenv_bin_dirs(root: Path) -> list[Path]:
    """``bin`` of the newest patch release of each supported CPython minor under ``root``."""
    newest: dict[int, tuple[int, Path]] = {}
    versions = root / "versions"
    for folder in versions.iterdir() if versions.is_dir() else ():
        match = RELEASE.match(folder.name)
        if match is None or not (folder / "bin").is_dir():
            continue
        minor, patch = int(match[1]), int(match[2])
        if minor < OLDEST_MINOR:
            continue
        if minor not in newest or patch > newest[minor][0]:
            newest[minor] = (patch, folder / "bin")
    return [newest[minor][1] for minor in sorted(newest)]


@impl
def tox_add_core_config(core_conf: ConfigSet, state: State) -> None:
    """Put pyenv's interpreters on PATH and forbid interpreter downloads (tox-uv)."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = [str(path) for path in pyenv_bin_dirs(root)]
    path = os.environ.get("PATH", "")
    missing = [folder for folder in found if folder not in path.split(os.pathsep)]
    if missing:
        os.environ["PATH"] = os.pathsep.join([*missing, path])
    os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")
