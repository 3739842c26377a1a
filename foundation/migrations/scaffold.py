"""``foundation db init``: a script directory whose ``env.py`` is three lines."""

from __future__ import annotations

import shutil
from pathlib import Path

from foundation.errors import ConfigurationError

TEMPLATES = Path(__file__).parent / "templates"


def init_directory(directory: str | Path, metadata: str = "foundation:Base.metadata") -> Path:
    """Create ``directory`` with ``env.py``, ``script.py.mako`` and ``versions/``.

    ``metadata`` is ``module:expression``, e.g. ``myapp.models:Base.metadata``; the module
    must import every model so that autogenerate sees their tables.
    """
    module, sep, expression = metadata.partition(":")
    if not sep or not module or not expression:
        raise ConfigurationError(
            f"--metadata must look like 'module:Base.metadata', got {metadata!r}"
        )
    path = Path(directory)
    if (path / "env.py").exists():
        raise ConfigurationError(f"{str(path)!r} already holds an env.py; not overwriting it")
    (path / "versions").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TEMPLATES / "script.py.mako", path / "script.py.mako")
    name = expression.split(".", 1)[0]
    env = (TEMPLATES / "env.py.tmpl").read_text(encoding="utf-8")
    (path / "env.py").write_text(
        env.format(module=module, name=name, expression=expression), encoding="utf-8"
    )
    return path
