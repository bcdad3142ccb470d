"""The report's charts as inline SVG: retention curves and weekly departures, with nothing loaded from elsewhere."""

import math
import textwrap
from typing import Any

from markupsafe import Markup, escape

from app.labels import VOCABULARIES, label
from matching.bilingual import SEPARATOR

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


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
