"""docs/testing.md shows the downstream test file exactly as it is run, and it stays short."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "testing.md"
TEST_FILE = ROOT / "examples" / "downstream" / "tests" / "test_bookshelf.py"


def test_doc_shows_the_example_test_file_verbatim() -> None:
    doc = DOC.read_text()
    start = doc.index("```python\n", doc.index("under 60 lines")) + len("```python\n")
    shown = doc[start : doc.index("```\n", start)]
    real = TEST_FILE.read_text()
    assert shown == real.split("\n", 2)[2], "update docs/testing.md from the example"


def wiring_lines(source: str) -> list[str]:
    """The lines that wire the suites: code after the imports, blank lines aside."""
    lines = [line for line in source.splitlines() if line.strip()]
    last_import = max(i for i, line in enumerate(lines) if line.startswith(("import ", "from ")))
    return lines[last_import + 1 :]


def test_example_wiring_is_under_60_lines() -> None:
    """All four suites for two related resources (books, listings) in under 60 lines."""
    assert len(wiring_lines(TEST_FILE.read_text())) < 60
