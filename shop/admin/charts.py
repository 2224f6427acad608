"""Small bar charts drawn on the server as SVG: no script, no library, nothing the
Content-Security-Policy refuses. Colours come from admin.css classes."""

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape


def bar_chart(
    bars: Sequence[tuple[str, int]],
    *,
    label: str,
    show: Callable[[int], str] = str,
    width: int = 600,
    height: int = 140,
    highlight_last: bool = True,
) -> Markup:
    """One bar per (name, value), scaled to the largest; each bar says its name and value
    on hover (<title>) and the chart as a whole is described by `label`."""
    gap, top, bottom = 2, 16, 18
    n = max(len(bars), 1)
    step = width / n
    peak = max((value for _, value in bars), default=0) or 1
    plot = height - top - bottom
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<line class="chart__axis" x1="0" y1="{top + plot}" x2="{width}" y2="{top + plot}"/>',
    ]
    for i, (name, value) in enumerate(bars):
        h = round(plot * max(value, 0) / peak, 1)
        x = round(i * step + gap / 2, 1)
        css = "chart__bar chart__bar--now" if highlight_last and i == len(bars) - 1 else "chart__bar"
        parts.append(
            f'<rect class="{css}" x="{x}" y="{round(top + plot - h, 1)}" width="{round(step - gap, 1)}" '
            f'height="{max(h, 0.5)}"><title>{escape(name)}: {escape(show(value))}</title></rect>'
        )
    parts.append(f'<text class="chart__label" x="0" y="11">{escape(show(peak if bars else 0))}</text>')
    if bars:
        parts.append(f'<text class="chart__label" x="0" y="{height - 4}">{escape(bars[0][0])}</text>')
        parts.append(
            f'<text class="chart__label" x="{width}" y="{height - 4}" text-anchor="end">{escape(bars[-1][0])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
