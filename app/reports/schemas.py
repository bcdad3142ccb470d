"""The report's inputs: an ISO week in China Standard Time, a scope, an output format."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, get_args

from app.clock import CST
from app.errors import Msg, ValidationFailed
from matching.features import CHANNEL_NAMES

Format = Literal["json", "csv", "xlsx", "html"]
FORMATS: tuple[str, ...] = get_args(Format)
ScopeKind = Literal["province", "county", "employer", "pairing", "workplace", "school"]
CHANNELS = CHANNEL_NAMES
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO week; its days are China Standard Time calendar days (Monday to Sunday)."""

    year: int
    week: int

    @classmethod
    def parse(cls, text: str, field: str = "week") -> "IsoWeek":
        """`2026-W47` or a 422 naming the field, in words a clerk understands."""
        match = _WEEK.match(text.strip())
        if match is None:
            raise ValidationFailed.one(
                field,
                Msg(
                    f"周次格式应为“年-W周”，如 2026-W47（收到 {text[:20]!r}）",
                    f"a week is written YEAR-Wnn, e.g. 2026-W47 (got {text[:20]!r})",
                ),
            )
        year, week = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValidationFailed.one(
                field, Msg(f"{year} 年没有第 {week} 周", f"{year} has no ISO week {week}")
            ) from None
        if year < 2000:
            raise ValidationFailed.one(field, Msg("周次不能早于 2000 年", "the week must be in 2000 or later"))
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> "IsoWeek":
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def last_complete(cls, today: date) -> "IsoWeek":
        """The latest week whose Sunday is before `today` (CST)."""
        return cls.of(today - timedelta(days=today.isoweekday()))

    @classmethod
    def resolve(cls, text: str | None, today: date, field: str = "week") -> "IsoWeek":
        """The week asked for, which must have ended; none asked for: the last complete week."""
        if text is None:
            return cls.last_complete(today)
        return cls.parse(text, field).check_complete(today, field)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def end_instant(self) -> datetime:
        """The first instant after the week: Monday 00:00 CST of the next week."""
        return datetime.combine(self.sunday + timedelta(days=1), time(0), tzinfo=CST)

    @property
    def start_instant(self) -> datetime:
        return datetime.combine(self.monday, time(0), tzinfo=CST)

    def shift(self, weeks: int) -> "IsoWeek":
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def check_complete(self, today: date, field: str = "week") -> "IsoWeek":
        """Only finished weeks: a report for week W must read the same whenever it is run."""
        if self.sunday >= today:
            latest = IsoWeek.last_complete(today)
            raise ValidationFailed.one(
                field,
                Msg(
                    f"{self} 尚未结束（中国标准时间），只能查看已结束的周，最近一周为 {latest}",
                    f"{self} has not ended yet (China Standard Time); the latest complete week is {latest}",
                ),
            )
        return self


@dataclass(frozen=True)
class Scope:
    """Whose placements a report counts: the province, a county's workers, an employer's vacancies, a pairing."""

    kind: ScopeKind
    code: str | None = None  # division code for county and workplace (a county, prefecture or province region)
    org_id: int | None = None  # employer or training school
    pairing_id: int | None = None
    # Filled in by the service from reference data: where a pairing sends from and to.
    west_code: str | None = None
    east_code: str | None = None

    @property
    def slug(self) -> str:
        """A file name stem: province, county-450225, employer-12, pairing-3."""
        if self.kind == "county":
            return f"county-{self.code}"
        if self.kind == "employer":
            return f"employer-{self.org_id}"
        if self.kind == "pairing":
            return f"pairing-{self.pairing_id}"
        if self.kind == "workplace":
            return f"workplace-{self.code}"
        if self.kind == "school":
            return f"school-{self.org_id}"
        return "province"


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in China Standard Time: the period of a monthly consultation pack."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str, field: str = "month") -> "Month":
        """`2026-11` or a 422 naming the field."""
        match = _MONTH.match(text.strip())
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise ValidationFailed.one(
                field,
                Msg(
                    f"月份格式应为“年-月”，如 2026-11（收到 {text[:20]!r}）",
                    f"a month is written YYYY-MM, e.g. 2026-11 (got {text[:20]!r})",
                ),
            )
        if int(match.group(1)) < 2000:
            raise ValidationFailed.one(field, Msg("月份不能早于 2000 年", "the month must be in 2000 or later"))
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> "Month":
        return cls(day.year, day.month)

    @classmethod
    def resolve(cls, text: str | None, today: date, field: str = "month") -> "Month":
        """The month asked for, which must have ended; none asked for: last month."""
        latest = cls.of(today).shift(-1)
        if text is None:
            return latest
        month = cls.parse(text, field)
        if month > latest:
            raise ValidationFailed.one(
                field,
                Msg(
                    f"{month} 尚未结束（中国标准时间），只能查看已结束的月份，最近为 {latest}",
                    f"{month} has not ended yet (China Standard Time); the latest complete month is {latest}",
                ),
            )
        return month

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return self.shift(1).first - timedelta(days=1)

    @property
    def end_instant(self) -> datetime:
        """The first instant after the month: the next month's first day, 00:00 CST."""
        return datetime.combine(self.shift(1).first, time(0), tzinfo=CST)

    @property
    def start_instant(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=CST)

    def shift(self, months: int) -> "Month":
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter in China Standard Time: the period of a quarterly evaluation (季评估)."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str, field: str = "quarter") -> "Quarter":
        """`2026-Q3` or a 422 naming the field."""
        match = _QUARTER.match(text.strip().upper())
        if match is None:
            raise ValidationFailed.one(
                field,
                Msg(
                    f"季度格式应为“年-Q季”，如 2026-Q3（收到 {text[:20]!r}）",
                    f"a quarter is written YYYY-Qn, e.g. 2026-Q3 (got {text[:20]!r})",
                ),
            )
        if int(match.group(1)) < 2000:
            raise ValidationFailed.one(field, Msg("季度不能早于 2000 年", "the quarter must be in 2000 or later"))
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def resolve(cls, text: str | None, today: date, field: str = "quarter") -> "Quarter":
        """The quarter asked for, which must have ended; none asked for: last quarter."""
        latest = cls.of(today).shift(-1)
        if text is None:
            return latest
        quarter = cls.parse(text, field)
        if quarter > latest:
            raise ValidationFailed.one(
                field,
                Msg(
                    f"{quarter} 尚未结束（中国标准时间），只能评估已结束的季度，最近为 {latest}",
                    f"{quarter} has not ended yet (China Standard Time); the latest finished quarter is {latest}",
                ),
            )
        return quarter

    @property
    def first_month(self) -> Month:
        return Month(self.year, 3 * self.quarter - 2)

    @property
    def first(self) -> date:
        return self.first_month.first

    @property
    def last(self) -> date:
        return self.first_month.shift(2).last

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def end_instant(self) -> datetime:
        """The first instant after the quarter: the next quarter's first day, 00:00 CST."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=CST)

    def shift(self, quarters: int) -> "Quarter":
        index = self.year * 4 + self.quarter - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"
