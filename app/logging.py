"""Logging that cannot leak ID numbers, phone numbers, keys or submitted values, whatever a caller logs."""

import logging
import re
import traceback
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi.exceptions import RequestValidationError, ResponseValidationError
from pydantic import ValidationError

from app.pii import redact

_installed = False

# A key in a URL (`?key=…`, `&access_token=…`) or anywhere in a message (lb_<prefix>_<secret>).
_QUERY_SECRET_RE = re.compile(r"(?i)([?&;](?:key|api_key|apikey|token|access_token)=)[^&;\s\"']*")
_API_KEY_RE = re.compile(r"\b(lb_[0-9a-f]{8}_)[A-Za-z0-9_-]+")
_PLAIN = (int, float, bool, type(None))


def scrub(text: str) -> str:
    """The text with ID numbers and phones masked and secrets replaced by ***."""
    text = _QUERY_SECRET_RE.sub(r"\1***", text)
    return redact(_API_KEY_RE.sub(r"\1***", text))


def _validation_summary(exc: BaseException) -> str:
    """Where and why a validation failed, without the submitted values pydantic puts in its message."""
    errors = exc.errors() if isinstance(exc, ValidationError | RequestValidationError | ResponseValidationError) else []
    parts = [f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('type')}" for err in errors]
    return f"{len(parts)} validation error(s): " + "; ".join(parts)


def _is_validation_error(exc: BaseException) -> bool:
    return isinstance(exc, ValidationError | RequestValidationError | ResponseValidationError)


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _clean_arg(arg: Any) -> Any:
    if isinstance(arg, BaseException) and _is_validation_error(arg):
        return _validation_summary(arg)
    if isinstance(arg, str):
        return scrub(arg)
    if isinstance(arg, _PLAIN) and not isinstance(arg, int):
        return arg
    text = str(arg)  # an int can be a phone number; other objects print whatever they hold
    clean = scrub(text)
    return arg if clean == text else clean


def _without_inputs(args: Any) -> Any:
    if isinstance(args, tuple):
        return tuple(
            _validation_summary(a) if isinstance(a, BaseException) and _is_validation_error(a) else a for a in args
        )
    return args


def _clean_exception(exc_info: Any) -> str:
    text = "".join(traceback.format_exception(*exc_info)).rstrip("\n")
    for exc in _chain(exc_info[1]):
        if _is_validation_error(exc):
            raw = str(exc)
            if raw:
                text = text.replace(raw, _validation_summary(exc))
    return scrub(text)


def clean_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record in place, keeping `args` a tuple or mapping so formatters that read them still work.

    uvicorn's access formatter unpacks `args` itself, so a record must keep its shape; only values change.
    Tracebacks are rendered here once, with validation errors reduced to their locations, so no formatter
    can print a submitted value from an exception.
    """
    original = record.args
    if isinstance(record.msg, str):
        record.msg = scrub(record.msg)
    if isinstance(original, Mapping):
        record.args = {k: _clean_arg(v) for k, v in original.items()}
    elif isinstance(original, tuple):
        record.args = tuple(_clean_arg(a) for a in original)
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = _clean_exception(record.exc_info)
        record.exc_info = None  # the cleaned text is the traceback; nothing may render the raw one
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    try:
        message: str | None = record.getMessage()
    except Exception:  # e.g. "%d" given a phone number that is now masked text
        message = None
    if message is None or scrub(message) != message:
        # The clean arguments do not format, or a secret forms only across template and arguments:
        # keep the formatted text, cleaned, and no arguments.
        try:
            record.args = _without_inputs(original)
            text = record.getMessage()
        except Exception:  # a malformed log call must not take the request down, nor print its arguments
            text = str(record.msg)
        record.msg, record.args = scrub(text), ()
    return record


def install_redaction() -> None:
    """Wrap the record factory once, so every record from every logger is redacted at birth."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return clean_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
