"""`/docs` and `/redoc` load their assets from the app by default, from a CDN when asked.

The pages rendering in a real browser offline is proven in tests/taskboard/test_docs_pages.py.
"""

from __future__ import annotations

import re

import httpx
import pytest

from foundation.web import create_app
from foundation.web.docs import PAGE_CSP
from tests.foundation.web.helpers import client, make_settings

ABSOLUTE_URL = re.compile(r"(?:https?:)?//[\w.-]+")


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", ["swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"]),
        ("/redoc", ["redoc.standalone.js", "favicon.png"]),
    ],
)
async def test_pages_reference_only_assets_the_app_serves(page: str, assets: list[str]) -> None:
    app = create_app(make_settings())
    async with client(app) as http:
        response = await http.get(page)
        assert response.status_code == 200
        assert ABSOLUTE_URL.findall(response.text) == []  # no CDN, no web fonts
        assert response.headers["content-security-policy"] == PAGE_CSP
        for asset in assets:
            url = f"/docs/assets/{asset}"
            assert f'"{url}"' in response.text
            served = await http.get(url)
            assert served.status_code == 200, url
            assert served.content, url


async def test_assets_are_served_with_their_types_and_a_validator_is_never_called() -> None:
    app = create_app(make_settings())
    async with client(app) as http:
        js = await http.get("/docs/assets/swagger-ui-bundle.js")
        css = await http.get("/docs/assets/swagger-ui.css")
        page = await http.get("/docs")
    # the security headers say nosniff: a wrong type would stop the browser from running it
    assert js.headers["content-type"].startswith("text/javascript")
    assert css.headers["content-type"].startswith("text/css")
    assert '"validatorUrl": null' in page.text


async def test_oauth2_redirect_page_is_served_for_swagger_ui() -> None:
    app = create_app(make_settings())
    async with client(app) as http:
        page = await http.get("/docs")
        redirect = await http.get("/docs/oauth2-redirect")
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in page.text
    assert redirect.status_code == 200
    assert "oauth2" in redirect.text


async def test_pages_behind_a_proxy_prefix_point_under_it() -> None:
    app = create_app(make_settings())
    transport = httpx.ASGITransport(app=app, root_path="/board")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        docs = (await http.get("/docs")).text
        redoc = (await http.get("/redoc")).text
    assert '"/board/docs/assets/swagger-ui-bundle.js"' in docs
    assert "url: '/board/openapi.json'" in docs
    assert '"/board/docs/assets/redoc.standalone.js"' in redoc
    assert 'spec-url="/board/openapi.json"' in redoc


async def test_cdn_setting_serves_fastapis_own_pages() -> None:
    app = create_app(make_settings(docs={"assets": "cdn"}))
    async with client(app) as http:
        docs = await http.get("/docs")
        redoc = await http.get("/redoc")
        asset = await http.get("/docs/assets/swagger-ui-bundle.js")
    assert "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js" in docs.text
    assert "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js" in redoc.text
    assert asset.status_code == 404  # nothing bundled is mounted


async def test_docs_pages_stay_out_of_the_openapi_document() -> None:
    app = create_app(make_settings())
    async with client(app) as http:
        paths = (await http.get("/openapi.json")).json()["paths"]
    assert not [path for path in paths if path.startswith(("/docs", "/redoc"))]
