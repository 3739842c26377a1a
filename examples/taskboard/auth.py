"""Signing in: the OAuth2 password flow on Argon2-hashed passwords, the check of each
token's user on every request, revocation, and ``/users/me``.

Failed sign-ins are throttled per account and per client address (``sign_in_*`` settings;
429 with ``Retry-After``). Every token carries its user's ``token_version`` as the ``ver``
claim; :func:`check_token_user` refuses it once the user is disabled, deleted, or has had
the version raised by :func:`revoke_tokens` or :func:`change_password`.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request, Response
from sqlalchemy import select, update

from foundation import AuthenticationError, Database, NotFoundError
from foundation.security import JWTCodec, PasswordHasher, Principal, hash_password
from foundation.security.throttle import SignInThrottle
from foundation.security.tokens import InvalidTokenError
from foundation.web import (
    DatabaseDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    get_database,
    get_password_hasher,
    get_token_codec,
    problem_responses,
)
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
TOKEN_PATH = "/auth/token"
VERSION_CLAIM = "ver"
"""The claim carrying the user's ``token_version`` at the time the token was issued."""

router = APIRouter(tags=["auth"])


class InvalidCredentialsError(AuthenticationError):
    """Raised when the email and password do not name an active user."""

    code = "invalid_credentials"
    default_message = "The email or password is wrong."


class RevokedTokenError(InvalidTokenError):
    """Raised when a token's user no longer exists, is disabled, or revoked its tokens."""

    default_message = "The access token is no longer valid; sign in again."


def normalize_email(email: str) -> str:
    """The form emails are stored and looked up in."""
    return email.strip().lower()


async def authenticate(
    database: Database, hasher: PasswordHasher, email: str, password: str
) -> User:
    """The active user with ``email`` and ``password``; ``InvalidCredentialsError`` otherwise.

    No connection is held while the password is checked (in a worker thread).
    """
    async with database.transaction() as session:
        user = await UserRepository(session).find_one_or_none({"email": normalize_email(email)})
    # verify even without a user, so timing does not reveal which emails exist
    valid = await hasher.verify_async(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        raise InvalidCredentialsError()
    return user


@router.post(
    TOKEN_PATH,
    response_model=Token,
    operation_id="issue_token",
    summary="Obtain an access token (OAuth2 password flow)",
    responses=problem_responses(401, 429),
)
async def issue_token(
    request: Request,
    response: Response,
    database: DatabaseDep,
    settings: SettingsDep,
    codec: Annotated[JWTCodec, Depends(get_token_codec)],
    hasher: Annotated[PasswordHasher, Depends(get_password_hasher)],
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
    requested subset of them). Too many failures for the account or the client address
    answer 429 until the window ends (``Retry-After``)."""
    account = normalize_email(username)
    client = request.client.host if request.client else "unknown"
    throttle = SignInThrottle.from_settings(database, settings.security)
    await throttle.check(account, client)
    try:
        user = await authenticate(database, hasher, account, password)
    except InvalidCredentialsError:
        await throttle.record_failure(account, client)
        raise
    await throttle.clear(account)
    granted = set(user.scopes.split())
    if scope.split():
        granted &= set(scope.split())
    token = codec.issue(str(user.id), granted, claims={VERSION_CLAIM: user.token_version})
    # RFC 6749 §5.1: a token response must not be cached
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return Token(
        access_token=token,
        expires_in=int(codec.lifetime.total_seconds()),
        scope=" ".join(sorted(granted)),
    )


async def check_token_user(principal: Principal, request: Request) -> Principal:
    """The principal, if its user exists, is active and has not revoked the token."""
    try:
        user_id = uuid.UUID(principal.subject)
    except ValueError:
        raise RevokedTokenError() from None
    database = await get_database(request)
    query = select(User.is_active, User.token_version).where(User.id == user_id)
    async with database.reading() as connection:
        row = (await connection.execute(query)).first()
    version = principal.claims.get(VERSION_CLAIM)
    if row is None or not row.is_active or type(version) is not int or version != row.token_version:
        raise RevokedTokenError()
    return principal


@router.get(
    "/users/me",
    response_model=UserRead,
    operation_id="get_current_user",
    summary="The signed-in user",
    responses=problem_responses(404),
)
async def me(principal: PrincipalDep, session: SessionDep) -> User:
    """The user the bearer token was issued to."""
    user = await UserRepository(session).get_or_none(principal.subject)
    if user is None:  # removed between the token check and this read
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
                "email": normalize_email(email),
                "full_name": full_name or email,
                "password_hash": hash_password(password),
                "scopes": " ".join(scopes.split()),
            }
        )


async def revoke_tokens(database: Database, user_id: uuid.UUID) -> None:
    """Invalidate every token issued to the user so far (``NotFoundError`` if none)."""
    await _bump_version(database, user_id, {})


async def change_password(database: Database, user_id: uuid.UUID, password: str) -> None:
    """Set a new password; the tokens issued before stop working."""
    await _bump_version(database, user_id, {"password_hash": hash_password(password)})


async def _bump_version(database: Database, user_id: uuid.UUID, values: dict[str, str]) -> None:
    statement = (
        update(User)
        .where(User.id == user_id)
        .values(token_version=User.token_version + 1, **values)
    )
    async with database.writing() as connection:
        if not (await connection.execute(statement)).rowcount:
            raise NotFoundError(details={"resource": "user", "id": str(user_id)})
