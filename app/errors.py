"""Errors as types: each carries its HTTP status; one handler renders {"error", "detail"}."""

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Msg:
    """A message a county clerk can read, in Chinese and English."""

    zh: str
    en: str

    def text(self) -> str:
        return f"{self.zh} / {self.en}"


def field_error(field: str, msg: Msg, row: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"field": field, "message": msg.text(), "message_zh": msg.zh, "message_en": msg.en}
    if row is not None:
        item = {"row": row, **item}
    return item


class AppError(Exception):
    status_code = 500
    code = "internal_error"

    def __init__(
        self, msg: Msg, detail: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(msg.en)
        self.msg = msg
        self.detail = detail
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "message": self.msg.text(),
            "detail": self.detail if self.detail is not None else [],
        }


class ValidationFailed(AppError):
    status_code = 422
    code = "validation_error"

    def __init__(self, detail: list[dict[str, Any]], msg: Msg | None = None) -> None:
        super().__init__(msg or Msg("提交的数据有误，请按提示修改", "Some fields are not valid"), detail)

    @classmethod
    def one(cls, field: str, msg: Msg) -> "ValidationFailed":
        return cls([field_error(field, msg)])


class Unauthenticated(AppError):
    status_code = 401
    code = "unauthenticated"

    def __init__(self, msg: Msg | None = None) -> None:
        super().__init__(
            msg or Msg("缺少或无效的 API 密钥", "Missing or invalid API key"), headers={"WWW-Authenticate": "Bearer"}
        )


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"

    def __init__(self, what: str) -> None:
        super().__init__(Msg(f"找不到该{_ZH.get(what, what)}", f"{what} not found"))


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"

    def __init__(self, limit_bytes: int) -> None:
        mb = limit_bytes // (1024 * 1024)
        super().__init__(
            Msg(f"文件太大（上限 {mb} MB），请拆分后分批导入", f"the file is larger than {mb} MB; split it")
        )


class PreconditionFailed(AppError):
    status_code = 412
    code = "precondition_failed"

    def __init__(self) -> None:
        super().__init__(
            Msg(
                "记录已被他人修改，请重新读取后再提交", "The record changed since you read it; fetch it again and retry"
            )
        )


class PreconditionRequired(AppError):
    status_code = 428
    code = "precondition_required"

    def __init__(self) -> None:
        super().__init__(
            Msg(
                "请先读取该记录，并在 If-Match 请求头中带上它的 ETag 再提交",
                "Send the record's ETag in an If-Match header (read it first)",
            )
        )


_ZH = {
    "worker": "劳动者",
    "vacancy": "岗位",
    "placement": "就业记录",
    "follow_up": "回访记录",
    "org": "机构",
    "pairing": "结对关系",
    "allocation": "分配方案",
    "allocation_item": "分配建议",
}


def responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route, so clients see what can go wrong."""
    out: dict[int | str, dict[str, Any]] = {}
    for err in errors:
        out[err.status_code] = {"description": err.code, "model": ErrorBody}
    return out


class ErrorItem(BaseModel):
    field: str
    message: str
    message_zh: str | None = None
    message_en: str | None = None
    row: int | None = None


class ErrorBody(BaseModel):
    error: str
    message: str
    detail: list[ErrorItem]
