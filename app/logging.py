"""Logging that cannot leak ID numbers or phone numbers, whatever a caller formats into a message."""

import logging

from app.pii import redact

_installed = False


def install_redaction() -> None:
    """Wrap the record factory once, so every record from every logger is redacted at birth."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)  # type: ignore[arg-type]
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not take the request down
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
