"""The figure palette stays readable for colour-blind readers: every set of categories drawn together keeps a
minimum CIE76 colour difference (ΔE*ab) between each pair under simulated deuteranopia and protanopia.

Simulation: Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear sRGB; then sRGB (D65) → XYZ →
CIELAB and the Euclidean distance (CIE76).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tsi.figures import palette

# Machado et al. 2009, full-severity matrices on linear RGB.
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968],
                         [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])
PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868],
                       [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]])
SIMULATIONS = {"deuteranopia": DEUTERANOPIA, "protanopia": PROTANOPIA}

# linear sRGB → XYZ (D65)
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
WHITE = SRGB_TO_XYZ @ np.ones(3)

MIN_DELTA_E = 20.0  # CIE76; categories closer than this are hard to tell apart in a small legend swatch


def to_linear(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    c = np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(linear_rgb: np.ndarray) -> np.ndarray:
    t = (SRGB_TO_XYZ @ linear_rgb) / WHITE
    d = 6 / 29
    f = np.where(t > d ** 3, np.cbrt(t), t / (3 * d * d) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def simulate(hex_colour: str, matrix: np.ndarray) -> np.ndarray:
    return np.clip(matrix @ to_linear(hex_colour), 0.0, 1.0)


def delta_e(a: str, b: str, matrix: np.ndarray) -> float:
    return float(np.linalg.norm(lab(simulate(a, matrix)) - lab(simulate(b, matrix))))


def test_simulation_keeps_greys_and_merges_red_with_green():
    for m in SIMULATIONS.values():
        np.testing.assert_allclose(m.sum(axis=1), 1.0, atol=1e-3)  # neutral colours stay neutral
    assert delta_e("#808080", "#808080", DEUTERANOPIA) == 0.0
    # Plotly's default green and red (the old priority-bin / change colours) collapse for a deuteranope
    assert delta_e("#2ca02c", "#d62728", np.eye(3)) > 60
    assert delta_e("#2ca02c", "#d62728", DEUTERANOPIA) < 10


@pytest.mark.parametrize("simulation", sorted(SIMULATIONS))
@pytest.mark.parametrize("name", sorted(palette.CATEGORY_SETS))
def test_categories_stay_distinguishable(name, simulation):
    colours = palette.CATEGORY_SETS[name]
    assert len(set(c.lower() for c in colours)) == len(colours), f"{name}: a colour is used twice"
    for a, b in itertools.combinations(colours, 2):
        d = delta_e(a, b, SIMULATIONS[simulation])
        assert d >= MIN_DELTA_E, f"{name}: {a} and {b} are ΔE {d:.1f} apart under {simulation}"


def test_category_colours_are_okabe_ito():
    allowed = {c.lower() for c in palette.OKABE_ITO}
    for name, colours in palette.CATEGORY_SETS.items():
        assert {c.lower() for c in colours} <= allowed, name


def test_status_and_bins_have_symbols_besides_colours():
    assert len(set(palette.STATUS_SYMBOLS.values())) == len(palette.STATUS_SYMBOLS)
    assert len(set(palette.STATUS_PATTERNS.values())) == len(palette.STATUS_PATTERNS)
    assert set(palette.BIN_SYMBOLS) == set(palette.BIN_COLORS)
    assert len(set(palette.BIN_SYMBOLS.values())) == len(palette.BIN_SYMBOLS)
