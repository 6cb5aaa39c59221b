"""Charts as SVG or PNG, drawn on the server with matplotlib (installed with the app, no CDN).

A chart is described by a :class:`Chart` (kind, title, category labels, named series), which a
view builds from the selectors; ``render`` draws it. Pages show the SVG inline-able as an
``<img>`` with a data table beside it, and offer both formats for download; the PDF reports embed
the PNG. Only ``matplotlib.figure.Figure`` is used (no pyplot state), so rendering is safe in
threads.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

BAR = "bar"
HBAR = "hbar"
LINE = "line"
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
# Colour-blind-safe palette (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")


@dataclass(frozen=True)
class Chart:
    kind: str
    title: str
    labels: list[str]
    series: dict[str, list[float | None]]
    ylabel: str = ""
    # A dashed reference line per series name (e.g. the action-plan target).
    reference: dict[str, list[float | None]] = field(default_factory=dict)
    percent: bool = False


def render(chart: Chart, fmt: str = "svg", *, width: float = 7.5, dpi: int = 110) -> bytes:
    """The chart drawn as ``fmt`` ("svg" or "png")."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    rows = max(1, len(chart.labels))
    height = max(2.8, 0.32 * rows + 1.2) if chart.kind == HBAR else 3.6
    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 9, "text.parse_math": False}):
        figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
        axes = figure.subplots()
        names = list(chart.series)
        count = max(1, len(names))
        positions = list(range(len(chart.labels)))
        for index, name in enumerate(names):
            values: list[float] = [v if v is not None else float("nan") for v in chart.series[name]]
            colour = PALETTE[index % len(PALETTE)]
            if chart.kind == LINE:
                axes.plot(positions, values, marker="o", color=colour, label=name)
            else:
                size = 0.8 / count
                shifted = [p - 0.4 + size * (index + 0.5) for p in positions]
                if chart.kind == HBAR:
                    axes.barh(shifted, values, height=size, color=colour, label=name)
                else:
                    axes.bar(shifted, values, width=size, color=colour, label=name)
        for index, (name, reference) in enumerate(chart.reference.items()):
            clean = [v if v is not None else float("nan") for v in reference]
            axes.plot(
                positions,
                clean,
                linestyle="--",
                color=PALETTE[(index + count) % len(PALETTE)],
                label=name,
            )
        if chart.kind == HBAR:
            axes.set_yticks(positions, chart.labels)
            axes.invert_yaxis()
            value_axis: Any = axes.xaxis
        else:
            axes.set_xticks(
                positions,
                chart.labels,
                rotation=45 if rows > 6 else 0,
                ha="right" if rows > 6 else "center",
            )
            value_axis = axes.yaxis
        if chart.percent:
            value_axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}%"))
        else:
            value_axis.set_major_locator(MaxNLocator(integer=True))
        if chart.ylabel:
            (axes.set_xlabel if chart.kind == HBAR else axes.set_ylabel)(chart.ylabel)
        axes.set_title(chart.title, loc="left", fontsize=11)
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="x" if chart.kind == HBAR else "y", alpha=0.3)
        if len(names) + len(chart.reference) > 1:
            axes.legend(frameon=False, fontsize=8)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()
