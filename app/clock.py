"""The product's calendar runs on China Standard Time."""

from datetime import date, datetime, timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")


def today() -> date:
    return datetime.now(CST).date()
