"""Signing in: the OAuth2 password flow on Argon2-hashed passwords, and ``/users/me``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form
from sqlalchemy.ext.asyncio import AsyncSession

from foundation import AuthenticationError, Database, NotFoundError
from foundation.security import (
    JWTCodec,
    PrincipalDep,
    get_token_codec,
    hash_password,
    verify_password,
)
from foundation.web import SessionDep, problem_responses
from taskboard.models import User
from taskboard.schemas import Token, UserRead
from taskboard.services import UserRepository

NO_NUL = r"^[^\x00]*$"
SCOPES = (
    "projects:read",
    "projects:write",
    "tasks:read",
    "tasks:write",
)
"""Every scope the service knows."""

router = APIRouter(tags=["auth"])


class InvalidCredentialsError(AuthenticationError):
    """Raised when the email and password do not name an active user."""

    code = "invalid_credentials"
    default_message = "The email or password is wrong."


async def authenticate(session: AsyncSession, email: str, password: str) -> User:
    """The active user with ``email`` and ``password``; ``InvalidCredentialsError`` otherwise."""
    user = await UserRepository(session).find_one_or_none({"email": email.strip().lower()})
    # verify even without a user, so timing does not reveal which emails exist
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        raise InvalidCredentialsError()
    return user


@router.post(
    "/auth/token",
    response_model=Token,
    operation_id="issue_token",
    summary="Obtain an access token (OAuth2 password flow)",
    responses=problem_responses(401),
)
async def issue_token(
    session: SessionDep,
    codec: Annotated[JWTCodec, Depends(get_token_codec)],
    username: Annotated[
        str, Form(min_length=1, max_length=320, pattern=NO_NUL, description="The email")
    ],
    password: Annotated[str, Form(min_length=1, max_length=1024, pattern=NO_NUL)],
    scope: Annotated[
        str, Form(max_length=1000, pattern=NO_NUL, description="Space-separated; default all")
    ] = "",
    grant_type: Annotated[Literal["password"], Form()] = "password",
) -> Token:
    """Exchange an email and password for a bearer token with the user's scopes (or the
    requested subset of them)."""
    user = await authenticate(session, username, password)
    granted = set(user.scopes.split())
    if scope.split():
        granted &= set(scope.split())
    token = codec.issue(str(user.id), granted)
    return Token(
        access_token=token,
        expires_in=int(codec.lifetime.total_seconds()),
        scope=" ".join(sorted(granted)),
    )


@router.get(
    "/users/me",
    response_model=UserRead,
    operation_id="get_current_user",
    summary="The signed-in user",
    responses=problem_responses(404),
)
async def me(principal: PrincipalDep, session: SessionDep) -> User:
    """The user the bearer token was issued to (404 if since removed)."""
    user = await UserRepository(session).get_or_none(principal.subject)
    if user is None:
        raise NotFoundError("The user of this token no longer exists.")
    return user


async def create_user(
    database: Database,
    email: str,
    password: str,
    *,
    scopes: str = " ".join(SCOPES),
    full_name: str = "",
) -> User:
    """Store a new user with a hashed password (``DuplicateError`` if the email is taken)."""
    async with database.transaction() as session:
        return await UserRepository(session).create(
            {
                "email": email.strip().lower(),
                "full_name": full_name or email,
                "password_hash": hash_password(password),
                "scopes": " ".join(scopes.split()),
            }
        )
