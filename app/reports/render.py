"""The report as JSON, CSV, XLSX and a self-contained HTML page; the same report always gives the same bytes."""

import csv
import io
import json
import math
import re
import textwrap
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from app.labels import HIGHER_IS_BETTER, VOCABULARIES, label, yes_no
from matching.bilingual import SEPARATOR

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True
)
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
WEEK_FIGURES = ("new_placements", "active_at_week_end", "departures", "early_departures")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as a formula (OWASP CSV injection)


def _is_formula_like(value: Any) -> bool:
    """Text an employer typed (a vacancy title) must never become a live formula in an office's spreadsheet."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def _csv_cell(value: Any) -> Any:
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
    return rows + _case_rows(report["cases"])


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
        writer.writerow([_csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the Chinese correctly


# --- XLSX ---------------------------------------------------------------------------------------------------


DATE_FORMAT = "yyyy-mm-dd"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return value if isinstance(value, int | float | str | date) else str(value)


def _sheet(wb: Any, title: str, header: list[str], rows: list[list[Any]]) -> None:
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


def _metric(key: str) -> str:
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


def to_xlsx(report: dict[str, Any]) -> bytes:
    wb, stamp = workbook(report["week_end"], f"周报 weekly report {report['week']} · {report['scope']['name']}")
    monday, sunday = date.fromisoformat(report["week_start"]), date.fromisoformat(report["week_end"])
    wow = report["week_on_week"]
    _sheet(
        wb,
        "汇总 totals",
        ["指标 metric", "本周 this week", "上周 last week", "变化 change", "周一 week start", "周日 week end"],
        [
            [_metric(m), wow[m]["this_week"], wow[m]["last_week"], wow[m]["change"], monday, sunday]
            for m in WEEK_FIGURES
        ],
    )
    _sheet(
        wb,
        "离岗原因 end reasons",
        ["原因 reason", "人数 departures"],
        [[label("end_reason", k), v] for k, v in sorted(report["totals"]["end_reasons"].items())],
    )
    figures = [_metric(k) for k in WEEK_FIGURES]
    _sheet(
        wb,
        "按县 by county",
        ["县 county", "名称 name", *figures],
        [[r["county"], r["name"], *(r[k] for k in WEEK_FIGURES)] for r in report["by_county"]],
    )
    _sheet(
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
    _sheet(
        wb,
        "按结对 by pairing",
        [
            "结对 pairing_id",
            "名称 name",
            "层级 level",
            *(_metric(k) for k in pairing_cols),
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
    _sheet(
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
    _sheet(wb, "留存 retention", header, rows)
    _sheet(
        wb,
        "每周离岗 departures",
        ["周 week", "周一 week start", _metric("departures"), _metric("early_departures")],
        [
            [w["week"], _week_monday(w["week"]), w["departures"], w["early_departures"]]
            for w in report["departures_by_week"]
        ],
    )
    follow = report["follow_ups"]
    _sheet(
        wb,
        "回访 follow-ups",
        ["类型 kind", "应访 due", "已访 done"],
        [[label("follow_up_kind", "all"), follow["due"], follow["done"]]]
        + [[label("follow_up_kind", k), v["due"], v["done"]] for k, v in sorted(follow["by_kind"].items())],
    )
    risk = report["at_risk"]
    _sheet(
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
    _sheet(
        wb,
        "权益案件 cases",
        ["类型 kind", *(_metric(k) for k in CASE_COUNTS)],
        [["全部 / All kinds", *(cases[k] for k in CASE_COUNTS)]]
        + [[k["kind_label"], *(k[c] for c in CASE_COUNTS)] for k in cases["by_kind"]]
        + [[_metric(k), cases[k]] for k in CASE_TOTALS if k not in CASE_COUNTS]
        + [[f"{_metric('open_cases')}: {e['name']}", e["open_cases"]] for e in cases["employers_with_open_arrears"]],
    )
    _sheet(
        wb,
        "口径 definitions",
        ["口径 definition", "说明", "definition"],
        [[d["label"], d["zh"], d["en"]] for _, d in sorted(report["definitions"].items())],
    )
    return workbook_bytes(wb, stamp)


# --- HTML with inline SVG charts ----------------------------------------------------------------------------

# Two charts side by side on the page's 1100 px; the legend's English wraps at LEGEND_CHARS.
W, H, PAD_L, PAD_B, PAD_T, PAD_R = 530, 290, 48, 46, 26, 150
LEGEND_CHARS = 22


def round_ticks(top: float, most: int = 5) -> list[int]:
    """Whole-number ticks from 0 past `top` in steps of 1, 2 or 5 times a power of ten (0/10/20/30, never 0/17/35)."""
    if top <= 0:
        return [0, 1]
    raw = top / most
    power = 10 ** math.floor(math.log10(raw))
    step = max(1, next(m * power for m in (1, 2, 5, 10) if m * power >= raw))
    return [int(i * step) for i in range(math.ceil(top / step) + 1)]


def _svg_open(chart_id: str, title: str) -> str:
    return (
        f'<svg class="chart" id="{chart_id}" role="img" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    )


def _axes(y_title: str, x_title: str, x_ticks: list[tuple[float, str]], y_ticks: list[tuple[float, str]]) -> str:
    x0, y0, x1 = PAD_L, H - PAD_B, W - PAD_R
    parts = [
        f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#555"/>',
        f'<line x1="{x0}" y1="{PAD_T}" x2="{x0}" y2="{y0}" stroke="#555"/>',
    ]
    for x, tick in x_ticks:
        parts.append(
            f'<text class="x-tick" x="{x:.1f}" y="{y0 + 16}" font-size="11" text-anchor="middle">{escape(tick)}</text>'
        )
    for y, tick in y_ticks:
        parts.append(
            f'<text class="y-tick" x="{x0 - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{escape(tick)}</text>'
        )
        parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#eee"/>')
    parts.append(f'<text class="y-title" x="4" y="14" font-size="11">{escape(y_title)}</text>')
    parts.append(
        f'<text class="x-title" x="{(x0 + x1) / 2:.1f}" y="{H - 8}" font-size="11" text-anchor="middle">'
        f"{escape(x_title)}</text>"
    )
    return "".join(parts)


def _legend(i: int, colour: str, text: str) -> str:
    """One legend entry: the Chinese on one line, the English under it in grey (a label is "中文 / English")."""
    x, y = W - PAD_R + 10, PAD_T + 10 + 40 * i
    zh, _, en = text.partition(SEPARATOR)
    parts = [
        f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>',
        f'<text class="legend" x="{x + 14}" y="{y}" font-size="11">{escape(zh)}',
    ]
    for line in textwrap.wrap(en, LEGEND_CHARS)[:2]:  # SVG text does not wrap by itself
        parts.append(f'<tspan x="{x + 14}" dy="12" fill="#666">{escape(line)}</tspan>')
    parts.append("</text>")
    return "".join(parts)


def curves_svg(chart_id: str, title: str, curves: dict[str, list[list[float]]], names: dict[str, str]) -> Markup:
    """Retention curves: share still employed against days since the start (0-180)."""
    x0, y0, x1 = PAD_L, H - PAD_B, W - PAD_R

    def sx(day: float) -> float:
        return x0 + (x1 - x0) * day / 180

    def sy(share: float) -> float:
        return y0 - (y0 - PAD_T) * share

    parts = [
        _svg_open(chart_id, title),
        _axes(
            "仍在岗比例 / share still employed",
            "上岗后天数 / days since the start",
            [(sx(d), str(d)) for d in (0, 30, 60, 90, 120, 150, 180)],
            [(sy(v), f"{int(v * 100)}%") for v in (0, 0.25, 0.5, 0.75, 1)],
        ),
    ]
    if not any(curves.values()):
        parts.append(
            f'<text x="{(x0 + x1) / 2}" y="{H / 2}" text-anchor="middle" fill="#888">暂无数据 / no data</text>'
        )
    for i, (key, points) in enumerate(curves.items()):
        colour = COLOURS[i % len(COLOURS)]
        if points:
            path = " ".join(f"{sx(d):.1f},{sy(v):.1f}" for d, v in points)
            parts.append(
                f'<polyline class="curve" data-series="{escape(key)}" fill="none" stroke="{colour}" '
                f'stroke-width="2" points="{path}"/>'
            )
        parts.append(_legend(i, colour, names.get(key, key)))
    parts.append("</svg>")
    return Markup("".join(parts))


def bars_svg(chart_id: str, title: str, weeks: list[dict[str, Any]]) -> Markup:
    """Departures per week, the early ones (under 90 days) darker."""
    x0, y0, x1 = PAD_L, H - PAD_B, W - PAD_R
    ticks = round_ticks(max([w["departures"] for w in weeks] + [1]))
    top = ticks[-1]
    step = (x1 - x0) / max(len(weeks), 1)

    def sy(n: float) -> float:
        return y0 - (y0 - PAD_T) * n / top

    parts = [
        _svg_open(chart_id, title),
        _axes(
            "离岗人数 / departures",
            "ISO 周次 / ISO week",
            [(x0 + step * (i + 0.5), w["week"][-3:]) for i, w in enumerate(weeks)],
            [(sy(t), str(t)) for t in ticks],
        ),
    ]
    for i, w in enumerate(weeks):
        x = x0 + step * i + step * 0.15
        parts.append(
            f'<rect class="bar" data-week="{w["week"]}" data-value="{w["departures"]}" x="{x:.1f}" '
            f'y="{sy(w["departures"]):.1f}" width="{step * 0.7:.1f}" '
            f'height="{y0 - sy(w["departures"]):.1f}" fill="#9ecae1"/>'
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{sy(w["early_departures"]):.1f}" width="{step * 0.7:.1f}" '
            f'height="{y0 - sy(w["early_departures"]):.1f}" fill="#3182bd"/>'
        )
    for i, (colour, key) in enumerate((("#9ecae1", "departures"), ("#3182bd", "early_departures"))):
        parts.append(_legend(i, colour, label("metric", key) or key))
    parts.append("</svg>")
    return Markup("".join(parts))


CHANNEL_NAMES = {code: item.text for code, item in VOCABULARIES["channel"].items()}


def charts(report: dict[str, Any]) -> dict[str, Markup]:
    curves = report["retention"]["curves"]
    pairings = sorted(report["by_pairing"], key=lambda p: (-p["ytd_placements"], p["pairing_id"]))[:6]
    pairing_curves = {str(p["pairing_id"]): curves["by_pairing"].get(str(p["pairing_id"]), []) for p in pairings}
    return {
        "channel": curves_svg(
            "chart-retention-channel", "按渠道留存曲线 / retention by channel", curves["by_channel"], CHANNEL_NAMES
        ),
        "pairing": curves_svg(
            "chart-retention-pairing",
            "按结对留存曲线 / retention by pairing",
            pairing_curves,
            {str(p["pairing_id"]): p["name"] for p in pairings},
        ),
        "departures": bars_svg("chart-departures", "近13周每周离岗 / weekly departures", report["departures_by_week"]),
    }


def trend_class(metric: str, change: float | None) -> str:
    """ "good" (green) or "bad" (red) by what the metric's rise means; no colour for no change or no direction."""
    if not change or metric not in HIGHER_IS_BETTER:
        return ""
    return "good" if (change > 0) == HIGHER_IS_BETTER[metric] else "bad"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def to_html(report: dict[str, Any], page: dict[str, Any] | None = None) -> str:
    """The report as one HTML document with inline SVG; `page` adds the web page's week picker and sign-out."""
    template = _env.get_template("weekly.html")
    return template.render(
        r=report, charts=charts(report), page=page, pct=_pct, reasons=reasons_text, label=label, trend=trend_class
    )


def page_html(template: str, **context: Any) -> str:
    """A report page from its template, with the helpers every page uses (percentages, labels, yes/no)."""
    return _env.get_template(template).render(pct=_pct, label=label, yes_no=yes_no, **context)


def render(report: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report)
    if fmt == "xlsx":
        return to_xlsx(report)
    if fmt == "html":
        return to_html(report).encode()
    raise ValueError(fmt)


MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
