"""The report as JSON, CSV (one long table) and XLSX (a sheet per section), with the formula guard spreadsheets need.

The same report always gives the same bytes: sorted keys, fixed ZIP times, no timestamps.
"""

import csv
import io
import json
import re
import zipfile
from datetime import UTC, date, datetime
from typing import Any

from app.labels import label
from matching.bilingual import SEPARATOR

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
WEEK_FIGURES = ("new_placements", "active_at_week_end", "departures", "early_departures")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as a formula (OWASP CSV injection)


def _is_formula_like(value: Any) -> bool:
    """Text an employer typed (a vacancy title) must never become a live formula in an office's spreadsheet."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value: Any) -> Any:
    """A leading quote makes Excel and LibreOffice show the text as typed; numbers stay numbers."""
    if value is None:
        return ""
    return "'" + value if _is_formula_like(value) else value


def reasons_text(reasons: list[Any]) -> str:
    """Risk reasons as words ("zh / en", joined by "; "), never as Python dict text."""
    parts = []
    for reason in reasons or []:
        if isinstance(reason, dict):
            parts.append(
                SEPARATOR.join(str(reason[k]) for k in ("zh", "en") if reason.get(k)) or str(reason.get("code"))
            )
        else:
            parts.append(str(reason))
    return "; ".join(parts)


def to_json(report: dict[str, Any]) -> bytes:
    return (json.dumps(report, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


# --- CSV: one long table, section / key / name / metric / value ----------------------------------------------


def _flat(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out = []
        for k in sorted(value):
            out += _flat(f"{prefix}.{k}" if prefix else str(k), value[k])
        return out
    if isinstance(value, list):
        return [(prefix, "; ".join(str(v) for v in value))]
    return [(prefix, value)]


def field_label(metric: str) -> str:
    """A CSV metric such as `ytd_retention_90.estimate` or `30.ci_low`, in words: its parts' labels joined by " · "."""
    parts = []
    for part in metric.split("."):
        if part.isdigit():
            parts.append(f"{part} 天 / day {part}")
        else:
            parts.append(label("metric", part) or part)
    return " · ".join(parts)


CASE_COUNTS = ("opened", "resolved", "open_at_week_end", "overdue_at_week_end")
CASE_TOTALS = (
    *CASE_COUNTS,
    "median_working_days_to_resolution",
    "claimed_fen_resolved",
    "recovered_fen_resolved",
    "departures",
    "departures_with_case_share",
)


def _long_rows(report: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for metric in WEEK_FIGURES:
        rows.append(["totals", "", report["scope"]["name"], metric, report["totals"][metric]])
    for reason, n in sorted(report["totals"]["end_reasons"].items()):
        rows.append(["end_reasons", reason, label("end_reason", reason), "departures", n])
    for metric, change in sorted(report["week_on_week"].items()):
        rows += [["week_on_week", metric, label("metric", metric), k, v] for k, v in _flat("", change)]
    keyed = (
        ("by_county", "county"),
        ("by_employer", "employer_id"),
        ("by_pairing", "pairing_id"),
        ("by_channel", "channel"),
    )
    for section, key in keyed:
        for item in report[section]:
            name = item.get("name", label("channel", item.get("channel")) or "")
            rest = {k: v for k, v in item.items() if k not in (key, "name")}
            rows += [[section, item[key], name, k, v] for k, v in _flat("", rest)]
    for cohort in report["retention"]["cohorts"]:
        rows.append(["retention", cohort["cohort"], "", "placements", cohort["placements"]])
        rows += [["retention", cohort["cohort"], "", k, v] for k, v in _flat("", cohort["retention"])]
    for week in report["departures_by_week"]:
        rows += [["departures_by_week", week["week"], "", k, week[k]] for k in ("departures", "early_departures")]
    follow = report["follow_ups"]
    rows += [["follow_ups", "", "", k, follow[k]] for k in ("due", "done", "done_share")]
    rows += [
        ["follow_ups", kind, label("follow_up_kind", kind), k, v]
        for kind, part in sorted(follow["by_kind"].items())
        for k, v in part.items()
    ]
    risk = report["at_risk"]
    rows += [["at_risk", "", "", k, risk[k]] for k in ("note", "scored", "flagged")]
    rows.append(["at_risk", "", label("risk_source", risk["source"]), "source", risk["source"]])
    rows += [
        ["at_risk_answered", d, label("flag_decision", d), "reviews", n]
        for d, n in sorted(risk["answered_this_week"].items())
    ]
    for item in risk["items"]:
        rest = {k: v for k, v in item.items() if k != "placement_id"} | {"reasons": reasons_text(item["reasons"])}
        if item.get("answered_this_week"):
            rest["answered_this_week"] = label("flag_decision", item["answered_this_week"])
        rows += [["at_risk", item["placement_id"], "", k, v] for k, v in _flat("", rest)]
    return rows + _case_rows(report["cases"]) + _training_rows(report["training"])


def _case_rows(cases: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = [["cases", "", "", k, cases[k]] for k in CASE_TOTALS]
    for section, key in (("by_kind", "kind"), ("by_county", "home_county"), ("by_employer", "employer_id")):
        for item in cases[section]:
            name = item.get("kind_label") or item.get("name", "")
            rows += [[f"cases_{section}", item[key], name, k, item[k]] for k in CASE_COUNTS]
    rows += [
        ["cases_arrears_employers", e["employer_id"], e["name"], "open_cases", e["open_cases"]]
        for e in cases["employers_with_open_arrears"]
    ]
    return rows


TRAINING_COUNTS = ("classes_running_at_week_end", "enrolled", "completed", "dropped")


def _training_rows(training: dict[str, Any]) -> list[list[Any]]:
    """The training section long: its counts, then each school, the placed and retention figures, the promises."""
    rows: list[list[Any]] = [["training", "", "", k, training[k]] for k in TRAINING_COUNTS]
    for school in training["by_school"]:
        rows += [["training_by_school", school["school_id"], school["name"], k, school[k]] for k in TRAINING_COUNTS]
    placed = training["graduates_placed_within_30_days"]
    rows += [["training_placed_within_30_days", "", "", k, v] for k, v in _flat("", placed)]
    rows += [["training_retention", "", "", k, v] for k, v in _flat("", training["retention"])]
    promises = {k: v for k, v in training["commitments"].items() if k != "by_employer"}
    rows += [["training_commitments", "", "", k, v] for k, v in _flat("", promises)]
    for e in training["commitments"]["by_employer"]:
        rest = {k: v for k, v in e.items() if k not in ("employer_id", "name")}
        rows += [["training_commitments", e["employer_id"], e["name"], k, v] for k, v in _flat("", rest)]
    return rows


def to_csv(report: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["week", "scope", "部分 section", "键 key", "名称 name", "指标名称 metric label", "指标 metric", "数值 value"]
    )
    scope = report["scope"]
    label_ = scope["kind"] + (f":{scope.get('code') or scope.get('id')}" if scope["kind"] != "province" else "")
    for section, key, name, metric, value in _long_rows(report):
        row = (report["week"], label_, section, key, name, field_label(metric), metric, value)
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the Chinese correctly


# --- XLSX ---------------------------------------------------------------------------------------------------


DATE_FORMAT = "yyyy-mm-dd"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return value if isinstance(value, int | float | str | date) else str(value)


def write_sheet(wb: Any, title: str, header: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    for row in rows:
        ws.append([_cell(v) for v in row])
        for cell in ws[ws.max_row]:
            if _is_formula_like(cell.value):
                cell.data_type = "s"  # openpyxl would store "=..." as a formula; kept as the text typed
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT  # a real date Excel can sort and filter, shown as 2025-03-09
    ws.freeze_panes = "A2"


def metric_label(key: str) -> str:
    return label("metric", key) or key


def _normalised_zip(data: bytes, stamp: str) -> bytes:
    """Rewrite the archive with fixed entry times and modified date, so the same report is the same file."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            fixed = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content)
            target.writestr(fixed, content)
    return out.getvalue()


def _week_monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def workbook(last_day: str, title: str) -> tuple[Any, datetime]:
    """An empty workbook dated by its period's last second (23:59:59 CST) in UTC: no wall-clock time inside."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    stamp = datetime.fromisoformat(last_day + "T23:59:59+08:00").astimezone(UTC).replace(tzinfo=None)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = wb.properties.lastModifiedBy = "laborbridge"
    wb.properties.title = title
    return wb, stamp


def workbook_bytes(wb: Any, stamp: datetime) -> bytes:
    """The saved workbook with fixed zip entry times, so the same report is the same file."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return _normalised_zip(buffer.getvalue(), stamp.isoformat() + "Z")


def _training_value(metric: str, value: Any) -> Any:
    """The window's bounds as dates Excel can read; every other value as it is."""
    return date.fromisoformat(value) if metric.startswith("classes_ended_") else value


def to_xlsx(report: dict[str, Any]) -> bytes:
    wb, stamp = workbook(report["week_end"], f"周报 weekly report {report['week']} · {report['scope']['name']}")
    monday, sunday = date.fromisoformat(report["week_start"]), date.fromisoformat(report["week_end"])
    wow = report["week_on_week"]
    write_sheet(
        wb,
        "汇总 totals",
        ["指标 metric", "本周 this week", "上周 last week", "变化 change", "周一 week start", "周日 week end"],
        [
            [metric_label(m), wow[m]["this_week"], wow[m]["last_week"], wow[m]["change"], monday, sunday]
            for m in WEEK_FIGURES
        ],
    )
    write_sheet(
        wb,
        "离岗原因 end reasons",
        ["原因 reason", "人数 departures"],
        [[label("end_reason", k), v] for k, v in sorted(report["totals"]["end_reasons"].items())],
    )
    figures = [metric_label(k) for k in WEEK_FIGURES]
    write_sheet(
        wb,
        "按县 by county",
        ["县 county", "名称 name", *figures],
        [[r["county"], r["name"], *(r[k] for k in WEEK_FIGURES)] for r in report["by_county"]],
    )
    write_sheet(
        wb,
        "按企业 by employer",
        ["企业 employer_id", "名称 name", *figures],
        [[r["employer_id"], r["name"], *(r[k] for k in WEEK_FIGURES)] for r in report["by_employer"]],
    )
    retention_cols = ["90天留存 / 90-day retention", "下限 / CI low", "上限 / CI high", "仍在观察 / still observed"]
    pairing_cols = (
        "annual_target",
        "pairing_ytd_placements",
        "ytd_target_share",
        "year_elapsed_share",
        "ytd_placements",
        "share_of_pairing",
    )
    write_sheet(
        wb,
        "按结对 by pairing",
        [
            "结对 pairing_id",
            "名称 name",
            "层级 level",
            *(metric_label(k) for k in pairing_cols),
            *retention_cols,
            *figures,
            "示例 illustrative",
        ],
        [
            [
                r["pairing_id"],
                r["name"],
                label("pairing_level", r["level"]),
                *(r[k] for k in pairing_cols),
                *(r["ytd_retention_90"][k] for k in ("estimate", "ci_low", "ci_high", "at_risk")),
                *(r[k] for k in WEEK_FIGURES),
                "是 / yes" if r["illustrative"] else "否 / no",
            ]
            for r in report["by_pairing"]
        ],
    )
    write_sheet(
        wb,
        "按渠道 by channel",
        ["渠道 channel", *figures, *retention_cols],
        [
            [
                label("channel", r["channel"]),
                *(r[k] for k in WEEK_FIGURES),
                *(r["retention_90"][k] for k in ("estimate", "ci_low", "ci_high", "at_risk")),
            ]
            for r in report["by_channel"]
        ],
    )
    header = ["月度队列 cohort", "人数 placements"]
    for h in report["retention"]["horizons"]:
        header += [
            f"{h} 天留存 / day-{h} retention",
            f"{h} 天下限 / CI low",
            f"{h} 天上限 / CI high",
            f"{h} 天在观察 / n",
        ]
    rows = []
    for c in report["retention"]["cohorts"]:
        row = [c["cohort"], c["placements"]]
        for h in report["retention"]["horizons"]:
            row += [c["retention"][str(h)][k] for k in ("estimate", "ci_low", "ci_high", "at_risk")]
        rows.append(row)
    write_sheet(wb, "留存 retention", header, rows)
    write_sheet(
        wb,
        "每周离岗 departures",
        ["周 week", "周一 week start", metric_label("departures"), metric_label("early_departures")],
        [
            [w["week"], _week_monday(w["week"]), w["departures"], w["early_departures"]]
            for w in report["departures_by_week"]
        ],
    )
    follow = report["follow_ups"]
    write_sheet(
        wb,
        "回访 follow-ups",
        ["类型 kind", "应访 due", "已访 done"],
        [[label("follow_up_kind", "all"), follow["due"], follow["done"]]]
        + [[label("follow_up_kind", k), v["due"], v["done"]] for k, v in sorted(follow["by_kind"].items())],
    )
    risk = report["at_risk"]
    write_sheet(
        wb,
        "风险 at risk",
        [
            "就业记录 placement_id",
            "劳动者 worker_id",
            "户籍县 county",
            "企业 employer",
            "岗位 vacancy",
            "上岗 start",
            "在岗天数 days",
            "30天风险 risk_30",
            "90天风险 risk_90",
            "180天风险 risk_180",
            "原因 reasons",
            "建议 action",
            "本周答复 answered",
        ],
        [
            [
                i["placement_id"],
                i["worker_id"],
                i["hukou_county_name"],
                i["employer_name"],
                i["vacancy_title"],
                date.fromisoformat(i["start_date"]),
                i["days_in_job"],
                i["risk_30"],
                i["risk_90"],
                i["risk_180"],
                reasons_text(i["reasons"]),
                label("action", i["action"]),
                label("flag_decision", i["answered_this_week"]),
            ]
            for i in risk["items"]
        ]
        + ([[risk["note"]]] if risk["note"] else []),
    )
    cases = report["cases"]
    write_sheet(
        wb,
        "权益案件 cases",
        ["类型 kind", *(metric_label(k) for k in CASE_COUNTS)],
        [["全部 / All kinds", *(cases[k] for k in CASE_COUNTS)]]
        + [[k["kind_label"], *(k[c] for c in CASE_COUNTS)] for k in cases["by_kind"]]
        + [[metric_label(k), cases[k]] for k in CASE_TOTALS if k not in CASE_COUNTS]
        + [
            [f"{metric_label('open_cases')}: {e['name']}", e["open_cases"]]
            for e in cases["employers_with_open_arrears"]
        ],
    )
    write_sheet(
        wb,
        "培训 training",
        ["部分 section", "名称 name", "指标 metric", "数值 value"],
        [
            [section, name or key, field_label(metric), _training_value(metric, value)]
            for section, key, name, metric, value in _training_rows(report["training"])
        ],
    )
    write_sheet(
        wb,
        "口径 definitions",
        ["口径 definition", "说明", "definition"],
        [[d["label"], d["zh"], d["en"]] for _, d in sorted(report["definitions"].items())],
    )
    return workbook_bytes(wb, stamp)
