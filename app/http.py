"""Small HTTP helpers shared by routers: ETags, JSON responses, page limits."""

from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from app.errors import PreconditionFailed, PreconditionRequired

MAX_ID = 2_147_483_647  # ids are 32-bit integers on every backend; larger ones cannot exist
Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
# Routes declare ids as `{name:int}`: a word in that place (`/placements/at-risk`) is then another route, or a 405.
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Cursor = Annotated[str | None, Query(description="next_cursor from the previous page")]


def etag(obj_id: int, version: int) -> str:
    return f'"{obj_id}.{version}"'


def if_match_version(header: str | None, obj_id: int) -> int | None:
    """The version named by If-Match (428 without one); a tag for another object or an unreadable one is stale.

    `*` is the client saying, on purpose, that any current version will do.
    """
    if header is None or not header.strip():
        raise PreconditionRequired()
    if header.strip() == "*":
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    obj, _, version = tag.partition(".")
    if obj != str(obj_id) or not version.isdigit():
        raise PreconditionFailed()
    return int(version)


def json_response(model: BaseModel | Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialise a schema straight to JSON bytes (pydantic's serializer is ~20x faster than jsonable_encoder)."""
    if isinstance(model, BaseModel):
        return Response(
            model.model_dump_json(), status_code=status_code, headers=headers, media_type="application/json"
        )
    return JSONResponse(jsonable_encoder(model), status_code=status_code, headers=headers)
