"""A foundation app for `foundation serve --workers N` tests: each worker says who it is.

``WORKERS_SAMPLE_SHUTDOWN_DIR``: a folder where each worker leaves a file named after its
process id when its lifespan has shut down (graceful shutdown, pool disposed).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import text

from foundation.web import SessionDep, create_app

SHUTDOWN_DIR = "WORKERS_SAMPLE_SHUTDOWN_DIR"
router = APIRouter()


@router.get("/whoami")
async def whoami(request: Request, session: SessionDep) -> dict[str, Any]:
    """The worker's process id and the client and scheme it saw."""
    await session.execute(text("SELECT 1"))
    return {
        "pid": os.getpid(),
        "client": request.client.host if request.client else None,
        "scheme": request.url.scheme,
    }


@router.get("/slow")
async def slow() -> dict[str, int]:
    await asyncio.sleep(1.5)
    return {"pid": os.getpid()}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    folder = os.environ.get(SHUTDOWN_DIR)
    if folder:
        (Path(folder) / str(os.getpid())).touch()


app = create_app(routers=[router], lifespan=lifespan)
