"""The monthly consultation pack as JSON, CSV and XLSX; the same pack always gives the same bytes."""

import csv
import io
from datetime import date
from typing import Any

from app.labels import yes_no
from app.reports.page import page_html
from app.reports.tabular import csv_cell, field_label, metric_label, to_json, workbook, workbook_bytes, write_sheet

SUMMARY = (
    ("placements", "month"),
    ("placements", "target_month"),
    ("placements", "month_target_share"),
    ("placements", "ytd"),
    ("placements", "target_ytd"),
    ("placements", "ytd_target_share"),
    ("retention", "placements"),
    ("end_reasons", "ended"),
    ("cases", "opened"),
    ("cases", "resolved"),
    ("cases", "open_at_month_end"),
    ("cases", "overdue_at_month_end"),
    ("services", "due"),
    ("services", "done_on_time"),
    ("services", "done_on_time_share"),
    ("spend", "accrued_net_fen"),
    ("spend", "paid_net_fen"),
    ("actions", "raised"),
    ("actions", "carried_over"),
    ("actions", "closed"),
    ("actions", "open_at_month_end"),
    ("actions", "overdue_at_month_end"),
)
ACTION_FIELDS = ("status", "owner_name", "due_date", "overdue", "carried_over", "closing_note")


def _action_value(action: dict[str, Any], name: str) -> Any:
    """What a clerk reads in a cell: the status's label, 是 / Yes for a flag that is set."""
    if name == "status":
        return action["status_label"]
    value = action[name]
    return yes_no(value) if isinstance(value, bool) else value


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _rows(pack: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(pairing id, pairing name, section, key, metric, value): the pack as one long table."""
    out: list[tuple[Any, ...]] = []
    for p in pack["pairings"]:
        head = (p["pairing_id"], p["name"])
        for section, metric in SUMMARY:
            out.append((*head, section, "", metric, p[section][metric]))
        for h in ("30", "90"):
            for k in ("estimate", "ci_low", "ci_high", "at_risk"):
                out.append((*head, "retention", "", f"{h}.{k}", p["retention"][h][k]))
        for r in p["end_reasons"]["top"]:
            out.append((*head, "end_reasons", r["reason_label"], "count", r["count"]))
        for g in p["gaps"]:
            for k in ("open_demand", "unplaced_supply", "gap"):
                out.append((*head, "gaps", f"{g['family']} {g['family_name']}", k, g[k]))
    names = {p["pairing_id"]: p["name"] for p in pack["pairings"]}
    for a in pack["actions"]:
        for k in ACTION_FIELDS:
            out.append((a["pairing_id"], names[a["pairing_id"]], "actions", f"{a['id']} {a['issue']}", k,
                        _action_value(a, k)))  # fmt: skip
    return out


def to_csv(pack: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["month", "结对 pairing_id", "结对 pairing", "部分 section", "键 key", "指标名称 metric label", "指标 metric",
         "数值 value"]
    )  # fmt: skip
    for pid, name, section, key, metric, value in _rows(pack):
        row = (pack["month"], pid, name, section, key, field_label(metric), metric, value)
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the Chinese correctly


def to_xlsx(pack: dict[str, Any]) -> bytes:
    wb, stamp = workbook(pack["month_end"], f"月度会商 monthly pack {pack['month']} · {pack['scope']['name']}")
    pairings = pack["pairings"]
    write_sheet(
        wb,
        "结对 pairings",
        [
            "结对 pairing",
            "名称 name",
            *[metric_label(m) for _, m in SUMMARY],
            "30天留存率 30-day",
            "90天留存率 90-day",
            "层级 level",
            "版本 version",
        ],
        [
            [p["pairing_id"], p["name"], *[p[s][m] for s, m in SUMMARY]]
            + [p["retention"][h]["estimate"] for h in ("30", "90")]
            + [p["level_label"], p["version"]]
            for p in pairings
        ],
    )
    write_sheet(
        wb,
        "供需缺口 gaps",
        [
            "结对 pairing",
            "职业小类 family",
            "名称 name",
            metric_label("open_demand"),
            metric_label("unplaced_supply"),
            metric_label("gap"),
        ],
        [
            [p["pairing_id"], g["family"], g["family_name"], g["open_demand"], g["unplaced_supply"], g["gap"]]
            for p in pairings
            for g in p["gaps"]
        ],
    )
    write_sheet(
        wb,
        "离岗原因 end reasons",
        ["结对 pairing", "原因 reason", "人数 count", "占比 share"],
        [
            [p["pairing_id"], r["reason_label"], r["count"], r["share"]]
            for p in pairings
            for r in p["end_reasons"]["top"]
        ],
    )
    write_sheet(
        wb,
        "会商事项 actions",
        ["结对 pairing", "事项编号 action", "事项 issue", *map(metric_label, ("owner_name", "due_date", "status")),
         "提出日期 raised on", "办结日期 closed on", *map(metric_label, ("carried_over", "overdue", "closing_note"))],
        [
            [a["pairing_id"], a["id"], a["issue"], a["owner_name"], _day(a["due_date"]), a["status_label"],
             _day(a["raised_on"]), _day(a["closed_on"]), _action_value(a, "carried_over"),
             _action_value(a, "overdue"), a["closing_note"]]
            for a in pack["actions"]
        ],
    )  # fmt: skip
    write_sheet(
        wb,
        "口径 definitions",
        ["口径 definition", "说明", "definition"],
        [[d["label"], d["zh"], d["en"]] for _, d in sorted(pack["definitions"].items())],
    )
    return workbook_bytes(wb, stamp)


def to_html(pack: dict[str, Any], nav: dict[str, Any]) -> str:
    """The pack as the /reports/monthly page; `nav` is the page's month picker."""
    return page_html("monthly.html", p=pack, nav=nav)


def render(pack: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return to_json(pack)
    if fmt == "csv":
        return to_csv(pack)
    if fmt == "xlsx":
        return to_xlsx(pack)
    raise ValueError(fmt)
