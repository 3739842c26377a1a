"""The README's curl tour runs, as written, against the reference service.

The block between ``<!-- tour:start`` and ``<!-- tour:end -->`` runs in bash (``set -euo
pipefail``, so every ``curl -fsS`` must succeed) against `make run`'s server on a free port
and a fresh SQLite file, with the user the README creates; it reads the base URL and token
from ``$API`` and ``$TOKEN``, as the README sets them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.taskboard.live_server import ROOT, serve_taskboard, taskboard_environment

EMAIL = "admin@example.com"
PASSWORD = "tour-password-1"
SCOPES = "projects:read projects:write tasks:read tasks:write"
TOUR = re.compile(r"<!-- tour:start.*?-->\s*```bash\n(.*?)```\s*<!-- tour:end -->", re.DOTALL)


def tour_block() -> str:
    blocks = TOUR.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) == 1, "README.md must hold one ```bash block between the tour markers"
    return str(blocks[0])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("tour")
    yield from ((base, folder) for base in serve_taskboard(folder))


def token(base: str, folder: Path) -> str:
    """The README's first user, created with its command, signed in with the password flow."""
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskboard",
            "create-user",
            EMAIL,
            "--scopes",
            SCOPES,
            "--password",
            PASSWORD,
        ],
        cwd=ROOT,
        env=taskboard_environment(folder),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    answer = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD}, timeout=30
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def test_the_tour_reads_the_server_and_token_from_its_variables() -> None:
    block = tour_block()
    assert "$API/" in block
    assert "$TOKEN" in block
    assert "127.0.0.1" not in block
    assert "localhost" not in block


def test_the_readme_tour_runs_against_a_live_server(served: tuple[str, Path]) -> None:
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"the README tour needs {', '.join(missing)}: apt-get install -y {' '.join(missing)}"
        )
    base, folder = served
    env = taskboard_environment(folder) | {"API": f"{base}/api/v1", "TOKEN": token(base, folder)}
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", tour_block()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, f"the tour failed ({ran.returncode}): {ran.stderr}"
    answers: list[Any] = [json.loads(line) for line in ran.stdout.splitlines()]
    assert answers == [
        {"title": "Write copy", "priority": 2, "status": "todo"},
        {"title": "Draw logo", "priority": 4, "status": "todo"},
        {"title": "Fix footer", "priority": 3, "status": "todo"},
        ["Fix footer", "Write copy"],  # priority__in=2,3&sort=-priority
        {"total": 3, "titles": ["Write copy"]},  # offset 2 of title order
        ["Write copy"],  # the cursor's second page
        {"etag": '"2"'},  # PATCH with If-Match: the new ETag
        {"total": 2},  # after DELETE with If-Match
        ["Draw logo"],  # ?deleted=only
        {"title": "Draw logo", "status": "doing"},  # restored
        {"total": 0},  # the project's tasks, deleted with it
        {"status": 409, "code": "duplicate"},  # restoring into a slug taken since
        {"slug": "web", "name": "Website"},  # restored once the slug is free
        {"total": 3},  # with its tasks
    ]
