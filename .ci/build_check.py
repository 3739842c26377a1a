"""Build the wheel and sdist, install the wheel alone in a fresh virtualenv, and run the
documented downstream example there (not from the repository): the plugin must load by
itself and ``--db postgresql`` must work with no server installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "downstream"


def run(*args: str | Path, cwd: Path | None = None) -> None:
    print("+", " ".join(map(str, args)), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=cwd)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="foundation-build-"))
    try:
        dist = work / "dist"
        run(sys.executable, "-m", "build", "--outdir", dist, ROOT)
        wheels = list(dist.glob("*.whl"))
        if len(wheels) != 1 or not list(dist.glob("*.tar.gz")):
            print(f"expected one wheel and one sdist in {dist}", file=sys.stderr)
            return 1
        venv = work / "venv"
        run(sys.executable, "-m", "virtualenv", "--quiet", venv)
        python = venv / "bin" / "python"
        run(python, "-m", "pip", "install", "--quiet", f"{wheels[0]}[test]")
        project = work / "downstream"
        shutil.copytree(EXAMPLE, project)
        run(
            python,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--db",
            "sqlite",
            "--db",
            "postgresql",
            cwd=project,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
