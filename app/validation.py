"""Pydantic's errors, rewritten as {field, message} in words a county clerk understands, in both languages."""

from collections.abc import Iterable, Mapping
from typing import Any

from app.errors import Msg, field_error

_FORMAT_HINTS = {
    "phone": Msg("请填写11位手机号码", "must be an 11-digit mobile number"),
    "hukou_county": Msg("请填写6位行政区划代码，如 450225", "must be a 6-digit division code such as 450225"),
    "county_code": Msg("请填写6位行政区划代码，如 441900", "must be a 6-digit division code such as 441900"),
    "skills": Msg("请填写职业代码，如 4-03-02-05", "must be CSCO codes such as 4-03-02-05"),
    "desired_occupations": Msg("请填写职业代码，如 4-03-02-05", "must be CSCO codes such as 4-03-02-05"),
    "occupation_code": Msg("请填写职业代码，如 4-03-02-05", "must be a CSCO code such as 4-03-02-05"),
}


def _message(err: Mapping[str, Any], field: str) -> Msg:
    kind, ctx = err["type"], err.get("ctx") or {}
    base_field = field.split(".")[0]
    if kind == "invalid" and "zh" in ctx:
        return Msg(ctx["zh"], ctx["en"])
    if kind == "missing":
        return Msg("必填项，不能缺少", "this field is required")
    if kind == "extra_forbidden":
        return Msg("系统不接受该字段，请删除", "unknown field: it cannot be set")
    if kind == "string_pattern_mismatch":
        return _FORMAT_HINTS.get(base_field, Msg("格式不正确", "wrong format"))
    if kind == "literal_error":
        expected = str(ctx.get("expected"))
        return Msg(f"应为以下之一：{expected.replace(' or ', '、')}", f"must be one of {expected}")
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        return Msg(
            f"不能小于 {limit}" if kind == "greater_than_equal" else f"必须大于 {limit}",
            f"must be at least {limit}" if kind == "greater_than_equal" else f"must be more than {limit}",
        )
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        return Msg(f"不能大于 {limit}", f"must be at most {limit}")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return Msg("应为整数", "must be a whole number")
    if kind in ("bool_parsing", "bool_type"):
        return Msg("应为“是”或“否”（true/false）", "must be true or false")
    if kind.startswith("date") or kind.startswith("datetime"):
        return Msg("日期格式应为 YYYY-MM-DD", "must be a date written YYYY-MM-DD")
    if kind == "string_too_short":
        return Msg("不能为空", "must not be empty")
    if kind in ("string_too_long", "too_long"):
        return Msg(f"太长了，最多 {ctx.get('max_length')}", f"too long: at most {ctx.get('max_length')}")
    if kind in ("string_type", "list_type", "dict_type", "model_attributes_type", "model_type"):
        return Msg("类型不正确", "wrong type of value")
    if kind == "json_invalid":
        return Msg("请求内容不是有效的 JSON", "the request body is not valid JSON")
    return Msg("数据格式不正确", err.get("msg", "not valid"))


def field_name(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "body"


def translate(errors: Iterable[Mapping[str, Any]], row: int | None = None) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        field = field_name(err.get("loc", ()))
        out.append(field_error(field, _message(err, field), row))
    return out
