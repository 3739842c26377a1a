"""The README cannot rot: its Python examples run and its settings table matches Settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from foundation import Settings
from tests.foundation.migrations_sample.databases import migration_url

__all__ = ["migration_url"]  # a fixture used below

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TABLE = re.compile(r"<!-- settings-table:start -->\n(.*?)<!-- settings-table:end -->", re.S)


def python_blocks(path: Path) -> list[str]:
    """The fenced ``python`` code blocks of a Markdown file."""
    return re.findall(r"```python\n(.*?)```", path.read_text(), re.S)


def settings_table() -> str:
    """The Markdown table of every setting, its variable and its default."""
    lines = ["| Variable | Default | Notes |", "|---|---|---|"]
    for group, field in Settings.model_fields.items():
        model = field.annotation
        assert model is not None
        for name, option in model.model_fields.items():
            default = option.get_default(call_default_factory=True)
            if isinstance(default, SecretStr):
                secret = "secret" in name
                default = "(insecure placeholder)" if secret else default.get_secret_value()
            if isinstance(default, list):
                default = ",".join(default) or "(empty)"
            shown = "(unset)" if default is None else default
            notes = option.description or ""
            lines.append(f"| `FOUNDATION_{group.upper()}__{name.upper()}` | `{shown}` | {notes} |")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("code", python_blocks(README), ids=lambda c: c.splitlines()[0][:40])
def test_readme_python_examples_run(code: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_readme_lists_every_setting_with_its_default() -> None:
    match = TABLE.search(README.read_text())
    assert match is not None, "README lacks the settings-table markers"
    expected = settings_table()
    assert match.group(1) == expected, f"update the README's settings table to:\n{expected}"


def test_readme_upgrade_command_migrates_the_reference_service(migration_url: str) -> None:
    [command] = [
        b for b in re.findall(r"```bash\n(.*?)```", README.read_text(), re.S) if "db upgrade" in b
    ]
    url = re.search(r"FOUNDATION_DATABASE__URL=(\S+)", command)
    assert url is not None
    command = command.replace(url.group(1), f"'{migration_url}'")
    # the README's `.venv/bin/` is the environment running this suite (tox has its own)
    command = command.replace(".venv/bin/", f"{Path(sys.executable).parent}/")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FOUNDATION_")}

    def run(step: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["bash", "-c", step], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return result

    assert "Running upgrade  -> " in run(command).stderr
    check = run(command.replace("db upgrade", "db check"))
    assert check.stdout.endswith("models and migrations agree\n")
