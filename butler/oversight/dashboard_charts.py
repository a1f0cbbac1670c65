"""The dashboard's charts, drawn as SVG on the server: their geometry is computed here and drawn by the
partials ``oversight/partials/_chart_bars.html`` and ``_chart_columns.html``. Horizontal bars (one per row,
scaled to the largest value, with each row's share) show the stars and the suggestion categories; grouped
columns over a grid of round steps show cards issued and ratings per week or month.
"""

from dataclasses import dataclass

from butler.oversight.dashboard import SeriesPoint, ratio
from butler.templatetags.butler_tags import percent


@dataclass
class Bar:
    label: str
    value: int
    share: float | None
    y: float  # top of the bar
    mid: float  # the middle of the row, where the texts sit
    width: float
    value_x: float  # where the value is written: after the bar
    css: str = ""
    url: str = ""

    @property
    def share_display(self) -> str:
        return percent(self.share)


@dataclass
class BarChart:
    """Horizontal bars, one per row, in a viewBox ``width`` × ``height``; labels right-aligned at
    ``label_x``, bars from ``bar_x`` on a track ``track_width`` wide."""

    bars: list[Bar]
    width: int
    height: int
    label_x: int
    bar_x: int
    track_width: int
    bar_height: int
    total: int


def bar_chart(rows: list[tuple[str, int, str, str]], *, label_width: int = 130) -> BarChart:
    """``rows``: (label, value, css class, link). Bars are scaled to the largest value."""
    width, row_height, bar_height, value_room = 560, 34, 20, 92
    top = max((value for _label, value, _css, _url in rows), default=0)
    total = sum(value for _label, value, _css, _url in rows)
    track = width - label_width - value_room
    bars = []
    for n, (label, value, css, url) in enumerate(rows):
        bar_width = round(track * value / top, 1) if top else 0
        y = n * row_height + (row_height - bar_height) / 2
        bars.append(
            Bar(
                label=str(label),
                value=value,
                share=ratio(value, total),
                y=y,
                mid=y + bar_height / 2,
                width=bar_width,
                value_x=label_width + bar_width + 6,
                css=css,
                url=url,
            )
        )
    return BarChart(
        bars, width, row_height * len(rows), label_width - 8, label_width, track, bar_height, total
    )


@dataclass
class Column:
    x: float
    y: float
    height: float
    value: int
    css: str
    mid: float = 0  # the column's centre, where its value is written


@dataclass
class ColumnGroup:
    label: str
    show_label: bool
    center: float
    columns: list[Column]


@dataclass
class ColumnChart:
    """Grouped columns over time, one group per month or week, in a viewBox ``width`` × ``height``."""

    groups: list[ColumnGroup]
    series: list[tuple[str, str]]  # (name, css class)
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal grid lines
    width: int
    height: int
    left: int
    right: int
    bottom: float
    column_width: float
    show_values: bool

    @property
    def label_y(self) -> float:
        return self.bottom + 18


SERIES_CSS = ("col-series-1", "col-series-2")


def column_chart(points: list[SeriesPoint], series: list[str]) -> ColumnChart:
    """Cards issued and ratings per bucket, side by side, over a grid of four steps."""
    width, height, left, right, top, bottom_margin = 760, 250, 44, 752, 16, 30
    bottom = height - bottom_margin
    plot_height = bottom - top
    values = [(p.cards, p.ratings) for p in points]
    top_value = max((max(pair) for pair in values), default=0)
    step = _nice_step(top_value)
    scale_top = step * max(1, -(-top_value // step))
    slot = (right - left) / max(len(points), 1)
    column_width = min(slot * 0.36, 26)
    every = max(1, -(-len(points) // 12))  # at most about twelve labels under the axis
    groups = []
    for n, (point, pair) in enumerate(zip(points, values, strict=True)):
        center = left + slot * (n + 0.5)
        columns = []
        for k, value in enumerate(pair):
            h = plot_height * value / scale_top
            x = center - column_width - 1 + k * (column_width + 2)
            columns.append(
                Column(
                    x=round(x, 1),
                    y=round(bottom - h, 1),
                    height=round(h, 1),
                    value=value,
                    css=SERIES_CSS[k],
                    mid=round(x + column_width / 2, 1),
                )
            )
        groups.append(ColumnGroup(point.label, n % every == 0, round(center, 1), columns))
    ticks = [
        (round(bottom - plot_height * value / scale_top, 1), value) for value in range(0, scale_top + 1, step)
    ]
    return ColumnChart(
        groups,
        list(zip(series, SERIES_CSS, strict=False)),
        ticks,
        width,
        height,
        left,
        right,
        bottom,
        round(column_width, 1),
        show_values=len(points) <= 16,
    )


def _nice_step(top: int) -> int:
    """A round grid step (1, 2 or 5 times a power of ten) so that at most five steps reach ``top``."""
    raw = max(top, 1) / 5
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude
