"""Charts of the national figures, drawn on the server as SVG.

pygal draws them: a maintained, pure-Python SVG charting library with no system libraries
and no browser code (its tooltip script is turned off here), small beside matplotlib and
writing SVG text that can be served as it is. Each chart goes on the page as an image
whose text alternative is the chart's summary, with the same figures in a table beside it,
so nothing is said by the picture alone (WCAG 2.2, 1.1.1 non-text content), and each bar
carries its number, so no figure is told by colour alone (1.4.1 use of colour).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pygal
from pygal.style import Style

# Dark enough for text contrast on white, and told apart without colour by the printed
# values and the legend's order.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#333333",
    foreground_strong="#1a1a1a",
    foreground_subtle="#d0d0d0",
    colors=("#0065bd", "#b35000", "#333333", "#00778b", "#8a2a87"),
    font_family="Helvetica, Arial, sans-serif",
    label_font_size=16,
    major_label_font_size=16,
    value_font_size=16,
    legend_font_size=16,
    title_font_size=16,
    opacity="1",
    opacity_hover="1",
)


@dataclass(frozen=True)
class Chart:
    """A bar chart: a bar for each category in each series, and a sentence saying what
    it shows."""

    name: str
    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[int, ...]], ...]
    summary: str

    @property
    def empty(self) -> bool:
        return not any(n for _, values in self.series for n in values)


def _ticks(top: int) -> list[int]:
    """Whole-number steps from 0 to at least `top`: counts are never fractions."""
    step = 1
    while top / step > 8:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2  # 1, 2, 5, 10, 20, 50...
    return list(range(0, top + step, step))


def svg(chart: Chart) -> str:
    """The chart as an SVG document, the same text every time for the same figures.
    Categories with nothing to show are left out of the picture (the table lists them),
    and the first category is drawn at the top, as the table reads."""
    shown = [i for i in range(len(chart.categories)) if any(v[i] for _, v in chart.series)] or list(
        range(len(chart.categories))
    )
    shown.reverse()  # pygal draws a horizontal chart's first bar at the bottom
    bars = len(shown) * max(1, len(chart.series))
    top = max((v[i] for _, v in chart.series for i in shown), default=0)
    drawn = pygal.HorizontalBar(
        style=STYLE,
        js=(),
        width=800,
        height=max(220, 110 + 30 * bars + 26 * len(chart.series)),
        print_values=True,
        print_zeroes=True,
        show_legend=len(chart.series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=1,
        truncate_label=-1,
        truncate_legend=-1,
        show_x_guides=False,
        show_y_guides=False,
        margin_right=40,
        range=(0, max(1, _ticks(top)[-1])),
        value_formatter=lambda n: f"{n:,.0f}",
        no_data_text="Nothing to show",
    )
    drawn.x_labels = [chart.categories[i] for i in shown]
    drawn.y_labels = _ticks(top)
    for label, values in chart.series:
        drawn.add(label, [values[i] for i in shown])
    text = drawn.render(is_unicode=True)
    # pygal writes its configuration as a script for its tooltips, which an image never
    # runs: left out. It names each drawing with a random id; the chart's name keeps the
    # drawing the same for the same figures.
    text = re.sub(r"<script\b.*?</script>", "", text, flags=re.S)
    return re.sub(r"chart-[0-9a-f-]{36}", f"chart-{chart.name}", text)
