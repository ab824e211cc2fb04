"""The HTML tables beside the charts (their text alternative) and the same figures for CSV.

Every cell prints its value, and a status its icon and words, so nothing rests on the tint.
Text from the councils' files (team names) is written as entities, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from charts.palette import STATUS_COLOURS, status_key
from charts.scale import finite_values
from metrics.formatting import count_text, format_figure, format_value, uk_month
from metrics.spc import VARIATION_WORDS, variation_label

#: Status in words, for screen readers and the table's key (the icon is the visible symbol).
STATUS_WORDS = {
    "no_data": "no data",
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
}
#: Visually hidden but read by screen readers (the usual "sr-only" rule, inline: ``st.html``
#: content has no shared style sheet).
_SR_ONLY = (
    "position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
    "clip:rect(0,0,0,0);white-space:nowrap;border:0"
)
#: Characters written as numeric entities in every text put into a table: HTML's own (so a
#: team called ``<a href=..>`` is text) and Markdown's (so ``![x](http://evil)`` stays text
#: even if the HTML is ever passed through a Markdown renderer).
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'[]()!*_`#|~\\{}$:"}
_CELL = "padding:4px 6px;border:1px solid #FFFFFF;vertical-align:top;white-space:nowrap"
_HEAD = f"{_CELL};background:#F0F2F6;font-weight:600;color:#1A1A1A"


def text_html(value: object) -> str:
    """``value`` as literal text inside HTML: every markup character an entity."""
    return "".join(_ENTITIES.get(ch, ch) for ch in str(value))


def _has_counts(frame: pd.DataFrame, unit: str) -> bool:
    return unit == "percent" and {"numerator", "denominator"} <= set(frame.columns)


def html_table(
    header: Sequence[str],
    rows: Sequence[tuple[str, Sequence[tuple[str, str, str]]]],
    caption: str,
    note: str = "",
) -> str:
    """A table with a caption, column headers (``<th scope="col">``) and a row header
    (``<th scope="row">``) per row. ``rows`` are ``(row header, cells)`` with each cell
    ``(inner HTML, cell style, title)``; the headers and caption are escaped here, the cells'
    HTML must be built from ``text_html`` output."""
    head = "".join(
        f'<th scope="col" style="{_HEAD};text-align:{"left" if i == 0 else "center"}">'
        f"{text_html(h)}</th>"
        for i, h in enumerate(header)
    )
    body = []
    for name, cells in rows:
        tds = "".join(
            f'<td style="{_CELL};text-align:center;{style}"'
            + (f' title="{text_html(title)}"' if title else "")
            + f">{inner}</td>"
            for inner, style, title in cells
        )
        body.append(
            f'<tr><th scope="row" style="{_HEAD};text-align:left">{text_html(name)}</th>{tds}</tr>'
        )
    foot = f'<p style="margin:4px 0 0;font-size:0.85rem;color:#444444">{note}</p>' if note else ""
    return (
        # A wide table scrolls sideways: the scrolling box takes keyboard focus (tabindex)
        # and is named, so a keyboard user can scroll it too (WCAG 2.1.1; axe's
        # scrollable-region-focusable).
        f'<div role="region" tabindex="0" aria-label="{text_html(caption)}" '
        'style="overflow-x:auto;margin-bottom:0.5rem">'
        '<table style="border-collapse:collapse;font-size:0.9rem;color:#1A1A1A;width:100%">'
        '<caption style="caption-side:top;text-align:left;font-weight:600;font-size:1.05rem;'
        f'padding:0 0 6px;color:#1A1A1A">{text_html(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{foot}</div>"
    )


def team_heat_table(cells: pd.DataFrame, *, title: str, unit: str) -> str:
    """A month × team table as HTML: each cell prints the value, the status icon (and the
    status in words for screen readers) and, for a percentage, the count behind it
    ("78.6% ✔" over "11 of 14"; "few cases: 2 of 3" under 5 cases). Cells are tinted by status
    as well. Team names are row headers and months column headers, all escaped as text.

    ``cells`` has columns ``month``, ``team``, ``value``, ``status`` and ``icon`` (and
    ``numerator``/``denominator`` for counts). Teams run top to bottom in the order given;
    months newest first, left to right, so the month the page is "as at" is the first column
    on any screen (oldest first, it was scrolled out of view at 1366 × 768). A drawn HTML
    table costs the browser almost nothing where a Plotly heatmap cost about a quarter of a
    second each. With ``variation`` and
    ``direction`` (``metrics.api.kpi_values``) a column beside the team's name gives its
    signal in the latest month, in words beside its icon.
    """
    months = sorted(cells["month"].unique(), reverse=True)
    teams = list(dict.fromkeys(cells["team"]))
    grid = cells.drop_duplicates(["team", "month"]).set_index(["team", "month"])
    counts = _has_counts(cells, unit)
    signals = {"variation", "direction"} <= set(cells.columns) and len(months) > 0
    shown: dict[str, str] = {}
    rows = []
    for team in teams:
        row: list[tuple[str, str, str]] = []
        if signals:
            latest = (team, months[0])
            said = (
                variation_label(grid.loc[latest, "variation"], int(grid.loc[latest, "direction"]))
                if latest in grid.index and grid.loc[latest, "value"] == grid.loc[latest, "value"]
                else "–"
            )
            row.append((text_html(said), "white-space:normal;text-align:left", ""))
        for month in months:
            key, label, counted, icon = "no_data", "–", "", ""
            if (team, month) in grid.index:
                cell = grid.loc[(team, month)]
                key = status_key(cell["status"])
                label = format_value(cell["value"], unit)
                icon = "" if key == "no_data" else str(cell["icon"] or "")
                if counts:
                    counted = count_text(cell["numerator"], cell["denominator"])
            words = STATUS_WORDS[key]
            if icon:
                shown.setdefault(key, icon)
            inner = text_html(label)
            if icon:
                inner += f' <span aria-hidden="true">{text_html(icon)}</span>'
            inner += f'<span style="{_SR_ONLY}">, {text_html(words)}</span>'
            if counted:
                inner += f'<br><span style="font-size:0.8rem">{text_html(counted)}</span>'
            tint = "#F2F2F2" if key == "no_data" else f"{STATUS_COLOURS[key]}40"
            figure = f"{label} ({counted})" if counted else label
            hover = f"{team}, {uk_month(month)}: {figure}, {words}"
            row.append((inner, f"background:{tint}", hover))
        rows.append((team, row))
    key_text = ", ".join(
        f"{text_html(shown[k])} {STATUS_WORDS[k]}" for k in STATUS_COLOURS if k in shown
    )
    note = "Newest month first. " + (f"Key: {key_text}; – no data." if key_text else "")
    if counts:
        note += " Under each percentage, the cases behind it."
    # Short month headers ("Apr 2021") keep twelve months on one screen; each cell's title
    # gives the month in full.
    header = ["Team", *[pd.Timestamp(m).strftime("%b %Y") for m in months]]
    if signals:
        header.insert(1, f"Signal, {pd.Timestamp(months[0]).strftime('%b %Y')}")
        note += (
            " Signal: the team's process as Making Data Count reads it (∿ common cause: no sign"
            " of change; ↑ ↓ special cause, improving or concerning, high or low)."
        )
    return html_table(header, rows, title, note.strip())


def team_table_rows(cells: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The team table's figures as a flat table for CSV: team, month, value, the counts behind
    a percentage and the status in words (aggregates only: no child is in it)."""
    frame = cells.sort_values(["team", "month"])
    out = _flat_figures(frame, unit, "Team", "team")
    out["Status"] = [STATUS_WORDS[status_key(s)] for s in frame["status"]]
    if "variation" in frame:
        out["Signal"] = [VARIATION_WORDS.get(v, "") for v in frame["variation"]]
    return out


def _flat_figures(frame: pd.DataFrame, unit: str, label: str, column: str) -> pd.DataFrame:
    """One CSV row per figure: its ``label`` (the team or line, from ``column``), month,
    value and, for a percentage, the counts behind it."""
    out = pd.DataFrame(
        {
            label: frame[column].astype(str).to_numpy(),
            "Month": [pd.Timestamp(m).strftime("%Y-%m") for m in frame["month"]],
            "Value": frame["value"].astype(float).round(3).to_numpy(),
        }
    )
    if _has_counts(frame, unit):
        out["Counted"] = frame["numerator"].to_numpy()
        out["Of"] = frame["denominator"].to_numpy()
    return out


#: The process columns the trend table adds when the series carries them (on its first
#: line's rows, ``metrics.api.process_chart``): header -> column.
PROCESS_HEADERS = {"Mean": "mean", "Lower limit": "lower_limit", "Upper limit": "upper_limit"}
SIGNAL_WORDS = {"improvement": "special cause — improving", "concern": "special cause — concerning"}


def _has_process(series: pd.DataFrame) -> bool:
    return {"mean", "lower_limit", "upper_limit", "special_cause"} <= set(series.columns)


def signal_words(cause: object, mean: object) -> str:
    """A month's signal in words: special cause (improving or concerning), common cause, or
    no limits yet."""
    if cause in SIGNAL_WORDS:
        return SIGNAL_WORDS[str(cause)]
    return "common cause" if finite_values([mean]) else "not enough months yet"


def trend_table(series: pd.DataFrame, *, title: str, unit: str) -> str:
    """The trend chart's table alternative as HTML: one row per month (row header), one column
    per line and the threshold (column headers), each figure with its counts; with the
    first line's process (mean, limits and the month's signal) when the series has it."""
    lines = list(dict.fromkeys(series["line"]))
    months = sorted(series["month"].unique())
    counts = _has_counts(series, unit)
    by = series.drop_duplicates(["line", "month"]).set_index(["line", "month"])
    first = by.loc[lines[0]] if lines else None
    has_threshold = first is not None and "threshold" in first and first["threshold"].notna().any()
    process = first is not None and _has_process(series)
    rows = []
    for month in months:
        cells = []
        for line in lines:
            if (line, month) in by.index:
                r = by.loc[(line, month)]
                figure = format_figure(
                    r["value"],
                    unit,
                    r["numerator"] if counts else None,
                    r["denominator"] if counts else None,
                )
            else:
                figure = "–"
            cells.append((text_html(figure), "", ""))
        if has_threshold:
            t = first["threshold"].get(month) if month in first.index else None
            cells.append((text_html(format_value(t, unit) if finite_values([t]) else "–"), "", ""))
        if process:
            r = first.loc[month] if month in first.index else None
            for column in PROCESS_HEADERS.values():
                v = r[column] if r is not None else None
                cells.append(
                    (text_html(format_value(v, unit) if finite_values([v]) else "–"), "", "")
                )
            said = signal_words(r["special_cause"], r["mean"]) if r is not None else "–"
            cells.append((text_html(said), "", ""))
        rows.append((uk_month(month), cells))
    header = ["Month", *[str(n) for n in lines], *(["Threshold"] if has_threshold else [])]
    if process:
        header += [f"{h} ({lines[0]})" for h in PROCESS_HEADERS] + [f"Signal ({lines[0]})"]
    return html_table(header, rows, title)


def trend_table_rows(series: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The trend chart's figures as a flat table for CSV: line, month, value, counts, threshold."""
    frame = series.sort_values(["month"], kind="stable")
    out = _flat_figures(frame, unit, "Line", "line")
    if "threshold" in frame:
        out["Threshold"] = frame["threshold"].astype(float).to_numpy()
    if _has_process(frame):
        for header, column in PROCESS_HEADERS.items():
            out[header] = pd.to_numeric(frame[column], errors="coerce").astype(float).to_numpy()
        out["Signal"] = [
            signal_words(c, m) if isinstance(c, str) else ""
            for c, m in zip(frame["special_cause"], frame["mean"], strict=True)
        ]
    return out
