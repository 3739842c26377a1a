"""The documentation pages, Swagger UI at ``/docs`` and ReDoc at ``/redoc``, working offline.

FastAPI's own pages load their JavaScript and CSS from a CDN (and ReDoc its web fonts from
Google), so they are blank pages without internet or behind a strict proxy. These pages are
FastAPI's, built by the same functions, but their assets are the bundles the
``fastapi-offline`` package installs, served by the app under ``/docs/assets`` with no web
fonts. ``FOUNDATION_DOCS__ASSETS=cdn`` keeps FastAPI's CDN pages instead (``create_app``).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
ASSETS_URL = "/docs/assets"
# (package, folder): Swagger UI 5 and ReDoc 2 bundles and a favicon, shipped in the wheel
ASSETS_PACKAGE = ("fastapi_offline", "static")
SWAGGER_JS = "swagger-ui-bundle.js"
SWAGGER_CSS = "swagger-ui.css"
REDOC_JS = "redoc.standalone.js"
FAVICON = "favicon.png"
# Images only from the app: ReDoc shows its vendor's logo from that vendor's CDN, and Swagger
# UI a validator badge from swagger.io; the browser drops both without a request.
PAGE_CSP = "frame-ancestors 'none'; img-src 'self' data:"
# Swagger UI would send the document's URL to swagger.io's validator for a badge.
SWAGGER_DEFAULTS: dict[str, object] = {"validatorUrl": None}


def _root_path(request: Request) -> str:
    """The prefix the app is served under behind a proxy (as FastAPI's own pages use it)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def install_bundled_docs(app: FastAPI) -> None:
    """Serve ``/docs``, its OAuth2 redirect page and ``/redoc`` with the installed assets.

    ``app`` must be built with ``docs_url=None, redoc_url=None`` so FastAPI adds no CDN
    pages of its own. A missing ``fastapi-offline`` installation fails here, at startup.
    """
    app.mount(ASSETS_URL, StaticFiles(packages=[ASSETS_PACKAGE]), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root_path(request)
        assets = f"{root}{ASSETS_URL}"
        page = get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root + redirect_url if redirect_url else None,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters={**SWAGGER_DEFAULTS, **(app.swagger_ui_parameters or {})},
            swagger_js_url=f"{assets}/{SWAGGER_JS}",
            swagger_css_url=f"{assets}/{SWAGGER_CSS}",
            swagger_favicon_url=f"{assets}/{FAVICON}",
        )
        page.headers["Content-Security-Policy"] = PAGE_CSP
        return page

    async def swagger_ui_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root = _root_path(request)
        assets = f"{root}{ASSETS_URL}"
        page = get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{assets}/{REDOC_JS}",
            redoc_favicon_url=f"{assets}/{FAVICON}",
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = PAGE_CSP
        return page

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    if redirect_url:
        app.add_route(redirect_url, swagger_ui_redirect, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)
