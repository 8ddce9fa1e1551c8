"""Colour pins as model inputs: three hint planes (Cb, Cr, mask) at the model's input size.

A pin is a point and a colour. It is painted as a PIN_SIDE x PIN_SIDE square: Cb and Cr (offsets in
[-0.5, 0.5]) where the mask is 1, zero elsewhere. The engine paints pins the same way
(electron/engine/pipeline/pins.ts), so training sees exactly what inference will give.

Training samples pins from the truth as Zhang et al. 2017 do: a random count (often zero, mostly
a few to a few dozen), each at a random spot with the mean colour of a MEAN_SIDE x MEAN_SIDE patch.
"""
import numpy as np
import torch
import torch.nn.functional as F

PIN_SIDE = 5
MEAN_SIDE = 7
MAX_PINS = 40


def pin_count(rng: np.random.Generator, zero_share: float) -> int:
    """0 with probability zero_share, else log-uniform in 1..MAX_PINS (most value is in 5–30 pins)."""
    if rng.random() < zero_share:
        return 0
    return int(np.floor(np.exp(rng.uniform(0.0, np.log(MAX_PINS + 1)))))


def paint_pins(points, colours, h, w) -> torch.Tensor:
    """points: (K,2) integer (y, x) at the plane size; colours: (K,2) Cb/Cr. Returns [3,h,w]."""
    planes = torch.zeros(3, h, w)
    r = PIN_SIDE // 2
    for (y, x), (cb, cr) in zip(points, colours):
        y0, y1, x0, x1 = max(0, y - r), min(h, y + r + 1), max(0, x - r), min(w, x + r + 1)
        planes[0, y0:y1, x0:x1] = float(cb)
        planes[1, y0:y1, x0:x1] = float(cr)
        planes[2, y0:y1, x0:x1] = 1.0
    return planes


def patch_means(cbcr: torch.Tensor) -> torch.Tensor:
    """[N,2,H,W] -> the mean of the MEAN_SIDE x MEAN_SIDE patch around every pixel (edges: the part inside)."""
    return F.avg_pool2d(cbcr, MEAN_SIDE, stride=1, padding=MEAN_SIDE // 2, count_include_pad=False)


def sample_pins(cbcr_full: torch.Tensor, rng: np.random.Generator, count: int):
    """count pins from one image's truth [2,H,W]: ((K,2) points, (K,2) colours)."""
    _, h, w = cbcr_full.shape
    ys = rng.integers(0, h, size=count)
    xs = rng.integers(0, w, size=count)
    means = patch_means(cbcr_full[None])[0]
    colours = means[:, ys, xs].t().numpy()
    return np.stack([ys, xs], axis=1), colours


def sample_hints(cbcr_full: torch.Tensor, rng: np.random.Generator, zero_share=0.1) -> torch.Tensor:
    """Hint planes [N,3,H,W] for a training batch, pins drawn from the batch's own truth."""
    n, _, h, w = cbcr_full.shape
    out = torch.zeros(n, 3, h, w)
    for i in range(n):
        k = pin_count(rng, zero_share)
        if k:
            points, colours = sample_pins(cbcr_full[i], rng, k)
            out[i] = paint_pins(points, colours, h, w)
    return out
