"""The RFC 9457 problem document every error response carries (``application/problem+json``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"


class InvalidParam(BaseModel):
    """One invalid input: where it is, what is wrong, and the machine-readable kind."""

    location: list[str | int] = Field(examples=[["body", "email"]])
    message: str = Field(examples=["Not a valid email address"])
    type: str = Field(examples=["email"])


class Problem(BaseModel):
    """An error response; members beyond the standard ones depend on ``code``."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:problem:not_found",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "The requested resource was not found.",
                    "code": "not_found",
                    "instance": "/api/v1/widgets/0193",
                    "request_id": "5f0c6c0e9b7a4d7e",
                }
            ]
        },
    )

    type: str = Field("about:blank", description="URI naming the kind of problem")
    title: str = Field(description="Short summary of the kind of problem")
    status: int = Field(ge=400, le=599, description="The HTTP status code")
    detail: str | None = Field(None, description="Explanation of this occurrence")
    instance: str | None = Field(None, description="The request path")
    code: str = Field(description="Stable machine-readable error code")
    request_id: str | None = Field(None, description="Id of the request, for support")
    errors: list[InvalidParam] | None = Field(None, description="Each invalid input (422)")
