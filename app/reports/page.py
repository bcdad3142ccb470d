"""The report pages: Jinja2 templates rendered with the charts and the helpers every page uses."""

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.labels import HIGHER_IS_BETTER, label, yes_no
from app.reports.charts import charts
from app.reports.tabular import reasons_text

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True
)


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
