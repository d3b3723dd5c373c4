"""Draw the starter bank's figures as PNG files with Pillow.

Run from the repository root:

    python -m apps.questions.starter.figures

Every figure is drawn at twice its final size and scaled down, which smooths lines without
any randomness, so each run writes the same bytes. The file names are the image names that
bank.json refers to.
"""

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 800, 450
SCALE = 2  # drawn at SCALE × the final size, then scaled down
OUT_DIR = Path(__file__).resolve().parent / "figures"

BLACK = (0, 0, 0)
WHITE = (255, 255, 255)
GRAY = (120, 120, 120)
LIGHT_GRAY = (225, 225, 225)
ECG_MINOR = (250, 210, 210)
ECG_MAJOR = (235, 140, 140)

Point = tuple[float, float]


# Drawing helpers ------------------------------------------------------------------------


def font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled default font at `size` final-image pixels."""
    return ImageFont.load_default(size=size * SCALE)


def s(value: float) -> float:
    """A length in final-image pixels, in drawing pixels."""
    return value * SCALE


def new_canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), WHITE)
    return image, ImageDraw.Draw(image)


def finish(image: Image.Image) -> Image.Image:
    return image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)


def text(draw: ImageDraw.ImageDraw, xy: Point, label: str, size: int = 15, anchor: str = "la"):
    draw.text((s(xy[0]), s(xy[1])), label, fill=BLACK, font=font(size), anchor=anchor)


def vertical_text(image: Image.Image, center: Point, label: str, size: int = 15):
    """Write `label` rotated to read from bottom to top, centred on `center`."""
    f = font(size)
    left, top, right, bottom = f.getbbox(label)
    strip = Image.new("RGB", (right - left + 4, bottom - top + 4), WHITE)
    ImageDraw.Draw(strip).text((2 - left, 2 - top), label, fill=BLACK, font=f)
    strip = strip.rotate(90, expand=True)
    image.paste(strip, (int(s(center[0]) - strip.width / 2), int(s(center[1]) - strip.height / 2)))


def polyline(draw: ImageDraw.ImageDraw, points: Sequence[Point], width: float, fill=BLACK):
    draw.line([(s(x), s(y)) for x, y in points], fill=fill, width=round(s(width)), joint="curve")


def dashed_polyline(
    draw: ImageDraw.ImageDraw,
    points: Sequence[Point],
    width: float,
    dash: float = 9,
    gap: float = 6,
    fill=BLACK,
):
    """Draw a polyline as dashes of `dash` pixels separated by `gap` pixels along its length."""
    period = dash + gap
    travelled = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        length = math.hypot(x1 - x0, y1 - y0)
        position = 0.0
        while position < length:
            phase = (travelled + position) % period
            step = min((dash - phase) if phase < dash else (period - phase), length - position)
            if phase < dash:
                a, b = position / length, (position + step) / length
                start = (x0 + (x1 - x0) * a, y0 + (y1 - y0) * a)
                end = (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)
                polyline(draw, [start, end], width, fill)
            position += step
        travelled += length


def arrow(
    draw: ImageDraw.ImageDraw, tail: Point, head: Point, width: float = 2.5, size: float = 12
):
    polyline(draw, [tail, head], width)
    angle = math.atan2(head[1] - tail[1], head[0] - tail[0])
    left = (
        head[0] - size * math.cos(angle - 0.45),
        head[1] - size * math.sin(angle - 0.45),
    )
    right = (
        head[0] - size * math.cos(angle + 0.45),
        head[1] - size * math.sin(angle + 0.45),
    )
    draw.polygon([(s(x), s(y)) for x, y in (head, left, right)], fill=BLACK)


def frange(start: float, stop: float, step: float) -> list[float]:
    """Evenly spaced values from start to stop inclusive (step must divide the span)."""
    count = round((stop - start) / step)
    return [start + i * step for i in range(count + 1)]


@dataclass
class Axes:
    """A plot area: data ranges mapped onto a pixel box of the final image."""

    left: float
    top: float
    right: float
    bottom: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def px(self, x: float, y: float) -> Point:
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        return (
            self.left + (x - x0) / (x1 - x0) * (self.right - self.left),
            self.bottom - (y - y0) / (y1 - y0) * (self.bottom - self.top),
        )

    def curve(self, points: Iterable[Point]) -> list[Point]:
        return [self.px(x, y) for x, y in points]

    def draw_frame(
        self,
        image: Image.Image,
        draw: ImageDraw.ImageDraw,
        x_ticks: Sequence[float],
        y_ticks: Sequence[float],
        x_label: str,
        y_label: str,
    ):
        """Axis lines, ticks with numbers, light grid lines and the two axis titles."""
        for x in x_ticks:
            (gx, _) = self.px(x, 0)
            polyline(draw, [(gx, self.top), (gx, self.bottom)], 1, LIGHT_GRAY)
            polyline(draw, [(gx, self.bottom), (gx, self.bottom + 6)], 2)
            text(draw, (gx, self.bottom + 9), f"{x:g}", anchor="mt")
        for y in y_ticks:
            (_, gy) = self.px(self.x_range[0], y)
            polyline(draw, [(self.left, gy), (self.right, gy)], 1, LIGHT_GRAY)
            polyline(draw, [(self.left - 6, gy), (self.left, gy)], 2)
            text(draw, (self.left - 10, gy), f"{y:g}", anchor="rm")
        polyline(
            draw, [(self.left, self.top), (self.left, self.bottom), (self.right, self.bottom)], 2
        )
        text(draw, ((self.left + self.right) / 2, self.bottom + 32), x_label, size=16, anchor="mt")
        vertical_text(image, (self.left - 52, (self.top + self.bottom) / 2), y_label, size=16)


def legend(draw: ImageDraw.ImageDraw, origin: Point, entries: Sequence[tuple[str, bool]]):
    """A boxed legend; each entry is (label, dashed?) drawn as a black line sample."""
    x, y = origin
    row = 24
    f = font(15)
    label_width = max(f.getlength(label) for label, _ in entries) / SCALE
    box = (x, y, x + 62 + label_width + 12, y + row * len(entries) + 10)
    draw.rectangle([s(v) for v in box], fill=WHITE, outline=GRAY, width=round(s(1)))
    for i, (label, dashed) in enumerate(entries):
        cy = y + 17 + i * row
        sample = [(x + 10, cy), (x + 52, cy)]
        if dashed:
            dashed_polyline(draw, sample, 2.5)
        else:
            polyline(draw, sample, 2.5)
        text(draw, (x + 62, cy), label, anchor="lm")


# Pedigree -------------------------------------------------------------------------------

SYMBOL = 36  # side of a square, diameter of a circle


def pedigree_symbol(draw: ImageDraw.ImageDraw, center: Point, male: bool, affected: bool):
    half = SYMBOL / 2
    box = [s(center[0] - half), s(center[1] - half), s(center[0] + half), s(center[1] + half)]
    fill = BLACK if affected else WHITE
    if male:
        draw.rectangle(box, fill=fill, outline=BLACK, width=round(s(2.5)))
    else:
        draw.ellipse(box, fill=fill, outline=BLACK, width=round(s(2.5)))


def draw_pedigree() -> Image.Image:
    """Three generations of a family with a mitochondrially inherited disorder.

    Every child of an affected woman is affected; no child of the affected man (II-2) is.
    """
    image, draw = new_canvas()
    rows = {"I": 70, "II": 200, "III": 330}
    # (label, x, generation, male, affected)
    people = [
        ("I-1", 370, "I", True, False),
        ("I-2", 470, "I", False, True),
        ("II-1", 120, "II", False, False),
        ("II-2", 220, "II", True, True),
        ("II-3", 400, "II", True, True),
        ("II-4", 560, "II", False, True),
        ("II-5", 660, "II", True, False),
        ("III-1", 80, "III", False, False),
        ("III-2", 170, "III", True, False),
        ("III-3", 260, "III", False, False),
        ("III-4", 520, "III", True, True),
        ("III-5", 610, "III", False, True),
        ("III-6", 700, "III", True, True),
    ]
    position = {label: (x, rows[generation]) for label, x, generation, _, _ in people}
    half = SYMBOL / 2

    def couple_with_children(husband: str, wife: str, children: Sequence[str]):
        (hx, hy), (wx, _) = position[husband], position[wife]
        left, right = sorted((hx, wx))
        polyline(draw, [(left + half, hy), (right - half, hy)], 2.5)
        middle = (left + right) / 2
        sibship_y = position[children[0]][1] - 60
        polyline(draw, [(middle, hy), (middle, sibship_y)], 2.5)
        xs = [position[child][0] for child in children]
        polyline(draw, [(min(xs), sibship_y), (max(xs), sibship_y)], 2.5)
        for child in children:
            cx, cy = position[child]
            polyline(draw, [(cx, sibship_y), (cx, cy - half)], 2.5)

    couple_with_children("I-1", "I-2", ["II-2", "II-3", "II-4"])
    couple_with_children("II-2", "II-1", ["III-1", "III-2", "III-3"])
    couple_with_children("II-5", "II-4", ["III-4", "III-5", "III-6"])

    for label, x, generation, male, affected in people:
        y = rows[generation]
        pedigree_symbol(draw, (x, y), male, affected)
        text(draw, (x, y + half + 6), label, size=14, anchor="mt")
    for generation, y in rows.items():
        text(draw, (22, y), generation, size=20, anchor="lm")

    proband_x, proband_y = position["III-4"]
    arrow(draw, (proband_x - 62, proband_y + 42), (proband_x - half - 3, proband_y + half - 2))

    # Key, top right.
    pedigree_symbol(draw, (610, 40), True, True)
    pedigree_symbol(draw, (655, 40), False, True)
    text(draw, (682, 40), "affected", anchor="lm")
    pedigree_symbol(draw, (610, 88), True, False)
    pedigree_symbol(draw, (655, 88), False, False)
    text(draw, (682, 88), "unaffected", anchor="lm")
    arrow(draw, (598, 132), (626, 120))
    text(draw, (682, 126), "patient", anchor="lm")
    return finish(image)


# Left-ventricular pressure–volume loops ----------------------------------------------------


def edpvr(volume: float) -> float:
    """End-diastolic pressure (mm Hg) at a left-ventricular volume (mL)."""
    return math.exp(0.02 * (volume - 10))


def espvr(volume: float) -> float:
    """End-systolic pressure (mm Hg) at a volume, elastance 2.5 mm Hg/mL, V0 10 mL."""
    return 2.5 * (volume - 10)


def pv_loop(edv: float, esv: float, opening: float, peak: float) -> list[Point]:
    """One cardiac cycle: isovolumic contraction, ejection, isovolumic relaxation, filling.

    The aortic valve opens at `opening` mm Hg; ejection ends on the ESPVR at `esv`.
    """
    end_systolic = espvr(esv)
    bulge = peak - (opening + end_systolic) / 2
    ejection = [
        (
            edv - (edv - esv) * t,
            opening + (end_systolic - opening) * t + bulge * math.sin(math.pi * t),
        )
        for t in frange(0, 1, 0.02)
    ]
    filling = [(v, edpvr(v)) for v in frange(esv, edv, 1)]
    return [(edv, edpvr(edv)), *ejection, (esv, edpvr(esv)), *filling]


def draw_pv_loop() -> Image.Image:
    """Baseline loop (dashed) and, solid, the same heart ejecting against a higher afterload."""
    image, draw = new_canvas()
    axes = Axes(100, 30, 620, 380, (0, 200), (0, 200))
    axes.draw_frame(
        image,
        draw,
        frange(0, 200, 50),
        frange(0, 200, 50),
        "Left ventricular volume (mL)",
        "Left ventricular pressure (mm Hg)",
    )
    polyline(draw, axes.curve((v, espvr(v)) for v in frange(10, 88, 1)), 2, GRAY)
    polyline(draw, axes.curve((v, edpvr(v)) for v in frange(10, 185, 1)), 2, GRAY)
    text(draw, axes.px(64, 182), "ESPVR", anchor="rm")
    text(draw, axes.px(186, 36), "EDPVR", anchor="mb")

    dashed_polyline(draw, axes.curve(pv_loop(edv=120, esv=50, opening=80, peak=122)), 3)
    polyline(draw, axes.curve(pv_loop(edv=120, esv=75, opening=130, peak=172)), 3)
    legend(draw, (560, 40), [("Baseline", True), ("After intervention", False)])
    return finish(image)


# Concentration–response curves ------------------------------------------------------------


def response(log_concentration: float, maximum: float, log_ec50: float) -> float:
    """Response (% of the control maximum) for a Hill coefficient of 1."""
    return maximum / (1 + 10 ** (log_ec50 - log_concentration))


def draw_dose_response() -> Image.Image:
    """Norepinephrine on aortic rings: control, and after drug X and washout (lower maximum)."""
    image, draw = new_canvas()
    axes = Axes(100, 30, 620, 370, (-9, -4), (0, 100))
    axes.draw_frame(
        image,
        draw,
        frange(-9, -4, 1),
        frange(0, 100, 20),
        "Norepinephrine concentration, log (mol/L)",
        "Contraction (% of control maximum)",
    )
    grid = frange(-9, -4, 0.05)
    doses = frange(-8.5, -4.5, 0.5)
    control = (100, -7.0)
    after = (45, -6.85)

    polyline(draw, axes.curve((x, response(x, *control)) for x in grid), 3)
    for x in doses:
        cx, cy = axes.px(x, response(x, *control))
        draw.ellipse([s(cx - 6), s(cy - 6), s(cx + 6), s(cy + 6)], fill=BLACK)

    dashed_polyline(draw, axes.curve((x, response(x, *after)) for x in grid), 3)
    for x in doses:
        cx, cy = axes.px(x, response(x, *after))
        draw.rectangle(
            [s(cx - 6), s(cy - 6), s(cx + 6), s(cy + 6)],
            fill=WHITE,
            outline=BLACK,
            width=round(s(2)),
        )
    legend(draw, (118, 40), [("Control", False), ("After drug X and washout", True)])
    return finish(image)


# Flow–volume loops ----------------------------------------------------------------------


def flow_volume_loop(fvc: float, peak_expiratory: float, peak_inspiratory: float, cap: float):
    """Expiratory limb from TLC (volume 0) to RV, then inspiratory limb back to TLC.

    Flows are limited to `cap` L/s in both directions (a fixed airway narrowing); a cap
    above the peaks leaves the loop unchanged.
    """
    rise = 0.4  # litres expired before peak expiratory flow

    def expiratory(v: float) -> float:
        if v <= rise:
            return peak_expiratory * math.sin(math.pi / 2 * v / rise)
        return peak_expiratory * (fvc - v) / (fvc - rise)

    volumes = frange(0, fvc, fvc / 200)
    out = [(v, min(expiratory(v), cap)) for v in volumes]
    back = [(v, -min(peak_inspiratory * math.sin(math.pi * v / fvc), cap)) for v in volumes]
    return out + back[::-1]


def draw_flow_volume() -> Image.Image:
    """Predicted loop (dashed) and a loop with both limbs flattened (solid)."""
    image, draw = new_canvas()
    axes = Axes(110, 30, 610, 360, (0, 5), (-8, 10))
    axes.draw_frame(
        image,
        draw,
        frange(0, 5, 1),
        frange(-8, 10, 2),
        "Volume expired from total lung capacity (L)",
        "Flow (L/s)",
    )
    polyline(draw, [axes.px(0, 0), axes.px(5, 0)], 2)
    text(draw, axes.px(4.9, 8.8), "Expiration", anchor="rm")
    text(draw, axes.px(4.9, -7.0), "Inspiration", anchor="rm")

    dashed_polyline(draw, axes.curve(flow_volume_loop(4.6, 8.5, 6.0, cap=99)), 3)
    polyline(draw, axes.curve(flow_volume_loop(4.3, 8.5, 6.0, cap=2.6)), 3)
    legend(draw, (630, 40), [("Predicted", True), ("Patient", False)])
    return finish(image)


# Electrocardiogram rhythm strip -----------------------------------------------------------

PX_PER_SECOND = 125  # 25 mm/s with 1 mm = 5 px
PX_PER_MV = 50  # 10 mm/mV
STRIP_TOP = 40
BASELINE = 265
P_TIMES = frange(0.5, 6.1, 0.8)  # sinus P waves at 75/min
BLOCKED = {3, 7}  # indexes of the P waves not followed by a QRS complex
PR = 0.20  # seconds, the same for every conducted beat


def hump(t: float, start: float, duration: float, amplitude: float) -> float:
    if start <= t <= start + duration:
        return amplitude * math.sin(math.pi * (t - start) / duration)
    return 0.0


def wide_qrs(t: float, onset: float) -> float:
    """A 0.14-s QRS complex: small q, tall R, broad slurred S."""
    corners = [(0, 0), (0.015, -0.05), (0.045, 0.9), (0.09, -0.35), (0.14, 0)]
    u = t - onset
    for (t0, v0), (t1, v1) in itertools.pairwise(corners):
        if t0 <= u <= t1:
            return v0 + (v1 - v0) * (u - t0) / (t1 - t0)
    return 0.0


def calibration_pulse(t: float) -> float:
    """The 1-mV, 0.2-s calibration pulse at the start of every strip."""
    return 1.0 if 0.08 <= t <= 0.28 else 0.0


def ecg_millivolts(t: float) -> float:
    value = 0.0
    for index, p in enumerate(P_TIMES):
        value += hump(t, p, 0.10, 0.15)
        if index not in BLOCKED:
            value += wide_qrs(t, p + PR)
            value += hump(t, p + 0.40, 0.18, 0.30)
    return value + calibration_pulse(t)


def draw_ecg_grid(draw: ImageDraw.ImageDraw):
    for x in range(0, WIDTH + 1, 5):
        major = x % 25 == 0
        colour, width = (ECG_MAJOR, 1.5) if major else (ECG_MINOR, 0.5)
        polyline(draw, [(x, STRIP_TOP), (x, HEIGHT)], width, colour)
    for y in range(STRIP_TOP, HEIGHT + 1, 5):
        major = (y - STRIP_TOP) % 25 == 0
        colour, width = (ECG_MAJOR, 1.5) if major else (ECG_MINOR, 0.5)
        polyline(draw, [(0, y), (WIDTH, y)], width, colour)


def ecg_strip(title: str, millivolts: Callable[[float], float]) -> Image.Image:
    """A 6.4-s strip on ECG paper: `millivolts(t)` drawn at 25 mm/s and 10 mm/mV."""
    image, draw = new_canvas()
    draw_ecg_grid(draw)
    text(draw, (12, 12), title, size=17)
    text(draw, (WIDTH - 12, 12), "25 mm/s   10 mm/mV", size=17, anchor="ra")
    samples = [i / (PX_PER_SECOND * SCALE) for i in range(WIDTH * SCALE + 1)]
    trace = [(t * PX_PER_SECOND, BASELINE - millivolts(t) * PX_PER_MV) for t in samples]
    polyline(draw, trace, 2.2)
    return finish(image)


def draw_ecg() -> Image.Image:
    """Lead II: regular P waves, constant PR interval, every fourth P wave not conducted."""
    return ecg_strip("Lead II rhythm strip", ecg_millivolts)


# Hyperkalemia rhythm strip -----------------------------------------------------------------

HYPERKALEMIA_P_TIMES = frange(0.4, 5.56, 0.86)  # sinus rhythm at 70/min
HYPERKALEMIA_PR = 0.24  # seconds


def peaked(t: float, start: float, duration: float, amplitude: float) -> float:
    """A tall, narrow-based, symmetric wave that rises to a point (a 'tented' T wave)."""
    if start <= t <= start + duration:
        return amplitude * max(1 - abs(2 * (t - start) / duration - 1), 0) ** 1.5
    return 0.0


def very_wide_qrs(t: float, onset: float) -> float:
    """A 0.16-s QRS complex: slurred R of 0.45 mV and broad S of 0.35 mV."""
    corners = [(0, 0), (0.04, 0.45), (0.11, -0.35), (0.16, 0)]
    u = t - onset
    for (t0, v0), (t1, v1) in itertools.pairwise(corners):
        if t0 <= u <= t1:
            return v0 + (v1 - v0) * (u - t0) / (t1 - t0)
    return 0.0


def hyperkalemia_millivolts(t: float) -> float:
    """Flat, broad P waves (0.06 mV, 0.12 s), PR 0.24 s, QRS 0.16 s, T waves 1.0 mV and 0.26 s."""
    value = 0.0
    for p in HYPERKALEMIA_P_TIMES:
        qrs = p + HYPERKALEMIA_PR
        value += hump(t, p, 0.12, 0.06)
        value += very_wide_qrs(t, qrs)
        value += peaked(t, qrs + 0.18, 0.26, 1.0)
    return value + calibration_pulse(t)


def draw_ecg_hyperkalemia() -> Image.Image:
    """Lead II at 70/min: small P waves, long PR, wide QRS, tall peaked T waves."""
    return ecg_strip("Lead II rhythm strip", hyperkalemia_millivolts)


# Oxygen–hemoglobin dissociation curves ----------------------------------------------------


def saturation(po2: float, p50: float, hill: float = 2.7) -> float:
    """Hemoglobin O2 saturation (%) at a PO2 (mm Hg), from the Hill equation."""
    return 100 / (1 + (p50 / po2) ** hill) if po2 > 0 else 0.0


def draw_o2_dissociation() -> Image.Image:
    """Reference blood (P50 27 mm Hg, solid) and the subject's blood (P50 31 mm Hg, dashed).

    Both measured at pH 7.40, PCO2 40 mm Hg and 37°C; both curves approach 100% saturation.
    """
    image, draw = new_canvas()
    axes = Axes(100, 30, 720, 370, (0, 100), (0, 100))
    axes.draw_frame(
        image,
        draw,
        frange(0, 100, 10),
        frange(0, 100, 10),
        "Partial pressure of oxygen, PO2 (mm Hg)",
        "Hemoglobin O2 saturation (%)",
    )
    reference, patient = 27, 31
    for p50 in (reference, patient):
        polyline(draw, [axes.px(0, 50), axes.px(p50, 50), axes.px(p50, 0)], 1.5, GRAY)
    text(draw, axes.px(reference - 0.8, 3), f"{reference}", size=14, anchor="rb")
    text(draw, axes.px(patient + 0.8, 3), f"{patient}", size=14, anchor="lb")
    grid = frange(0.5, 100, 0.5)
    polyline(draw, axes.curve((x, saturation(x, reference)) for x in grid), 3)
    dashed_polyline(draw, axes.curve((x, saturation(x, patient)) for x in grid), 3)
    legend(draw, (480, 280), [("Reference blood", False), ("Subject's blood", True)])
    return finish(image)


# Lineweaver–Burk plot -------------------------------------------------------------------


def reciprocal_velocity(reciprocal_substrate: float, vmax: float, km: float) -> float:
    """1/v (min/nmol) at 1/[S] (L/mmol) for Michaelis–Menten kinetics."""
    return (km / vmax) * reciprocal_substrate + 1 / vmax


def draw_lineweaver_burk() -> Image.Image:
    """Double-reciprocal plot: no inhibitor (Vmax 20 nmol/min, Km 2 mmol/L, solid) and with
    the compound (Vmax 20 nmol/min, apparent Km 6 mmol/L, dashed).

    Measured points at [S] = 1, 1.25, 2, 4 and 10 mmol/L; lines extended to the x-axis.
    """
    image, draw = new_canvas()
    axes = Axes(110, 30, 720, 370, (-0.6, 1.2), (0, 0.4))
    axes.draw_frame(
        image,
        draw,
        [round(x, 1) for x in frange(-0.6, 1.2, 0.2)],
        [round(y, 2) for y in frange(0, 0.4, 0.05)],
        "1/[S] (L/mmol)",
        "1/v (min/nmol)",
    )
    polyline(draw, [axes.px(0, 0), axes.px(0, 0.4)], 2)
    points = [1 / c for c in (1, 1.25, 2, 4, 10)]
    for km, dashed, square in ((2, False, False), (6, True, True)):
        line = [(x, reciprocal_velocity(x, 20, km)) for x in (-1 / km, 1.1)]
        if dashed:
            dashed_polyline(draw, axes.curve(line), 3)
        else:
            polyline(draw, axes.curve(line), 3)
        for x in points:
            cx, cy = axes.px(x, reciprocal_velocity(x, 20, km))
            box = [s(cx - 6), s(cy - 6), s(cx + 6), s(cy + 6)]
            if square:
                draw.rectangle(box, fill=WHITE, outline=BLACK, width=round(s(2)))
            else:
                draw.ellipse(box, fill=BLACK)
    legend(draw, (128, 40), [("No inhibitor", False), ("With compound", True)])
    return finish(image)


# Cardiac function and venous return curves ----------------------------------------------


def cardiac_output(rap: float) -> float:
    """Cardiac function curve: output (L/min) rising from 0 at a right atrial pressure of
    -4 mm Hg to 5 L/min at 0 mm Hg and levelling off toward 13 L/min."""
    x = max(rap + 4, 0)
    return 13 * x**3.14 / (x**3.14 + 4.65**3.14)


def venous_return(rap: float, msfp: float, resistance: float = 1.4) -> float:
    """Venous return (L/min) = (mean systemic filling pressure - RAP) / resistance to venous
    return (mm Hg per L/min); flat below an RAP of -2 mm Hg, where the great veins collapse."""
    return max(msfp - max(rap, -2), 0) / resistance


def equilibrium(msfp: float) -> Point:
    """The RAP and output at which the cardiac function and venous return curves cross."""
    low, high = -2.0, msfp
    for _ in range(60):
        mid = (low + high) / 2
        if cardiac_output(mid) < venous_return(mid, msfp):
            low = mid
        else:
            high = mid
    return low, cardiac_output(low)


def draw_venous_return() -> Image.Image:
    """One cardiac function curve; venous return curves with a mean systemic filling pressure
    of 7 mm Hg (before, solid) and 11 mm Hg (after, dashed) and the same slope.

    The curves cross at A (RAP 0 mm Hg, 5.0 L/min) before and B (RAP about 1 mm Hg,
    about 7.2 L/min) after.
    """
    image, draw = new_canvas()
    axes = Axes(100, 30, 720, 370, (-4, 12), (0, 14))
    axes.draw_frame(
        image,
        draw,
        frange(-4, 12, 1),
        frange(0, 14, 2),
        "Right atrial pressure (mm Hg)",
        "Cardiac output or venous return (L/min)",
    )
    grid = frange(-4, 12, 0.05)
    polyline(draw, axes.curve((r, cardiac_output(r)) for r in grid), 3)
    polyline(draw, axes.curve((r, venous_return(r, 7)) for r in frange(-4, 7, 0.05)), 3)
    dashed_polyline(draw, axes.curve((r, venous_return(r, 11)) for r in frange(-4, 11, 0.05)), 3)
    for label, msfp in (("A", 7), ("B", 11)):
        cx, cy = axes.px(*equilibrium(msfp))
        draw.ellipse([s(cx - 6), s(cy - 6), s(cx + 6), s(cy + 6)], fill=BLACK)
        text(draw, (cx + 12, cy - 5), label, size=17, anchor="lm")
    text(draw, axes.px(11.8, 13.1), "Cardiac function curve (unchanged)", anchor="rb")
    text(draw, axes.px(5.5, 5.6), "Venous return curves", anchor="lb")
    legend(draw, (108, 36), [("Before the intervention", False), ("After the intervention", True)])
    return finish(image)


# Growth chart ---------------------------------------------------------------------------

# CDC 2000 stature-for-age for boys, cm, at ages 2 to 12 years (5th to 95th percentiles).
BOYS_STATURE_PERCENTILES = (5, 10, 25, 50, 75, 90, 95)
BOYS_STATURE = {
    2: (80.7, 82.0, 84.1, 86.5, 88.8, 90.9, 92.2),
    3: (89.2, 90.5, 92.7, 95.3, 97.9, 100.4, 101.9),
    4: (95.6, 97.1, 99.7, 102.5, 105.4, 108.0, 109.5),
    5: (101.5, 103.2, 106.0, 109.2, 112.3, 115.1, 116.8),
    6: (107.3, 109.2, 112.2, 115.7, 119.1, 122.1, 123.9),
    7: (113.2, 115.1, 118.4, 122.0, 125.7, 129.0, 131.0),
    8: (118.8, 120.8, 124.3, 128.1, 132.1, 135.7, 137.8),
    9: (123.8, 126.0, 129.6, 133.7, 137.9, 141.8, 144.1),
    10: (128.2, 130.5, 134.4, 138.8, 143.3, 147.4, 149.9),
    11: (132.4, 134.9, 139.0, 143.7, 148.5, 152.9, 155.5),
    12: (137.3, 139.9, 144.3, 149.3, 154.4, 159.0, 161.9),
}
# The patient's heights (cm) at each birthday: on the 50th percentile to age 7, then slowing.
GROWTH_FAILURE_HEIGHTS = {
    2: 86.6,
    3: 95.0,
    4: 102.6,
    5: 109.0,
    6: 115.5,
    7: 121.8,
    8: 125.5,
    9: 128.0,
    10: 130.2,
    11: 132.0,
}


def draw_growth_chart() -> Image.Image:
    """Stature-for-age percentile lines for boys with one boy's heights from age 2 to 11."""
    image, draw = new_canvas()
    axes = Axes(100, 25, 690, 370, (2, 12), (80, 165))
    axes.draw_frame(
        image, draw, frange(2, 12, 1), frange(80, 160, 10), "Age (years)", "Stature (cm)"
    )
    text(draw, (axes.left + 12, axes.top + 6), "Stature-for-age percentiles, boys", size=15)
    ages = sorted(BOYS_STATURE)
    label_ys = []
    for column, percentile in enumerate(BOYS_STATURE_PERCENTILES):
        line = [axes.px(age, BOYS_STATURE[age][column]) for age in ages]
        polyline(draw, line, 1.5, GRAY)
        label_ys.append((line[-1][1], f"{percentile}th"))
    # Spread the labels at the right-hand end so that neighbours do not overlap.
    gap = 14
    placed: list[float] = []
    for y, _ in label_ys:
        placed.append(min(y, placed[-1] - gap) if placed else y)
    for y, (_, label) in zip(placed, label_ys, strict=True):
        text(draw, (axes.right + 6, y), label, size=13, anchor="lm")

    heights = [axes.px(age, height) for age, height in GROWTH_FAILURE_HEIGHTS.items()]
    polyline(draw, heights, 2.5)
    for cx, cy in heights:
        draw.ellipse([s(cx - 5), s(cy - 5), s(cx + 5), s(cy + 5)], fill=BLACK)
    return finish(image)


# Kaplan–Meier survival curves ------------------------------------------------------------

TRIAL_ARM_SIZE = 200


def placebo_death_month(u: float) -> float:
    """Months to death at quantile u: exponential survival with a median of 12 months."""
    return -12 / math.log(2) * math.log(1 - u)


def drug_death_month(u: float) -> float:
    """Months to death at quantile u: 35% long-term survivors, the rest dying at a constant
    rate that puts the median at 18 months; no deaths after 30 months."""
    survival, long_term = 1 - u, 0.35
    if survival <= long_term:
        return math.inf
    month = -math.log((survival - long_term) / (1 - long_term)) / (math.log(0.65 / 0.15) / 18)
    return month if month <= 30 else math.inf


def trial_arm(death_month: Callable[[float], float], scramble: int) -> list[tuple[float, bool]]:
    """(months followed, died?) for each patient of one arm.

    Patient i dies at the i-th quantile of `death_month`; enrolment spread over 3 years with
    follow-up ending 6 months after the last patient enrols censors survivors after 6 to 42
    months, assigned in a fixed shuffled order.
    """
    n = TRIAL_ARM_SIZE
    patients = []
    for i in range(n):
        death = death_month((i + 0.5) / n)
        censor = 6 + 36 * ((i * scramble) % n + 0.5) / n
        patients.append((min(death, censor), death <= censor))
    return sorted(patients)


def kaplan_meier(patients: Sequence[tuple[float, bool]]) -> list[Point]:
    """(month, survival) at time zero and at each death, by the product-limit method."""
    steps, survival, at_risk = [(0.0, 1.0)], 1.0, len(patients)
    for month, group in itertools.groupby(patients, key=lambda patient: patient[0]):
        outcomes = [died for _, died in group]
        deaths = sum(outcomes)
        if deaths:
            survival *= 1 - deaths / at_risk
            steps.append((month, survival))
        at_risk -= len(outcomes)
    return steps


def survival_at(steps: Sequence[Point], month: float) -> float:
    return [value for start, value in steps if start <= month][-1]


def number_at_risk(patients: Sequence[tuple[float, bool]], month: float) -> int:
    return sum(1 for followed, _ in patients if followed >= month)


def draw_kaplan_meier() -> Image.Image:
    """Overall survival, drug (solid) against placebo (dashed), 200 patients per arm.

    Medians are about 18 and 12 months; ticks mark censored patients; the numbers at risk
    every 6 months are printed below the axis.
    """
    image, draw = new_canvas()
    axes = Axes(120, 20, 720, 285, (0, 36), (0, 1))
    axes.draw_frame(
        image,
        draw,
        frange(0, 36, 6),
        frange(0, 1, 0.1),
        "Months since randomization",
        "Probability of survival",
    )
    arms = [
        ("Drug", trial_arm(drug_death_month, 131), False),
        ("Placebo", trial_arm(placebo_death_month, 77), True),
    ]
    text(draw, (12, 345), "No. at risk", size=15)
    for row, (name, patients, dashed) in enumerate(arms):
        steps = kaplan_meier(patients)
        end = min(patients[-1][0], 36)
        path = [(0.0, 1.0)]
        for month, value in steps[1:]:
            path += [(month, path[-1][1]), (month, value)]
        path.append((end, path[-1][1]))
        if dashed:
            dashed_polyline(draw, axes.curve(path), 2.5)
        else:
            polyline(draw, axes.curve(path), 2.5)
        for month, died in patients:
            if not died and month <= 36:
                cx, cy = axes.px(month, survival_at(steps, month))
                polyline(draw, [(cx, cy - 5), (cx, cy + 5)], 1.5)
        y = 370 + 25 * row
        text(draw, (12, y), name, size=15, anchor="lm")
        for month in frange(0, 36, 6):
            count = number_at_risk(patients, month)
            text(draw, (axes.px(month, 0)[0], y), str(count), size=15, anchor="mm")
    legend(draw, (590, 30), [("Drug", False), ("Placebo", True)])
    return finish(image)


FIGURES: dict[str, Callable[[], Image.Image]] = {
    "pedigree-1.png": draw_pedigree,
    "pv-loop-1.png": draw_pv_loop,
    "dose-response-1.png": draw_dose_response,
    "flow-volume-1.png": draw_flow_volume,
    "ecg-1.png": draw_ecg,
    "o2-dissociation-1.png": draw_o2_dissociation,
    "lineweaver-burk-1.png": draw_lineweaver_burk,
    "venous-return-1.png": draw_venous_return,
    "growth-chart-1.png": draw_growth_chart,
    "ecg-2.png": draw_ecg_hyperkalemia,
    "kaplan-meier-1.png": draw_kaplan_meier,
}


def write_figures(out_dir: Path = OUT_DIR) -> list[Path]:
    """Draw every figure into `out_dir` and return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw_figure in FIGURES.items():
        path = out_dir / name
        draw_figure().save(path, format="PNG", optimize=True)
        written.append(path)
    return written


if __name__ == "__main__":
    write_figures()
