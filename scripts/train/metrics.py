"""Validation metrics, defined as the app's evaluation defines them.

For each val image (RGB, uint8):
- render size: about (16·r)² pixels for render factor r (default 16 → ~256²), aspect kept, each side
  rounded to a multiple of the model's sizeMultiple;
- the model sees the BT.601 full-range luma resized (bilinear, antialiased) to the render size; its
  Cb/Cr are resized (bilinear) back to the full image and recombined with the untouched full-res luma;
- PSNR (dB) of that RGB (rounded to uint8) against the truth, and of the grey image (R=G=B=Y) too;
- colourfulness CF (Hasler & Süsstrunk, as in DDColor's basicsr metric) on 0–255 RGB:
  rg = R−G, yb = 0.5(R+G)−B, CF = sqrt(std_rg² + std_yb²) + 0.3·sqrt(mean_rg² + mean_yb²).
Reported: mean PSNR, mean grey PSNR, mean CF, mean true CF, cfRatio = mean CF / mean true CF.

Diagnostics of semantic colour (not targets): hue agreement per hue family. Over pixels whose true
colour is clearly coloured (|Cb,Cr| ≥ 0.05), grouped by the true hue's family in the Cb/Cr plane —
green (foliage, grass), blue (sky, water), warm (skin, wood, red/orange/yellow) — the share whose
predicted colour is in the same family and at least faintly coloured (|Cb,Cr| ≥ 0.02).
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

from colour import rgb_to_ycbcr_np, rgb_to_ycbcr_torch, ycbcr_to_rgb_torch


def render_size(h, w, render_factor=16, multiple=16):
    target = (16 * render_factor) ** 2
    scale = math.sqrt(target / (h * w))
    # floor(x + 0.5) is JavaScript's Math.round, as in electron/engine/model/render-size.ts.
    rh = max(multiple, int(math.floor(h * scale / multiple + 0.5)) * multiple)
    rw = max(multiple, int(math.floor(w * scale / multiple + 0.5)) * multiple)
    return rh, rw


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    d = a.astype(np.float32) - b.astype(np.float32)
    mse = float(np.mean(d * d, dtype=np.float64))
    return float('inf') if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def colourfulness(rgb: np.ndarray) -> float:
    rgb = rgb.astype(np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    # DDColor's basicsr form (absolute rg/yb), the same as the app's electron/engine/metrics/colourfulness.ts.
    rg = np.abs(r - g)
    yb = np.abs(0.5 * (r + g) - b)
    std_rg, std_yb = rg.std(dtype=np.float64), yb.std(dtype=np.float64)
    mean_rg, mean_yb = rg.mean(dtype=np.float64), yb.mean(dtype=np.float64)
    return float(math.sqrt(std_rg ** 2 + std_yb ** 2) + 0.3 * math.sqrt(mean_rg ** 2 + mean_yb ** 2))


def to_uint8(rgb01: torch.Tensor) -> np.ndarray:
    """[1,3,H,W] in [0,1] -> [H,W,3] uint8."""
    return (rgb01[0].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()


def split_luma(rgb_u8: np.ndarray):
    """uint8 [H,W,3] -> (Y [1,1,H,W] in [0,1], grey RGB uint8)."""
    rgb = torch.from_numpy(rgb_u8).permute(2, 0, 1)[None].float() / 255.0
    y = rgb_to_ycbcr_torch(rgb)[:, :1]
    grey = to_uint8(y.expand(-1, 3, -1, -1))
    return y, grey


def model_luma(y_full: torch.Tensor, render_factor=16, multiple=16) -> torch.Tensor:
    rh, rw = render_size(y_full.shape[2], y_full.shape[3], render_factor, multiple)
    return F.interpolate(y_full, size=(rh, rw), mode='bilinear', align_corners=False, antialias=True)


def recombine(y_full: torch.Tensor, chroma_small: torch.Tensor) -> np.ndarray:
    chroma = F.interpolate(chroma_small, size=y_full.shape[-2:], mode='bilinear', align_corners=False)
    return to_uint8(ycbcr_to_rgb_torch(torch.cat([y_full, chroma.clamp(-0.5, 0.5)], dim=1)))


HUE_FAMILIES = ('green', 'blue', 'warm')


def hue_family(cb: np.ndarray, cr: np.ndarray) -> np.ndarray:
    """0 green, 1 blue, 2 warm, 3 other (magenta/purple), by the angle of (Cb, Cr) in degrees."""
    angle = np.degrees(np.arctan2(cr, cb))
    family = np.full(angle.shape, 3, np.int8)
    family[angle < -90] = 0                       # Cb<0, Cr<0: greens, olive
    family[(angle >= -90) & (angle < 20)] = 1     # Cb>0: blues, cyan
    family[angle >= 90] = 2                       # Cr>0, Cb<0: red, orange, skin, yellow
    return family


def rgb_to_cbcr(rgb_u8: np.ndarray, step=2):
    ycc = rgb_to_ycbcr_np(rgb_u8[::step, ::step].astype(np.float32) / 255.0)
    return ycc[..., 1], ycc[..., 2]


def hue_hits(ours_u8: np.ndarray, truth_u8: np.ndarray):
    """Per hue family: (pixels of that true family, of those predicted in the same family)."""
    tcb, tcr = rgb_to_cbcr(truth_u8)
    ocb, ocr = rgb_to_cbcr(ours_u8)
    coloured = np.hypot(tcb, tcr) >= 0.05
    true_family = hue_family(tcb, tcr)
    ours_family = np.where(np.hypot(ocb, ocr) >= 0.02, hue_family(ocb, ocr), -1)
    out = []
    for k in range(len(HUE_FAMILIES)):
        mask = coloured & (true_family == k)
        out.append((int(mask.sum()), int((mask & (ours_family == k)).sum())))
    return out


class MetricSum:
    def __init__(self):
        self.psnr = self.grey_psnr = self.cf = self.true_cf = 0.0
        self.n = 0
        self.hue = np.zeros((len(HUE_FAMILIES), 2), np.int64)

    def add(self, ours, grey, truth):
        self.psnr += psnr(ours, truth)
        self.grey_psnr += psnr(grey, truth)
        self.cf += colourfulness(ours)
        self.true_cf += colourfulness(truth)
        self.hue += np.array(hue_hits(ours, truth), np.int64)
        self.n += 1

    def result(self):
        n = max(1, self.n)
        out = {'valPsnr': self.psnr / n, 'valGreyPsnr': self.grey_psnr / n, 'valCf': self.cf / n,
               'valTrueCf': self.true_cf / n}
        out['cfRatio'] = out['valCf'] / max(1e-9, out['valTrueCf'])
        for name, (total, hits) in zip(HUE_FAMILIES, self.hue):
            out[f'hue_{name}'] = float(hits) / max(1, int(total))
        return out


def score(m):
    """One number to rank (model, T, blend) by. Targets: cfRatio ≥ 0.6 and PSNR ≥ grey − 0.3 dB;
    colourfulness counts up to the truth's, PSNR gain over grey counts, and so does hue agreement
    (grass green, sky blue, skin warm) where measured. Misses are penalized hard enough that a setting
    meeting both targets ranks above one that misses either."""
    gain = m['valPsnr'] - m['valGreyPsnr']
    hue = [m[k] for k in ('hue_green', 'hue_blue', 'hue_warm') if k in m]
    semantic = 0.5 * sum(hue) / len(hue) if hue else 0.0
    missed = 0.0 if meets_targets(m) else 10.0
    return (min(m['cfRatio'], 1.0) + 0.5 * gain + semantic - missed - 10.0 * max(0.0, -0.3 - gain)
            - 10.0 * max(0.0, 0.6 - m['cfRatio']))


def meets_targets(m):
    return m['cfRatio'] >= 0.6 and m['valPsnr'] >= m['valGreyPsnr'] - 0.3
