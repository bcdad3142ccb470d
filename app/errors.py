"""Errors as types: each carries its HTTP status; one handler renders {"error", "detail"}."""

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from matching.bilingual import zh_en


@dataclass(frozen=True)
class Msg:
    """A message a county clerk can read, in Chinese and English."""

    zh: str
    en: str

    def text(self) -> str:
        return zh_en(self.zh, self.en)


def field_error(field: str, msg: Msg, row: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"field": field, "message": msg.text(), "message_zh": msg.zh, "message_en": msg.en}
    if row is not None:
        item = {"row": row, **item}
    return item


class NotEnoughHistory(ValueError):
    """Too little recorded history to fit a model: a batch command skips and says so; any other ValueError is a bug."""


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


class Duplicate(Conflict):
    """A request without Idempotency-Key that repeats one just recorded: likely a retry, so nothing is added."""

    code = "duplicate"

    def __init__(self, msg: Msg, existing_id: int) -> None:
        super().__init__(msg)
        self.existing_id = existing_id

    def body(self) -> dict[str, Any]:
        return {**super().body(), "existing_id": self.existing_id}


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"

    def __init__(self, limit_bytes: int, upload: bool = True) -> None:
        size = f"{limit_bytes // (1024 * 1024)} MB" if limit_bytes >= 1024 * 1024 else f"{limit_bytes // 1024} KB"
        if upload:
            msg = Msg(f"文件太大（上限 {size}），请拆分后分批导入", f"the file is larger than {size}; split it")
        else:
            msg = Msg(f"提交的内容太大（上限 {size}）", f"the request body is larger than {size}")
        super().__init__(msg, headers={"Connection": "close"})


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            Msg(
                f"密钥错误次数过多，请 {retry_after} 秒后再试",
                f"too many wrong keys from this address; retry in {retry_after} seconds",
            ),
            headers={"Retry-After": str(retry_after)},
        )


class BadRequest(AppError):
    status_code = 400
    code = "bad_request"

    def __init__(self, msg: Msg | None = None) -> None:
        super().__init__(
            msg or Msg("请求内容无法读取：应为 UTF-8 编码的 JSON", "the request body is not readable: send UTF-8 JSON")
        )


class MethodNotAllowed(AppError):
    status_code = 405
    code = "method_not_allowed"

    def __init__(self, allow: str) -> None:
        super().__init__(
            Msg(f"该地址不支持此请求方法（可用：{allow}）", f"this method is not allowed here (allowed: {allow})"),
            headers={"Allow": allow},
        )


class PreconditionRequired(AppError):
    status_code = 428
    code = "precondition_required"

    def __init__(self) -> None:
        super().__init__(
            Msg(
                "修改前请先读取记录，并在 If-Match 请求头中带上读取时得到的 ETag",
                "send the ETag you read in the If-Match header, so nobody's update is lost",
            )
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


_ZH = {
    "worker": "劳动者",
    "vacancy": "岗位",
    "placement": "就业记录",
    "follow_up": "回访记录",
    "org": "机构",
    "pairing": "结对关系",
    "allocation": "分配方案",
    "allocation_item": "分配建议",
    # incentives
    "incentive_rule": "奖补规则",
    "incentive_entry": "奖补记录",
    "incentive_batch": "支付批次",
    # training
    "training_demand": "培训需求",
    "training_class": "培训班",
    "enrolment": "培训报名记录",
    # rights cases
    "case": "维权案件",
    # pairings
    "consultation_action": "会商事项",
    "evaluation": "季度评估",
    "proposal": "结对调整建议",
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
    """Every error answer: a code, a message in Chinese and English, and the fields at fault."""

    error: str
    message: str
    detail: list[ErrorItem]
    existing_id: int | None = Field(None, description="error `duplicate`: the id of the record already saved")
