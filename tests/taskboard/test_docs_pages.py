"""`/docs` and `/redoc` render in a real browser with the network unreachable.

The reference service runs as `make run` serves it (`foundation serve`, its migrations, a
fresh SQLite file) on a free port; headless Chromium loads a page with every host but
127.0.0.1 unresolvable and any proxied request sent to a dead port, then dumps the DOM and
its network log. The pages must show every operation of `/openapi.json` and must not have
asked for anything outside the app. The same browser, on the same service with
``FOUNDATION_DOCS__ASSETS=cdn``, renders nothing and did reach out: the blocking is real.

Chromium is required (Debian: ``apt-get install -y chromium``; `.ci/run` installs it).
Without it these tests fail, unless ``FOUNDATION_TEST_BROWSER=optional`` says a developer
chose to skip them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.taskboard.live_server import LOOPBACK, serve_taskboard

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
OPTIONAL = "FOUNDATION_TEST_BROWSER"
# Every flag keeps the browser off the network: no background services, a fresh profile,
# names other than 127.0.0.1 unresolvable, and a proxy on a dead port for anything else
# (loopback bypasses proxies implicitly).
OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=127.0.0.1:9",
    f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOOPBACK}",
)
# Virtual time: the page's scripts get 10 s of timers; waiting on the network does not count.
VIRTUAL_TIME_MS = 10_000


@dataclass(frozen=True)
class Visit:
    """What the browser saw: the rendered DOM and the URLs the page itself requested."""

    dom: str
    requested: frozenset[str]

    def outside(self) -> set[str]:
        """Requested URLs on any host but the loopback address."""
        return {url for url in self.requested if urlsplit(url).hostname != LOOPBACK}


def chromium() -> str:
    """The browser's path; fails (or skips, when declared optional) without one."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get(OPTIONAL) == "optional":
        pytest.skip(f"Chromium is not installed and {OPTIONAL}=optional: docs pages untested")
    pytest.fail(
        "Chromium is not installed: `apt-get install -y chromium` "
        f"(or set {OPTIONAL}=optional to skip the browser tests)"
    )


@pytest.fixture(scope="module")
def browser() -> str:
    return chromium()


def _serve(folder: Path, assets: str) -> Iterator[str]:
    """`make run`'s server with ``FOUNDATION_DOCS__ASSETS=assets``; yields its base URL."""
    yield from serve_taskboard(folder, {"FOUNDATION_DOCS__ASSETS": assets})


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("bundled"), "bundled")


@pytest.fixture(scope="module")
def cdn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("cdn"), "cdn")


def visit(browser: str, url: str, folder: Path) -> Visit:
    """Load ``url`` offline in a fresh profile; the DOM after the scripts ran, the requests."""
    netlog = folder / "netlog.json"
    result = subprocess.run(
        [
            browser,
            *OFFLINE_FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--log-net-log={netlog}",
            f"--virtual-time-budget={VIRTUAL_TIME_MS}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    return Visit(dom=result.stdout, requested=_page_requests(netlog, origin))


def _page_requests(netlog: Path, origin: str) -> frozenset[str]:
    """URLs whose requests the page at ``origin`` started (not the browser's own traffic)."""
    log: dict[str, Any] = json.loads(netlog.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return frozenset(
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start and event.get("params", {}).get("initiator") == origin
    )


def _document(base: str) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(f"{base}/openapi.json", timeout=10).json()
    return document


def _operations(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(path, method, operationId) of every operation in the document."""
    return [
        (path, method, operation["operationId"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_swagger_ui_renders_every_operation_offline(
    browser: str, bundled: str, tmp_path: Path
) -> None:
    seen = visit(browser, f"{bundled}/docs", tmp_path)
    operations = _operations(_document(bundled))
    rendered = re.findall(r'class="opblock opblock-(\w+)[^"]*"', seen.dom)
    paths = set(re.findall(r'class="opblock-summary-path" data-path="([^"]+)"', seen.dom))
    assert len(operations) >= 20  # the taskboard's routes, as a sanity floor
    assert sorted(rendered) == sorted(method for _, method, _ in operations)
    assert paths == {path for path, _, _ in operations}
    assert f"{bundled}/docs/assets/swagger-ui-bundle.js" in seen.requested
    assert f"{bundled}/openapi.json" in seen.requested
    assert seen.outside() == set()


def test_redoc_renders_every_operation_offline(browser: str, bundled: str, tmp_path: Path) -> None:
    seen = visit(browser, f"{bundled}/redoc", tmp_path)
    operations = _operations(_document(bundled))
    rendered = set(re.findall(r'data-section-id="operation/([^"]+)"', seen.dom))
    assert rendered == {operation_id for _, _, operation_id in operations}
    assert f"{bundled}/docs/assets/redoc.standalone.js" in seen.requested
    assert f"{bundled}/openapi.json" in seen.requested
    # no web fonts, and not ReDoc's logo from its vendor's CDN (the page's CSP drops it)
    assert seen.outside() == set()


@pytest.mark.parametrize("page", ["docs", "redoc"])
def test_cdn_pages_stay_blank_in_the_same_offline_browser(
    browser: str, cdn: str, tmp_path: Path, page: str
) -> None:
    seen = visit(browser, f"{cdn}/{page}", tmp_path)
    assert "opblock" not in seen.dom
    assert 'data-section-id="operation/' not in seen.dom
    assert any(urlsplit(url).hostname == "cdn.jsdelivr.net" for url in seen.outside())


def test_missing_chromium_fails_with_the_fix_unless_declared_optional(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser here
    monkeypatch.delenv(OPTIONAL, raising=False)
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        chromium()
    monkeypatch.setenv(OPTIONAL, "optional")
    with pytest.raises(pytest.skip.Exception, match=f"{OPTIONAL}=optional"):
        chromium()
