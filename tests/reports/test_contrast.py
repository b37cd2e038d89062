"""The heat table's figures stay legible: every cell's ink on its colour reaches WCAG's 4.5:1
(1.4.3), on screen and on paper, wherever the mean falls on the response scale."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np

from reports import render


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_heat_cell_reaches_a_contrast_of_four_and_a_half() -> None:
    context = {"view": SimpleNamespace(response_range=SimpleNamespace(low=1, high=7))}
    for mean in np.linspace(1, 7, 121):
        style = render._heat(context, float(mean))  # type: ignore[arg-type]
        found = re.fullmatch(r"background-color: (#\w{6}); color: (#\w{6})", style)
        assert found, style
        assert _contrast(found.group(1), found.group(2)) >= 4.5, (mean, style)
