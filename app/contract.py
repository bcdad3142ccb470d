"""The API keeps to its OpenAPI document: the framework's own answers in the project's error shape, and a
document that declares what every route can answer (tests/platform/test_openapi_contract.py holds it to it)."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException
from starlette.routing import Match

from app.errors import AppError, BadRequest, ErrorBody, MethodNotAllowed, Msg, NotFound

ERROR_REF = "#/components/schemas/ErrorBody"
NO_SUCH_ADDRESS = Msg("找不到该地址，请检查网址", "no such address; check the URL")
HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")


def framework_error(request: Request, exc: HTTPException) -> AppError:
    """Starlette's and FastAPI's own refusals (no route, wrong method, unreadable body) as our errors."""
    if exc.status_code == 405:
        return MethodNotAllowed(", ".join(allowed_methods(request)))
    if exc.status_code == 404:
        not_found = NotFound("address")
        not_found.msg = NO_SUCH_ADDRESS
        return not_found
    if exc.status_code == 400:
        return BadRequest()
    other = AppError(Msg("请求无法处理", str(exc.detail)), headers=dict(exc.headers or {}))
    other.status_code, other.code = exc.status_code, "http_error"
    return other


def allowed_methods(request: Request) -> list[str]:
    """Every method some route offers at this path (Starlette's own `Allow` names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "_"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return [m for m in HTTP_METHODS if m in methods]


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus what every route can answer, declared once here instead of on each route."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorBody" not in schemas:  # a document whose routes declare no error of their own
        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(body.pop("$defs", {}), ErrorBody=body)
    # 422s are rendered by our handler as ErrorBody, never as FastAPI's HTTPValidationError.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            _declare_common_answers(operation)
    app.openapi_schema = doc
    return doc


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}


def _declare_common_answers(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if "422" in responses:
        responses["422"] = _error("validation_error")
    if "requestBody" in operation:
        responses.setdefault("400", _error("bad_request: the body is not UTF-8 JSON"))
    if operation.get("security"):
        responses.setdefault("401", _error("unauthenticated"))
    for param in operation.get("parameters", []):
        if param["in"] == "header" and param["name"].lower() == "if-match":
            # Required, though optional to FastAPI: a PATCH without it is refused with 428, not 422.
            param["required"] = True
            param["schema"] = {"type": "string", "title": "If-Match"}
