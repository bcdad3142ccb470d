"""The quarter's evaluations as JSON and XLSX; the same evaluations always give the same bytes."""

from typing import Any

from app.labels import yes_no
from app.reports.page import page_html
from app.reports.tabular import metric_label, to_json, workbook, workbook_bytes, write_sheet

INDICATORS = (
    "placements",
    "target_quarter",
    "target_share",
    "lasted_180",
    "reached_180",
    "lasted_180_share",
    "low_income_placements",
    "low_income_share",
    "lifted",
    "lifted_cohort",
    "rights_cases",
    "active_placements",
    "rights_cases_per_100",
    "training_graduates_placed",
)
TREND = ("previous_quarter", "placements_change", "target_share_change", "score_change")


def to_xlsx(data: dict[str, Any]) -> bytes:
    wb, stamp = workbook(data["quarter_end"], f"季度评估 quarterly evaluation {data['quarter']} · {data['scope']}")
    rows = data["evaluations"]
    write_sheet(
        wb,
        "季度评估 evaluations",
        ["评估编号 evaluation", "结对 pairing", "名称 name", "版本 version", "层级 level", "状态 status",
         *map(metric_label, ("score", "grade", *INDICATORS, "below_target", "review_flag", *TREND,
                             "rectification_action_id"))],
        [
            [e["id"], e["pairing_id"], e["name"], e["pairing_version"], e["level_label"], e["status_label"],
             e["score"], e["grade_label"], *[e["indicators"][k] for k in INDICATORS], yes_no(e["below_target"]),
             yes_no(e["review_flag"]), *[e["trend"].get(k) for k in TREND], e["rectification_action_id"]]
            for e in rows
        ],
    )  # fmt: skip
    write_sheet(
        wb,
        "分项得分 components",
        ["结对 pairing", "分项 component", "名称 name", metric_label("value"), metric_label("weight")],
        [
            [e["pairing_id"], name, part["label"], part["value"], part["weight"]]
            for e in rows
            for name, part in e["components"].items()
        ],
    )
    write_sheet(
        wb,
        "口径 definitions",
        ["口径 definition", "说明", "definition"],
        [[d["label"], d["zh"], d["en"]] for _, d in sorted(data["definitions"].items())],
    )
    return workbook_bytes(wb, stamp)


def to_html(data: dict[str, Any], nav: dict[str, Any]) -> str:
    """The quarter's evaluations as the /reports/quarterly page; `nav` is the page's quarter picker."""
    return page_html("quarterly.html", q=data, nav=nav)


def render(data: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return to_json(data)
    if fmt == "xlsx":
        return to_xlsx(data)
    raise ValueError(fmt)
