"""Spreadsheet import of worker profiles: stream the file, validate every row, store all rows or none."""

import codecs
import csv
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import islice, zip_longest
from typing import IO, Any, Literal
from xml.etree.ElementTree import ParseError

import numpy as np
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app import authz, labels
from app.authz import Action, Resource
from app.clock import today
from app.db import utcnow
from app.errors import Msg, ValidationFailed, field_error
from app.orgs.service import Principal
from app.pii import PiiVault, redact
from app.reference import service as reference
from app.validation import translate
from app.workers import repository, service
from app.workers.idnumber import CHECK_CHARS, CHECK_WEIGHTS, make_id_number
from app.workers.schemas import CHANNELS, EDUCATION_LEVELS, MIN_WORKING_AGE, ImportResult, WorkerCreate

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Big enough that per-statement overhead vanishes, small enough that a batch is a few MB.
BATCH_ROWS = 2000
_ZIP_SIGNATURE = b"PK\x03\x04"
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # the old binary .xls
_CHUNK = 1 << 20

Kind = Literal["text", "id", "int", "bool", "list", "choice"]


@dataclass(frozen=True)
class Column:
    name: str  # the WorkerCreate field, and the English header
    zh: str
    kind: Kind
    required: bool
    example: str
    hint_zh: str
    hint_en: str

    @property
    def header(self) -> str:
        return f"{self.zh} {self.name}"


EXAMPLE_EXTERNAL_ID = "示例 EXAMPLE"
COLUMNS = (
    Column(
        "external_id", "外部编号", "text", True, EXAMPLE_EXTERNAL_ID, "本机构内唯一的编号", "unique within your office"
    ),
    Column(
        "id_number",
        "身份证号",
        "id",
        True,
        make_id_number("450225", date(1995, 3, 14), 123),
        "18位，请设为文本格式",
        "18 characters; keep the column as Text",
    ),
    Column("name", "姓名", "text", True, "韦小红", "", ""),
    Column("phone", "手机号", "text", False, "13812340000", "11位手机号", "11-digit mobile number"),
    Column("hukou_county", "户籍县", "text", True, "450225", "6位县级区划代码", "6-digit county code (GB/T 2260)"),
    Column(
        "education",
        "文化程度",
        "choice",
        True,
        "初中",
        "/".join(labels.template_words("education", EDUCATION_LEVELS)),
        ", ".join(EDUCATION_LEVELS),
    ),
    Column(
        "skills", "技能职业代码", "list", False, "6-05-01-01", "职业代码，多个用;分隔", "CSCO 2022 codes, ; between"
    ),
    Column("past_jobs", "过往工作", "list", False, "电子厂普工;缝纫工", "多个用;分隔", "job titles, ; between"),
    Column(
        "desired_occupations",
        "意向职业代码",
        "list",
        False,
        "6-25-04-00",
        "职业代码，多个用;分隔",
        "CSCO 2022 codes, ; between",
    ),
    Column(
        "channel_preference",
        "就业渠道",
        "choice",
        False,
        "异地转移",
        "/".join(labels.template_words("channel", CHANNELS)) + f"（默认{labels.zh('channel', 'any')}）",
        ", ".join(CHANNELS) + " (default any)",
    ),
    Column("expected_wage", "期望月薪", "int", False, "4500", "元/月，整数", "yuan a month, whole number"),
    Column("registered_low_income", "建档立卡", "bool", False, "是", "是/否（默认否）", "yes/no (default no)"),
    Column("monitored_household", "监测户", "bool", False, "否", "是/否（默认否）", "yes/no (default no)"),
    Column("dependants", "赡养人数", "int", False, "1", "整数，默认0", "whole number, default 0"),
    Column("consent_to_share", "同意共享", "bool", False, "否", "是/否（默认否）", "yes/no (default no)"),
)

_BOOLS = {
    **dict.fromkeys(("是", "true", "1", "y", "yes"), True),
    **dict.fromkeys(("否", "false", "0", "n", "no"), False),
}
# The Chinese words a clerk types for each code, from the product's one table of labels.
_VOCABULARY = {"education": "education", "channel_preference": "channel"}
_CODES = {"education": EDUCATION_LEVELS, "channel_preference": CHANNELS}
_LIST_SEPARATORS = re.compile(r"[;；、,，]")
# The same split with the blanks around each separator taken in: the parts of a stripped cell come out stripped.
_SPACED_SEPARATORS = re.compile(r"\s*[;；、,，]\s*")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+\.0*")
_HEADER_NOISE = re.compile(r"[\s\ufeff_\-/()（）:：*]+")

UNKNOWN_COLUMN = Msg("无法识别的列，请使用模板中的表头", "unknown column: use the template's headers")
NO_HEADER = Msg(
    "该列没有表头，数据无法导入：请补上表头或删除这些内容",
    "a value in a column without a header: add the header or delete the value",
)
EXAMPLE_ROW = Msg(
    "这是模板中的示例行，请删除后再上传", "this is the template's example row: delete it before uploading"
)
NUMERIC_ID = Msg(
    "身份证号被存成了数字，Excel 只保留15位有效数字，后几位可能已丢失；请把该列设为“文本”后重新填写",
    "the ID number was stored as a number and Excel keeps only 15 digits; format the column as Text and retype it",
)


def _norm(text: str) -> str:
    return _HEADER_NOISE.sub("", text).lower()


_BY_HEADER = {
    key: col
    for col in COLUMNS
    for key in (_norm(col.name), _norm(col.zh), _norm(col.zh + col.name), _norm(col.name + col.zh))
}


def _file_error(msg: Msg) -> ValidationFailed:
    return ValidationFailed([field_error("file", msg)], msg)


# ---------------------------------------------------------------- the template


def template(format: Literal["csv", "xlsx"]) -> tuple[bytes, str]:
    """The spreadsheet a county office fills in: one header row in both languages, one example row."""
    headers = [c.header for c in COLUMNS]
    example = [c.example for c in COLUMNS]
    if format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerow(example)
        # The BOM is how Excel knows the file is UTF-8 and not the system's GBK.
        return ("\ufeff" + out.getvalue()).encode("utf-8"), CSV_MEDIA_TYPE
    return _template_xlsx(headers, example), XLSX_MEDIA_TYPE


def _template_xlsx(headers: list[str], example: list[str]) -> bytes:
    """Text-formatted code columns and drop-downs, so Excel does not mangle what the clerk types."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "劳动者 workers"
    ws.append(headers)
    ws.append(example)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for i, col in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        head = ws.cell(row=1, column=i)
        head.font = Font(bold=True)
        if col.required:
            head.fill = required_fill
        dim = ws.column_dimensions[letter]
        dim.width = max(14, len(col.header) + 6)
        if col.kind in ("text", "id", "list", "choice"):
            # Text, so Excel keeps the 18 digits of an ID number and the leading digits of codes.
            dim.number_format = "@"
            ws.cell(row=2, column=i).number_format = "@"
        if col.kind in ("bool", "choice"):
            options = (
                "是,否"
                if col.kind == "bool"
                else ",".join(labels.template_words(_VOCABULARY[col.name], _CODES[col.name]))
            )
            check = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True, showErrorMessage=False)
            check.add(f"{letter}2:{letter}200000")
            ws.add_data_validation(check)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明 notes")
    notes.append(["列 column", "必填 required", "说明", "notes"])
    for col in COLUMNS:
        notes.append([col.header, "是 yes" if col.required else "否 no", col.hint_zh, col.hint_en])
    notes.append([])
    notes.append(["只导入第一个工作表；第1行为表头，从第2行起每行一名劳动者。示例行请删除。"])
    notes.append(
        ["Only the first sheet is read; row 1 is the header, one worker a row from row 2. Delete the example."]
    )
    for letter, width in zip("ABCD", (28, 14, 40, 60), strict=True):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- reading the file


def file_digest(fileobj: IO[bytes]) -> str:
    """The upload's sha256, so a retried upload of the same bytes is recognised (the file is rewound)."""
    fileobj.seek(0)
    digest = hashlib.sha256()
    while chunk := fileobj.read(_CHUNK):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def _file_kind(fileobj: IO[bytes], filename: str) -> Literal["csv", "xlsx"]:
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if not head:
        raise _file_error(Msg("上传的文件是空的", "the uploaded file is empty"))
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if head.startswith(_ZIP_SIGNATURE) and ext in ("xlsx", "xlsm", "csv", ""):
        return "xlsx"  # a workbook, even if somebody renamed it
    if ext == "csv" and not head.startswith(_OLE_SIGNATURE):
        return "csv"
    if ext == "xls" or head.startswith(_OLE_SIGNATURE):
        raise _file_error(
            Msg(
                "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV",
                "old .xls files are not read: save as .xlsx or CSV",
            )
        )
    if ext in ("xlsx", "xlsm"):
        raise _file_error(
            Msg("该文件名为 .xlsx，但内容不是 Excel 工作簿", "the file is named .xlsx but is not an Excel workbook")
        )
    raise _file_error(
        Msg(
            "文件应为 .xlsx 或 .csv（请使用导入模板）",
            "the file must be an .xlsx workbook or a .csv file (use the template)",
        )
    )


def _text_encoding(fileobj: IO[bytes]) -> str:
    """UTF-8 if the bytes are UTF-8, else GB18030 (what Chinese Excel writes as "CSV"); checked before any row."""
    for encoding in ("utf-8", "gb18030"):
        fileobj.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := fileobj.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        fileobj.seek(0)
        return "utf-8-sig" if encoding == "utf-8" else encoding
    raise _file_error(
        Msg(
            "无法识别文件编码：请在 Excel 中另存为“CSV UTF-8”或 .xlsx",
            "the file is neither UTF-8 nor GB18030 text: save it as 'CSV UTF-8' or .xlsx",
        )
    )


@contextmanager
def _csv_rows(fileobj: IO[bytes]) -> Iterator[Iterator[list[Any]]]:
    text = io.TextIOWrapper(fileobj, encoding=_text_encoding(fileobj), newline="")
    try:

        def rows() -> Iterator[list[Any]]:
            reader = csv.reader(text)
            try:
                yield from reader
            except csv.Error as exc:
                raise ValidationFailed(
                    [
                        field_error(
                            "file", Msg(f"CSV 格式有误：{exc}", f"the CSV cannot be read: {exc}"), reader.line_num
                        )
                    ]
                ) from None

        yield rows()
    finally:
        text.detach()  # leave the upload open: the framework closes it


@contextmanager
def _xlsx_rows(fileobj: IO[bytes]) -> Iterator[Iterator[tuple[Any, ...]]]:
    unreadable = Msg(
        "无法读取该 .xlsx 文件，请在 Excel 中重新保存", "the .xlsx file cannot be read: save it again in Excel"
    )
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError, zlib.error, ParseError):
        raise _file_error(unreadable) from None
    try:
        if not wb.worksheets:
            raise _file_error(unreadable)
        sheet = wb.worksheets[0]  # the template's first sheet; "说明 notes" and others are not read
        # Some programs write a wrong <dimension>; trusting it would cut rows and columns off without a word.
        sheet.reset_dimensions()

        def rows() -> Iterator[tuple[Any, ...]]:
            try:
                yield from sheet.iter_rows(values_only=True)
            except (ParseError, zipfile.BadZipFile, zlib.error, EOFError):
                raise _file_error(unreadable) from None

        yield rows()
    finally:
        wb.close()


# ---------------------------------------------------------------- cells to field values


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        value = value.strip()
        if _WHOLE_NUMBER.fullmatch(value):
            return value.split(".", 1)[0]
    return value


def _bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    text = _as_text(value)
    return _BOOLS.get(text.lower(), text)


def _list(value: Any) -> Any:
    return [part for part in (p.strip() for p in _LIST_SEPARATORS.split(_as_text(value))) if part]


def _choice(vocabulary: str, codes: tuple[str, ...]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        return labels.to_code(vocabulary, _as_text(value), codes)

    return convert


def _converter(col: Column) -> Callable[[Any], Any]:
    if col.kind == "choice":
        return _choice(_VOCABULARY[col.name], _CODES[col.name])
    return {"text": _as_text, "id": _as_text, "int": _int, "bool": _bool, "list": _list}[col.kind]


_CONVERTERS = {col.name: _converter(col) for col in COLUMNS}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _converted(value: Any, convert: Callable[[Any], Any]) -> Any:
    """A cell as its field's value, or None where the cell says nothing (empty, blanks, an empty list)."""
    if value is None or value == "":
        return None
    converted = convert(value)
    return None if converted == "" or converted == [] else converted


def _convert_column(name: str, cells: list[Any]) -> list[Any]:
    """One column of a batch; plain text cells, nearly all of a CSV, take shortcuts with the same results."""
    convert = _CONVERTERS[name]
    kind = _KINDS[name]
    if kind in ("text", "id"):
        return [(v.strip() or None) if type(v) is str else _converted(v, convert) for v in cells]
    if kind in ("bool", "choice"):  # text that converts to a value of its own: "是", "true", "初中", "local"
        direct = _DIRECT[name]
        return [direct[v] if type(v) is str and v in direct else _converted(v, convert) for v in cells]
    if kind == "int":  # digits only: _int() keeps them as they are
        return [v if type(v) is str and v.isdigit() else _converted(v, convert) for v in cells]
    split = _SPACED_SEPARATORS.split
    return [
        [part for part in split(v.strip()) if part] or None if type(v) is str else _converted(v, convert) for v in cells
    ]


_KINDS = {col.name: col.kind for col in COLUMNS}


def _choice_words(name: str) -> dict[str, str]:
    """Every code and Chinese word a clerk may type in a choice column, with the code it stands for."""
    codes = _CODES[name]
    words = {word: code for word, code in labels.words(_VOCABULARY[name]).items() if code in codes}
    return {**{code: code for code in codes}, **words}


# Cells whose converted value is known without converting: the keys are what the converter makes of them.
_DIRECT: dict[str, dict[str, Any]] = {
    name: _BOOLS if kind == "bool" else _choice_words(name)
    for name, kind in _KINDS.items()
    if kind in ("bool", "choice")
}


# ---------------------------------------------------------------- column-wise validation
#
# Most rows of a real file are valid, so each column of a batch is checked at once with plain set, length and
# character tests (and numpy for the ID numbers). The checks accept only values that WorkerCreate accepts
# unchanged; a row that fails any of them is validated by WorkerCreate itself, which gives its exact errors.

_FIELDS = tuple(WorkerCreate.model_fields)  # the order of a row's values from here on
assert set(_FIELDS) == set(_KINDS), "the template's columns must be WorkerCreate's fields"
_REJECT = object()  # "not sure it is valid": the row goes through WorkerCreate
_EDUCATION = frozenset(EDUCATION_LEVELS)
_CHANNEL = frozenset(CHANNELS)
_CSCO_FORMAT = re.compile(r"\d-\d\d-\d\d-\d\d", re.ASCII)
_ID_WEIGHTS = np.array(CHECK_WEIGHTS, dtype=np.int64)
_ID_CHECK = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)
_DATE_PLACES = np.array([1000, 100, 10, 1, 10, 1, 10, 1], dtype=np.int64)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _text_values(cells: list[Any], max_length: int, required: bool) -> list[Any]:
    return [
        (_REJECT if required else None) if v is None else v if len(v) <= max_length and "\x00" not in v else _REJECT
        for v in cells
    ]


def _phone_values(cells: list[Any]) -> list[Any]:
    return [
        v
        if v is None or (len(v) == 11 and v.isascii() and v.isdigit() and v[0] == "1" and v[1] in "3456789")
        else _REJECT
        for v in cells
    ]


def _county_values(cells: list[Any]) -> list[Any]:
    return [v if v is not None and len(v) == 6 and v.isascii() and v.isdigit() else _REJECT for v in cells]


def _choice_values(cells: list[Any], allowed: frozenset[str], default: str | None) -> list[Any]:
    if default is None:
        return [v if v in allowed else _REJECT for v in cells]
    return [default if v is None else v if v in allowed else _REJECT for v in cells]


def _code_list_values(cells: list[Any], known: frozenset[str]) -> list[Any]:
    """Lists of CSCO codes that are in the reference table (so no reference error either)."""
    return [[] if v is None else v if len(v) <= 30 and known.issuperset(v) else _REJECT for v in cells]


def _title_list_values(cells: list[Any]) -> list[Any]:
    return [
        [] if v is None else v if len(v) <= 30 and all(len(t) <= 100 and "\x00" not in t for t in v) else _REJECT
        for v in cells
    ]


def _int_values(cells: list[Any], low: int, high: int, default: int | None) -> list[Any]:
    out: list[Any] = []
    for v in cells:
        if v is None:
            out.append(default)
            continue
        if type(v) is str and v.isascii() and v.isdigit() and len(v) <= 7 and (v[0] != "0" or len(v) == 1):
            v = int(v)
        out.append(v if type(v) is int and low <= v <= high else _REJECT)
    return out


def _bool_values(cells: list[Any]) -> list[Any]:
    return [False if v is None else v if v is True or v is False else _REJECT for v in cells]


def _id_values(cells: list[Any], on: date) -> list[Any]:
    """GB 11643 numbers, upper-cased, whose checksum and birth date hold and whose holder is 16 or older."""
    out: list[Any] = [_REJECT] * len(cells)
    where = [i for i, v in enumerate(cells) if v is not None and len(v) == 18 and v.isascii()]
    if not where:
        return out
    numbers = [cells[i].upper() for i in where]
    chars = np.frombuffer("".join(numbers).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
    digits = chars[:, :17].astype(np.int64) - ord("0")
    last = chars[:, 17]
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1) & (((last >= ord("0")) & (last <= ord("9"))) | (last == ord("X")))
    ok &= _ID_CHECK[(digits @ _ID_WEIGHTS) % 11] == last
    year = digits[:, 6:10] @ _DATE_PLACES[:4]
    month = digits[:, 10:12] @ _DATE_PLACES[4:6]
    day = digits[:, 12:14] @ _DATE_PLACES[6:]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    # 16 or older on `on`, which also rules out a birth date in the future.
    ok &= (year + MIN_WORKING_AGE) * 10_000 + month * 100 + day <= on.year * 10_000 + on.month * 100 + on.day
    for i, number, good in zip(where, numbers, ok.tolist(), strict=True):
        if good:
            out[i] = number
    return out


def _checked_columns(
    columns: dict[str, list[Any]], occupations: frozenset[str], on: date
) -> tuple[dict[str, list[Any]], list[bool]]:
    """Each field's values as WorkerCreate would give them (defaults filled in), and per row whether every
    column check passed; a value no check could pass is _REJECT."""
    checked = {
        "external_id": _text_values(columns["external_id"], 64, required=True),
        "id_number": _id_values(columns["id_number"], on),
        "name": _text_values(columns["name"], 64, required=True),
        "phone": _phone_values(columns["phone"]),
        "hukou_county": _county_values(columns["hukou_county"]),
        "education": _choice_values(columns["education"], _EDUCATION, None),
        "skills": _code_list_values(columns["skills"], occupations),
        "past_jobs": _title_list_values(columns["past_jobs"]),
        "desired_occupations": _code_list_values(columns["desired_occupations"], occupations),
        "channel_preference": _choice_values(columns["channel_preference"], _CHANNEL, "any"),
        "expected_wage": _int_values(columns["expected_wage"], 0, 100_000, None),
        "registered_low_income": _bool_values(columns["registered_low_income"]),
        "monitored_household": _bool_values(columns["monitored_household"]),
        "dependants": _int_values(columns["dependants"], 0, 30, 0),
        "consent_to_share": _bool_values(columns["consent_to_share"]),
    }
    valid = [_REJECT not in row for row in zip(*checked.values(), strict=True)]
    return checked, valid


# ---------------------------------------------------------------- the import


@dataclass
class _Pending:
    """A row waiting for the database check of its batch (and, if the file is clean so far, for insertion)."""

    row: int
    index: int  # its place in the batch's columns
    valid: bool  # False once the row has an error: it will never be stored
    id_hash: str | None  # set on the first occurrence in the file only


class _Import:
    """The state of one import: the current batch, what the file has shown so far, and the errors."""

    def __init__(self, session: Session, principal: Principal, vault: PiiVault, owner: int, max_errors: int) -> None:
        self.session, self.vault, self.owner = session, vault, owner
        self.region = principal.region_code
        self.ref = reference.index(session)
        # Codes the column check may pass: in the reference table, and in the form WorkerCreate asks for.
        self.occupations = frozenset(c for c in self.ref.occupation_codes if _CSCO_FORMAT.fullmatch(c))
        self.county_problems: dict[str, Msg | None] = {}
        self.max_errors = max(1, max_errors)
        self.now = utcnow()
        self.batch: list[_Pending] = []
        self.seen_ids: dict[str, int] = {}  # id hash -> first row
        self.seen_external: dict[str, int] = {}  # external_id -> first row
        # The office's ids up front: per-batch lookups slow down as the import's own rows pile up (PostgreSQL).
        self.taken_external = repository.external_ids(session, owner)
        self.errors: list[dict[str, Any]] = []
        self.total_errors = 0
        self.rows = 0
        self.created = 0
        # The previous batch's insert, running while this batch is checked: SQLite and the PostgreSQL server
        # do their part without the GIL. Only one thread uses the session at a time: flush() waits first.
        self.inserter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-insert")
        self.inserting: Future[None] | None = None

    def fail(self, errors: list[dict[str, Any]]) -> None:
        self.errors.extend(errors)
        self.total_errors += len(errors)

    def read(self, rows: Iterator[Any]) -> None:
        header = next(rows, None)
        if header is None or all(_blank(c) for c in header):
            raise _file_error(Msg("文件是空的：第1行应为表头", "the file is empty: row 1 must be the header"))
        plan, unnamed = self.header(header)
        width = len(header)
        first = 2
        while chunk := list(islice(rows, BATCH_ROWS)):
            self.take(first, chunk, plan, unnamed, width)
            first += len(chunk)
        self.inserted()

    def inserted(self) -> None:
        """Wait for the batch being inserted; its error (a database one) is raised here."""
        if self.inserting is not None:
            inserting, self.inserting = self.inserting, None
            inserting.result()

    def close(self) -> None:
        """Nothing may touch the session after the import returns or raises: wait for the insert thread."""
        try:
            self.inserted()
        finally:
            self.inserter.shutdown(wait=True)

    def header(self, cells: Any) -> tuple[list[tuple[int, str]], list[int]]:
        """Which column holds which field; unknown, repeated or missing columns stop the import at row 1."""
        errors: list[dict[str, Any]] = []
        plan: list[tuple[int, str]] = []
        unnamed: list[int] = []
        seen: dict[str, str] = {}  # field -> column letter
        for index, cell in enumerate(cells):
            text = _as_text(cell).lstrip("\ufeff") if cell is not None else ""
            if not text:
                unnamed.append(index)
                continue
            col = _BY_HEADER.get(_norm(text))
            if col is None:
                # Name the column by its letter and a redacted header: a file without a header row would
                # otherwise echo a worker's ID number or phone back in the error.
                letter = get_column_letter(index + 1)
                errors.append(field_error(f"{letter}: {redact(text)[:40]}", UNKNOWN_COLUMN, 1))
            elif col.name in seen:
                msg = Msg(f"与第 {seen[col.name]} 列重复", f"the same column as column {seen[col.name]}")
                errors.append(field_error(col.name, msg, 1))
            else:
                seen[col.name] = get_column_letter(index + 1)
                plan.append((index, col.name))
        for col in COLUMNS:
            if col.required and col.name not in seen:
                msg = Msg(f"缺少必填列“{col.header}”", f"the required column '{col.header}' is missing")
                errors.append(field_error(col.name, msg, 1))
        if errors:
            raise ValidationFailed(
                errors[: self.max_errors],
                Msg("表头有误，请使用导入模板的表头；未导入任何数据", "the header row is wrong; nothing was imported"),
            )
        return plan, unnamed

    def take(
        self, first: int, chunk: list[Sequence[Any]], plan: list[tuple[int, str]], unnamed: list[int], width: int
    ) -> None:
        """Check a batch of file rows (numbered from `first`) column by column, then row by row in file order."""
        empty: list[Any] = [None] * len(chunk)
        cells: dict[str, list[Any]] = dict.fromkeys(_FIELDS, empty)
        by_position = list(zip_longest(*chunk))  # one tuple per column; a short row reads as None
        for index, name in plan:
            cells[name] = list(by_position[index]) if index < len(by_position) else empty
        # An Excel number cell: 15 significant digits, the rest are gone.
        rounded = {i for i, v in enumerate(cells["id_number"]) if isinstance(v, float)}
        if rounded:
            cells["id_number"] = [None if i in rounded else v for i, v in enumerate(cells["id_number"])]
        columns = {name: empty if cells[name] is empty else _convert_column(name, cells[name]) for name in _FIELDS}
        values, valid = _checked_columns(columns, self.occupations, today())
        ids, counties, external_ids = values["id_number"], values["hukou_county"], values["external_id"]
        hashes = iter(self.vault.fingerprints([v for v, ok in zip(ids, valid, strict=True) if ok]))
        for i, row in enumerate(chunk):
            number = first + i
            stray = []
            if unnamed or len(row) > width:
                stray = [j for j in unnamed if j < len(row) and not _blank(row[j])]
                stray += [j for j in range(width, len(row)) if not _blank(row[j])]
            if valid[i] and not stray and i not in rounded:
                self.rows += 1
                county = counties[i]
                if county not in self.county_problems:
                    self.county_problems[county] = self.ref.county_problem(county, self.region)
                problem = self.county_problems[county]
                errors = [field_error("hukou_county", problem, number)] if problem else []
                self.check_known(number, i, external_ids[i], next(hashes), errors)
                continue
            if valid[i]:
                next(hashes)  # keep the hashes in step with the rows they belong to
            raw = {name: columns[name][i] for name in _FIELDS if columns[name][i] is not None}
            if not raw and not stray and i not in rounded:
                continue  # a blank row: Excel leaves them about, they mean nothing
            self.rows += 1
            errors = [field_error(f"column {get_column_letter(j + 1)}", NO_HEADER, number) for j in stray]
            if i in rounded:
                errors.append(field_error("id_number", NUMERIC_ID, number))
            self.check(number, i, raw, values, i in rounded, errors)
        self.flush(values)

    def check(
        self,
        number: int,
        index: int,
        raw: dict[str, Any],
        values: dict[str, list[Any]],
        rounded_id: bool,
        errors: list[dict[str, Any]],
    ) -> None:
        """Everything the single-worker route checks, for a row the column checks could not pass: WorkerCreate
        says what is wrong with it, or gives its values (into `values` at `index`)."""
        try:
            dumped = WorkerCreate.model_validate(raw).model_dump()
        except ValidationError as exc:
            found = translate(exc.errors(include_url=False), row=number)
            for err in found:
                err["field"] = err["field"].split(".", 1)[0]  # "skills.2" -> the column "skills"
            if rounded_id:  # already explained; "required" would only confuse
                found = [err for err in found if err["field"] != "id_number"]
            errors.extend(found)
            failed = {err["field"] for err in found}
            # Keep checking what did pass, so one upload shows every problem of the row.
            checked = {k: v for k, v in raw.items() if k not in failed}
            errors.extend(service.reference_errors(self.ref, self.region, checked, row=number))
            id_hash = self.vault.fingerprint(checked["id_number"]) if checked.get("id_number") else None
            self.check_known(number, index, checked.get("external_id"), id_hash, errors, valid=False)
            return
        errors.extend(service.reference_errors(self.ref, self.region, dumped, row=number))
        for name, value in dumped.items():
            values[name][index] = value
        self.check_known(number, index, dumped["external_id"], self.vault.fingerprint(dumped["id_number"]), errors)

    def check_known(
        self,
        number: int,
        index: int,
        external_id: str | None,
        id_hash: str | None,
        errors: list[dict[str, Any]],
        valid: bool = True,
    ) -> None:
        """The checks that need the file's other rows or the office's register."""
        if external_id == EXAMPLE_EXTERNAL_ID:
            errors.append(field_error("external_id", EXAMPLE_ROW, number))
        if id_hash is not None:
            first = self.seen_ids.setdefault(id_hash, number)
            if first != number:
                msg = Msg(f"与第 {first} 行的身份证号重复", f"the same ID number as row {first}")
                errors.append(field_error("id_number", msg, number))
                id_hash = None
        if external_id:
            first = self.seen_external.setdefault(external_id, number)
            if first != number:
                msg = Msg(f"与第 {first} 行的外部编号重复", f"the same external_id as row {first}")
                errors.append(field_error("external_id", msg, number))
            elif external_id in self.taken_external:
                errors.append(field_error("external_id", service.EXTERNAL_ID_TAKEN, number))
        if errors:
            valid = False
            self.fail(errors)
        self.batch.append(_Pending(number, index, valid, id_hash))

    def flush(self, values: dict[str, list[Any]]) -> None:
        """The ID-number check against the database for a batch; while the file is clean, its rows go in too."""
        if not self.batch:
            return
        hashes = [p.id_hash for p in self.batch if p.id_hash]
        self.inserted()
        taken = repository.taken_id_hashes(self.session, hashes) if hashes else set()
        for p in self.batch:
            if p.id_hash in taken:
                self.fail([field_error("id_number", service.ALREADY_REGISTERED, p.row)])
        if not self.total_errors:
            # A clean file so far: every row of the batch is valid and holds the first sight of its ID number.
            if len(self.batch) < len(values["id_number"]):  # blank rows in between
                values = {name: [column[p.index] for p in self.batch] for name, column in values.items()}
            columns = service.stored_column_lists(values, hashes, self.vault)
            common = {"owner_org_id": self.owner, "version": 1, "created_at": self.now, "updated_at": self.now}
            self.inserting = self.inserter.submit(repository.insert_columns, self.session, columns, common)
            self.created += len(self.batch)
        self.batch.clear()
        # Errors arrive in row order except the batch's database check: sort, and keep only what will be shown.
        self.errors.sort(key=lambda err: err["row"])
        del self.errors[self.max_errors :]

    def result(self) -> ImportResult:
        if self.total_errors:
            shown = len(self.errors)
            if self.total_errors > shown:
                msg = Msg(
                    f"共 {self.total_errors} 处错误，仅列出前 {shown} 处；未导入任何数据，请改正后重新上传",
                    f"{self.total_errors} errors found, the first {shown} are listed; nothing was imported",
                )
            else:
                msg = Msg(
                    f"共 {self.total_errors} 处错误；未导入任何数据，请改正后重新上传",
                    f"{self.total_errors} error(s) found; nothing was imported",
                )
            raise ValidationFailed(self.errors, msg)
        if not self.rows:
            raise _file_error(Msg("文件中没有数据行（第2行起）", "the file has no data rows below the header"))
        return ImportResult(created=self.created, rows=self.rows)


def import_workers(
    session: Session,
    principal: Principal,
    fileobj: IO[bytes],
    filename: str,
    vault: PiiVault,
    max_errors: int,
) -> ImportResult:
    """Validate every row and store all or none: rows go in by batches, and the caller's rollback undoes them."""
    owner = authz.reach(principal, Resource.worker, Action.write).worker_owner
    assert owner is not None
    kind = _file_kind(fileobj, filename)
    job = _Import(session, principal, vault, owner, max_errors)
    try:
        with _csv_rows(fileobj) if kind == "csv" else _xlsx_rows(fileobj) as rows:
            job.read(rows)
    finally:
        job.close()
    return job.result()


@contextmanager
def spreadsheet_rows(fileobj: IO[bytes], filename: str) -> Iterator[Iterator[Sequence[Any]]]:
    """The rows of an uploaded CSV (UTF-8 or GB18030) or XLSX, read as this import reads them (for other imports)."""
    kind = _file_kind(fileobj, filename)
    with _csv_rows(fileobj) if kind == "csv" else _xlsx_rows(fileobj) as rows:
        yield rows
