"""``create_app`` mounts plain routers' routes on the app itself: the same API, the same
document, router dependencies included; anything else is included as FastAPI does it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, WebSocket
from fastapi.routing import APIRoute

from foundation.web import mounting
from foundation.web.mounting import mount_router
from tests.foundation.web.helpers import client


async def require_key(x_key: str = Header(default="")) -> None:
    if x_key != "open":
        raise HTTPException(401, "A key is needed.")


def plain_router() -> APIRouter:
    router = APIRouter(
        prefix="/gadgets",
        tags=["gadgets"],
        dependencies=[Depends(require_key)],
        responses={418: {"description": "Teapot"}},
    )

    @router.get("/{gadget_id}", summary="One gadget")
    async def one(gadget_id: int) -> dict[str, int]:
        return {"id": gadget_id}

    @router.post("", status_code=201)
    async def make(body: dict[str, int]) -> dict[str, int]:
        return body

    return router


def top_level_api_routes(app: FastAPI) -> list[APIRoute]:
    return [route for route in app.router.routes if isinstance(route, APIRoute)]


def built(mount: bool, router: APIRouter) -> FastAPI:
    app = FastAPI()
    if mount:
        mount_router(app, router, prefix="/api/v1")
    else:
        app.include_router(router, prefix="/api/v1")
    return app


async def test_a_plain_router_is_the_same_api_without_a_nested_branch() -> None:
    mounted, included = built(True, plain_router()), built(False, plain_router())
    assert [route.path for route in top_level_api_routes(mounted)] == [
        "/api/v1/gadgets/{gadget_id}",
        "/api/v1/gadgets",
    ]
    assert mounted.openapi() == included.openapi()
    async with client(mounted) as http:
        assert (await http.get("/api/v1/gadgets/3")).status_code == 401  # router dependency
        answer = await http.get("/api/v1/gadgets/3", headers={"X-Key": "open"})
        assert answer.json() == {"id": 3}
        made = await http.post("/api/v1/gadgets", json={"a": 1}, headers={"X-Key": "open"})
        assert (made.status_code, made.json()) == (201, {"a": 1})


async def test_other_routers_are_included_as_fastapi_does() -> None:
    outer = APIRouter()
    outer.include_router(plain_router())  # nested
    sockets = APIRouter()

    @sockets.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        await socket.close()

    if mounting._NESTS:  # FastAPI before 0.165 flattens every included router itself
        for router in (outer, sockets):
            assert top_level_api_routes(built(True, router)) == []
    app = built(True, outer)
    assert app.openapi() == built(False, outer).openapi()
    async with client(app) as http:
        answer = await http.get("/api/v1/gadgets/5", headers={"X-Key": "open"})
        assert answer.json() == {"id": 5}
