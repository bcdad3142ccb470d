"""The monthly consultation pack as JSON, CSV and XLSX; the same pack always gives the same bytes."""

import csv
import io
from typing import Any

from app.reports.render import _csv_cell, _metric, _sheet, field_label, to_json, workbook, workbook_bytes

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
)


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
        writer.writerow([_csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the Chinese correctly


def to_xlsx(pack: dict[str, Any]) -> bytes:
    wb, stamp = workbook(pack["month_end"], f"月度会商 monthly pack {pack['month']} · {pack['scope']['name']}")
    pairings = pack["pairings"]
    _sheet(
        wb,
        "结对 pairings",
        ["结对 pairing", "名称 name", *[_metric(m) for _, m in SUMMARY], "30天留存率 30-day", "90天留存率 90-day"],
        [
            [p["pairing_id"], p["name"], *[p[s][m] for s, m in SUMMARY]]
            + [p["retention"][h]["estimate"] for h in ("30", "90")]
            for p in pairings
        ],
    )
    _sheet(
        wb,
        "供需缺口 gaps",
        [
            "结对 pairing",
            "职业小类 family",
            "名称 name",
            _metric("open_demand"),
            _metric("unplaced_supply"),
            _metric("gap"),
        ],
        [
            [p["pairing_id"], g["family"], g["family_name"], g["open_demand"], g["unplaced_supply"], g["gap"]]
            for p in pairings
            for g in p["gaps"]
        ],
    )
    _sheet(
        wb,
        "离岗原因 end reasons",
        ["结对 pairing", "原因 reason", "人数 count", "占比 share"],
        [
            [p["pairing_id"], r["reason_label"], r["count"], r["share"]]
            for p in pairings
            for r in p["end_reasons"]["top"]
        ],
    )
    _sheet(
        wb,
        "口径 definitions",
        ["口径 definition", "说明", "definition"],
        [[d["label"], d["zh"], d["en"]] for _, d in sorted(pack["definitions"].items())],
    )
    return workbook_bytes(wb, stamp)


def render(pack: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return to_json(pack)
    if fmt == "csv":
        return to_csv(pack)
    if fmt == "xlsx":
        return to_xlsx(pack)
    raise ValueError(fmt)
