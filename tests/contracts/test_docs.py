"""docs/testing.md shows the downstream test file exactly as it is run, and it stays short."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "testing.md"
TEST_FILE = ROOT / "examples" / "downstream" / "tests" / "test_bookshelf.py"


def test_doc_shows_the_example_test_file_verbatim() -> None:
    doc = DOC.read_text()
    start = doc.index("```python\n", doc.index("fewer than 40 lines")) + len("```python\n")
    shown = doc[start : doc.index("```\n", start)]
    real = TEST_FILE.read_text()
    assert shown == real.split("\n", 2)[2], "update docs/testing.md from the example"


def test_example_test_file_is_under_40_lines() -> None:
    assert len(TEST_FILE.read_text().splitlines()) < 40
