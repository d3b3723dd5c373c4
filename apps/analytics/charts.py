"""Charts as SVG drawn on the server: accessible (a title, a description, and the same numbers
in a table beside each chart), colored by the page's CSS so both themes apply, and scaled to
the screen by their viewBox."""

from django.utils.html import escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 34


def line_chart(points: list[tuple[str, float | None]], *, title: str, description: str) -> str:
    """A percent (0–100) over time: one dot per point, joined where values exist."""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return round(LEFT + index * step, 1)

    def y(value: float) -> float:
        return round(TOP + inner_h * (1 - value / 100), 1)

    grid = []
    for value in (0, 25, 50, 75, 100):
        grid.append(
            f'<line class="chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value)}" '
            f'y2="{y(value)}"/><text class="chart__axis" x="{LEFT - 6}" y="{y(value) + 4}" '
            f'text-anchor="end">{value}%</text>'
        )
    every = max(1, len(points) // 8)  # at most about eight labels, so a phone can read them
    last = len(points) - 1

    def anchor(index: int) -> str:  # the end labels stay inside the picture
        return "start" if index == 0 and last else "end" if index == last and last else "middle"

    labels = [
        f'<text class="chart__axis" x="{x(i)}" y="{HEIGHT - 10}" text-anchor="{anchor(i)}">'
        f"{escape(label)}</text>"
        for i, (label, _) in enumerate(points)
        if i % every == 0 or i == last
    ]
    shown = [(x(i), y(value)) for i, (_, value) in enumerate(points) if value is not None]
    path = " ".join(f"{'M' if n == 0 else 'L'}{px},{py}" for n, (px, py) in enumerate(shown))
    dots = "".join(f'<circle class="chart__dot" cx="{px}" cy="{py}" r="3.5"/>' for px, py in shown)
    line = f'<path class="chart__line" d="{path}"/>' if len(shown) > 1 else ""
    ident = "chart-" + "".join(c for c in title.lower() if c.isalnum())[:30]
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
        f"{''.join(grid)}{line}{dots}{''.join(labels)}</svg>"
    )
