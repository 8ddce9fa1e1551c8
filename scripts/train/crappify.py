"""Make clean luma look like old black-and-white film: the model's training input.

Each degradation is applied per sample with its own probability and random strength, from a
numpy Generator so that a resumed run repeats the same sequence.
"""
import io
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from colour import RGB_TO_YCBCR, rgb_to_ycbcr_torch


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    radius = max(1, int(np.ceil(2.5 * sigma)))
    r = torch.arange(-radius, radius + 1, dtype=torch.float32)
    g = torch.exp(-(r ** 2) / (2 * sigma ** 2))
    return g / g.sum()


def blur(y: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of [1,1,H,W] (reflect padding)."""
    k = _gaussian_kernel(sigma)
    p = k.numel() // 2
    y = F.conv2d(F.pad(y, (p, p, 0, 0), mode='reflect'), k.reshape(1, 1, 1, -1))
    return F.conv2d(F.pad(y, (0, 0, p, p), mode='reflect'), k.reshape(1, 1, -1, 1))


def down_up(y: torch.Tensor, factor: float) -> torch.Tensor:
    h, w = y.shape[-2:]
    small = (max(8, int(round(h / factor))), max(8, int(round(w / factor))))
    y = F.interpolate(y, size=small, mode='bilinear', align_corners=False, antialias=True)
    return F.interpolate(y, size=(h, w), mode='bilinear', align_corners=False)


def tone(y: torch.Tensor, gamma: float, contrast: float, brightness: float) -> torch.Tensor:
    y = y.clamp(0, 1) ** gamma
    m = y.mean()
    return (y - m) * contrast + m + brightness


def vignette(y: torch.Tensor, strength: float) -> torch.Tensor:
    h, w = y.shape[-2:]
    yy = torch.linspace(-1, 1, h).reshape(h, 1)
    xx = torch.linspace(-1, 1, w).reshape(1, w)
    return y * (1 - strength * (yy ** 2 + xx ** 2) / 2)


def grain(y: torch.Tensor, amount: float, grain_size: float, rng: np.random.Generator) -> torch.Tensor:
    noise = torch.from_numpy(rng.standard_normal(y.shape).astype(np.float32))
    if grain_size > 0.4:
        noise = blur(noise, grain_size)
        noise = noise / noise.std().clamp_min(1e-6)
    # Film grain is strongest in the mid-tones.
    return y + amount * noise * (0.5 + 2 * y * (1 - y))


def jpeg(y: torch.Tensor, quality: int) -> torch.Tensor:
    arr = (y[0, 0].clamp(0, 1) * 255).round().byte().numpy()
    buf = io.BytesIO()
    Image.fromarray(arr, 'L').save(buf, format='JPEG', quality=int(quality))
    buf.seek(0)
    out = np.asarray(Image.open(buf).convert('L'), dtype=np.float32) / 255.0
    return torch.from_numpy(out)[None, None]


def film_luma(rgb: torch.Tensor, rng: np.random.Generator, prob: float) -> torch.Tensor:
    """Grey rendering of [N,3,H,W] RGB as an old film stock might have seen it: [N,1,H,W] in [0,1].

    With probability `prob` per sample the R, G, B weights of BT.601 luma are perturbed (log-normal,
    sigma 0.4), and a fifth of those get almost no red response, as orthochromatic stock had; the
    weights are renormalised to sum 1. Otherwise the sample's luma is plain BT.601. prob 0 draws
    nothing from `rng`, so runs made before this option repeat exactly.
    """
    base = torch.from_numpy(RGB_TO_YCBCR[0]).to(rgb.dtype)
    if prob <= 0:
        return torch.einsum('c,nchw->nhw', base, rgb)[:, None]
    weights = []
    for _ in range(rgb.shape[0]):
        w = base.clone()
        if rng.random() < prob:
            w = w * torch.from_numpy(np.exp(rng.normal(0.0, 0.4, 3))).to(rgb.dtype)
            if rng.random() < 0.2:
                w[0] *= 0.1
        weights.append(w / w.sum())
    return torch.einsum('nc,nchw->nhw', torch.stack(weights), rgb)[:, None].clamp(0, 1)


# Tone ranges (gamma as log, contrast, brightness). 'wide' reaches the flat, dark grading of real film
# (the shared 1950s clip: mean luma 0.24, std 0.15, against 0.45 / 0.23 for the photos), so that a model
# cannot read "flat and dark" as "warm indoor light".
TONE_RANGES = {
    'photo': ((-0.35, 0.35), (0.7, 1.25), (-0.08, 0.08)),
    'wide': ((-0.35, 0.7), (0.45, 1.3), (-0.15, 0.08)),
}


def crappify_one(y: torch.Tensor, rng: np.random.Generator, tone_range: str = 'photo') -> torch.Tensor:
    """y [1,1,H,W] clean luma in [0,1] -> degraded luma in [0,1]."""
    log_gamma, contrast, brightness = TONE_RANGES[tone_range]
    if rng.random() < 0.15:  # keep some inputs clean: colour photos turned grey are inputs too
        return y
    if rng.random() < 0.4:
        y = down_up(y, rng.uniform(1.2, 2.5))
    if rng.random() < 0.4:
        y = blur(y, rng.uniform(0.4, 1.4))
    if rng.random() < 0.7:
        y = tone(y, gamma=float(np.exp(rng.uniform(*log_gamma))), contrast=rng.uniform(*contrast),
                 brightness=rng.uniform(*brightness))
    if rng.random() < 0.35:
        y = vignette(y, rng.uniform(0.1, 0.5))
    if rng.random() < 0.6:
        y = grain(y, amount=rng.uniform(0.01, 0.06), grain_size=rng.uniform(0.0, 1.2), rng=rng)
    if rng.random() < 0.35:
        y = jpeg(y, quality=rng.integers(20, 80))
    return y.clamp(0, 1)


def crappify(y: torch.Tensor, rng: np.random.Generator, tone_range: str = 'photo') -> torch.Tensor:
    """Batch version: y [N,1,H,W]."""
    return torch.cat([crappify_one(y[i:i + 1], rng, tone_range) for i in range(y.shape[0])])


def training_luma(rgb: torch.Tensor, rng: np.random.Generator, film_luma_share: float = 0.0,
                  tone_range: str = 'photo', clean: torch.Tensor = None) -> torch.Tensor:
    """The model's input for RGB crops [N,3,H,W] as a run trains on it: grey as a random film stock
    saw it (for a share `film_luma_share`) or BT.601 luma (`clean`, computed when not given), crappified.
    train.py and average.py's BatchNorm re-measurement must see the same inputs, so both call this."""
    if film_luma_share:
        grey = film_luma(rgb, rng, film_luma_share)
    else:
        grey = clean if clean is not None else rgb_to_ycbcr_torch(rgb)[:, :1]
    return crappify(grey, rng, tone_range)
