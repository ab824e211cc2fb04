"""What the end-to-end tests do in the page: open it, wait for Streamlit, read it, check it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import Page, expect

from metrics.formatting import uk_month
from tests.e2e.conftest import SCREENSHOTS
from ui.navigation import PageEntry

APP = '[data-testid="stApp"]'
IDLE = f'{APP}[data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = ("serious", "critical")
VIEWPORTS = ((1366, 768), (1920, 1080))

# How many data traces (lines, bars, heatmaps) a drawn Plotly chart's SVG holds.
_PLOTLY_TRACES = """
el => el.querySelectorAll(
    '.main-svg .scatterlayer .trace, .main-svg .barlayer .trace, .main-svg .heatmaplayer image,'
    + ' .main-svg .heatmaplayer .hm'
).length
"""


# Each static chart (``charts.static``: an <img> of SVG) read back in the page: its SVG put
# beside the picture at the same place and size (hidden, but laid out, so the browser's own
# font metrics give each text's box), then removed. Per chart: how many data marks are drawn
# in the plot, and every text's kind (its class), box, fill and size in screen pixels.
_STATIC_CHARTS = """
() => [...document.querySelectorAll('img.csc-chart')].map(img => {
  const bytes = Uint8Array.from(atob(img.src.split(',')[1]), c => c.charCodeAt(0));
  const doc = new DOMParser().parseFromString(new TextDecoder().decode(bytes), 'image/svg+xml');
  const svg = document.importNode(doc.documentElement, true);
  const r = img.getBoundingClientRect();
  const scale = r.width / svg.viewBox.baseVal.width;
  svg.setAttribute('width', r.width);
  svg.setAttribute('height', r.height);
  svg.setAttribute('font-family', 'Arial, sans-serif');  // an <img> cannot use page fonts
  const holder = document.createElement('div');
  holder.style.cssText = `position:fixed;left:${r.left}px;top:${r.top}px;visibility:hidden`;
  holder.appendChild(svg);
  document.body.appendChild(holder);
  const texts = [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBoundingClientRect();
    return {kind: t.getAttribute('class'), text: t.textContent.slice(0, 40),
            box: {left: b.left, top: b.top, right: b.right, bottom: b.bottom},
            fill: t.getAttribute('fill'), px: parseFloat(t.getAttribute('font-size')) * scale};
  });
  const drawn = svg.querySelectorAll('g[clip-path] > *').length;
  holder.remove();
  return {complete: img.complete && img.naturalWidth > 0, drawn, texts};
})
"""


def static_charts(page: Page) -> list[dict]:
    """Every static chart on the page as drawn now (``_STATIC_CHARTS``), once each is loaded."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.csc-chart')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    return page.evaluate(_STATIC_CHARTS)


def wait_idle(page: Page) -> None:
    """Wait until the script run is over and nothing on the page is still stale."""
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
    )


def page_url(base_url: str, entry: PageEntry) -> str:
    """A page's address: the default page lives at the root (the overview, which is also at
    ``/overview`` as a hidden page: Streamlit's default page is "not found" by its own name)."""
    return base_url + "/" + ("" if entry.default else entry.url_path)


def open_page(page: Page, url: str, as_at: date | None = None) -> None:
    """Go to one page (optionally at a chosen "as at" month) and wait for it to finish.

    Streamlit binds the picker to the URL by the label it shows, so a link to a month reads
    ``?as_at=February 2022``.
    """
    page.goto(url + (f"?{urlencode({'as_at': uk_month(as_at)})}" if as_at else ""))
    expect(page.get_by_role("combobox", name="As at month")).to_have_value(
        uk_month(as_at) if as_at else re.compile("."),
        timeout=30_000,  # a page per area and two test workers on two cores: allow for it
    )
    page.wait_for_selector('[data-testid="stMain"] h1')
    wait_idle(page)


def assert_no_exception(page: Page) -> None:
    """No red Streamlit exception box anywhere on the page."""
    boxes = page.locator(EXCEPTION)
    assert boxes.count() == 0, boxes.first.inner_text()


def drawn_charts(page: Page) -> list[int]:
    """Each chart on the page, as its number of drawn data traces (Plotly) or marks (a static
    chart's lines and markers); waits for drawing."""
    charts = page.locator(".js-plotly-plot")
    for index in range(charts.count()):
        expect(charts.nth(index).locator(".main-svg").first).to_be_attached()
    plotly = [charts.nth(i).evaluate(_PLOTLY_TRACES) for i in range(charts.count())]
    return plotly + [chart["drawn"] for chart in static_charts(page)]


def metric(page: Page, label: str) -> str:
    """The value shown in the ``st.metric`` whose label is exactly ``label``."""
    exactly = re.compile(rf"^\s*{re.escape(label)}\s*$")  # "3+ …" is not "CLA 3+ …"
    tile = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=exactly)
    )
    expect(tile).to_have_count(1)
    return tile.locator('[data-testid="stMetricValue"]').inner_text().strip()


def axe_violations(page: Page, axe_js: Path) -> list[dict]:
    """axe-core's WCAG 2.x A/AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_js))
    return page.evaluate(
        """tags => axe.run(
                document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}
            ).then(r => r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)
            })))""",
        AXE_TAGS,
    )


# The part of an element's box that is drawn: its box cut by every ancestor that clips
# (overflow not visible), e.g. a closed expander whose content is kept at no height.
_VISIBLE_BOX = """
const visibleBox = el => {
  let r = el.getBoundingClientRect();
  let box = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  for (let a = el.parentElement; a; a = a.parentElement) {
    const style = getComputedStyle(a);
    if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
    const c = a.getBoundingClientRect();
    box = {left: Math.max(box.left, c.left), top: Math.max(box.top, c.top),
           right: Math.min(box.right, c.right), bottom: Math.min(box.bottom, c.bottom)};
  }
  return box.right - box.left > 0 && box.bottom - box.top > 0 ? box : null;
};
"""

# Each drawn Plotly chart's text boxes, by kind: the chart title, the legend, axis titles,
# tick labels and notes. Two boxes of different kinds that intersect by more than a pixel are
# text printed over text (a heat-table title over its month labels, a legend into a title).
_PLOTLY_TEXT_OVERLAPS = """
() => {
  %s
  const kinds = {title: '.gtitle', legend: '.legend .bg', xtitle: '.g-xtitle text',
                 ytitle: '.g-ytitle text', xtick: '.xtick text', ytick: '.ytick text',
                 note: '.annotation-text-g'};
  const clash = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
                       && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const found = [];
  document.querySelectorAll('.js-plotly-plot').forEach((chart, n) => {
    const boxes = [];
    for (const [kind, sel] of Object.entries(kinds)) {
      chart.querySelectorAll(sel).forEach(el => {
        const r = visibleBox(el);
        if (r && (el.textContent || kind === 'legend'))
          boxes.push([kind, (el.textContent || '').slice(0, 40), r]);
      });
    }
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++)
        if (boxes[i][0] !== boxes[j][0] && clash(boxes[i][2], boxes[j][2])
            && !(boxes[i][0] === 'legend' && boxes[j][0] === 'legend'))
          found.push(`chart ${n + 1}: ${boxes[i][0]} "${boxes[i][1]}" over `
                     + `${boxes[j][0]} "${boxes[j][1]}"`);
  });
  return found;
}
"""

# Headings of the page against the text blocks beside them (not inside them): a heading
# drawn over a caption or a tile's text is the same fault in the page's own layout.
_HEADING_OVERLAPS = """
() => {
  %s
  const main = document.querySelector('[data-testid="stMain"]');
  const heads = [...main.querySelectorAll('h1, h2, h3')];
  const blocks = [...main.querySelectorAll(
      '[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"],'
      + ' [data-testid="stMetricValue"], [data-testid="stMetricLabel"]')];
  const clash = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
                       && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const found = [];
  for (const h of heads) {
    const hr = visibleBox(h);
    if (!hr) continue;
    for (const b of blocks) {
      if (b.contains(h) || h.contains(b)) continue;
      const br = visibleBox(b);
      if (br && clash(hr, br))
        found.push(`heading "${h.textContent.slice(0, 40)}" over "${b.textContent.slice(0, 40)}"`);
    }
  }
  return found;
}
"""


def _static_overlaps(page: Page) -> list[str]:
    """Texts of different kinds drawn over each other in the static charts (legend items
    beside each other are one kind)."""
    found = []
    for n, chart in enumerate(static_charts(page), start=1):
        texts = chart["texts"]
        for i, a in enumerate(texts):
            for b in texts[i + 1 :]:
                wide = min(a["box"]["right"], b["box"]["right"]) - max(
                    a["box"]["left"], b["box"]["left"]
                )
                tall = min(a["box"]["bottom"], b["box"]["bottom"]) - max(
                    a["box"]["top"], b["box"]["top"]
                )
                if a["kind"] != b["kind"] and wide > 1 and tall > 1:
                    found.append(
                        f'static chart {n}: {a["kind"]} "{a["text"]}" over '
                        f'{b["kind"]} "{b["text"]}"'
                    )
    return found


def text_overlaps(page: Page) -> list[str]:
    """Text printed over other text on the page as drawn now: in the charts (title, legend,
    axis titles, tick labels, notes; Plotly's and the static ones) and between headings and
    the text beside them."""
    return (
        page.evaluate(_PLOTLY_TEXT_OVERLAPS % _VISIBLE_BOX)
        + _static_overlaps(page)
        + page.evaluate(_HEADING_OVERLAPS % _VISIBLE_BOX)
    )


def screenshots(page: Page, name: str) -> list[Path]:
    """Save the page at a laptop's and a board screen's size, for a reviewer to look at,
    and fail if, at either size, any text is drawn over other text (``text_overlaps``)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saved = []
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        wait_idle(page)
        path = SCREENSHOTS / f"{name}_{width}x{height}.png"
        page.screenshot(path=path, full_page=True)
        saved.append(path)
        overlaps = text_overlaps(page)
        assert overlaps == [], f"{name} at {width}×{height}: {overlaps}"
    return saved


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label``, by keyboard, and wait for the run."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)
    wait_idle(page)


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: tuple[int, ...], background: tuple[int, ...]) -> float:
    """The WCAG contrast ratio of two sRGB colours."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def chart_text_colours(page: Page) -> set[tuple[int, ...]]:
    """The fill of every text in the Plotly charts (titles, ticks, legends, notes), except the
    heat tables' cell labels, which sit on their status colour rather than on white.
    axe-core cannot judge text in SVG charts, so the tests measure it themselves."""
    fills = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot .main-svg text')]
            .filter(t => !t.closest('.heatmaplayer') && t.textContent.trim())
            .map(t => getComputedStyle(t).fill)"""
    )
    colours = {tuple(int(n) for n in re.findall(r"\d+", fill)[:3]) for fill in fills}
    static = {t["fill"] for chart in static_charts(page) for t in chart["texts"]}
    return colours | {tuple(int(f[i : i + 2], 16) for i in (1, 3, 5)) for f in static}
