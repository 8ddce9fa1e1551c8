"""Quantized Cb/Cr bins, their rebalancing weights and soft targets (Zhang et al. 2016, adapted to Cb/Cr)."""
import numpy as np
import torch

GRID_STEP = 1.0 / 24.0  # about 10.6 on the 8-bit Cb/Cr scale


def grid_centers():
    k = np.arange(-12, 13, dtype=np.float32) * GRID_STEP
    cb, cr = np.meshgrid(k, k, indexing='ij')
    return np.stack([cb.ravel(), cr.ravel()], axis=1)  # (625, 2)


def nearest_bin(cbcr: torch.Tensor, centers: torch.Tensor) -> torch.Tensor:
    """cbcr [N,2,h,w] -> index of the nearest centre [N,h,w]."""
    d = torch.cdist(cbcr.permute(0, 2, 3, 1).reshape(-1, 2), centers)
    return d.argmin(dim=1).reshape(cbcr.shape[0], cbcr.shape[2], cbcr.shape[3])


def _smoothed_histogram(cbcr_samples: np.ndarray, smooth_sigma: float):
    """Raw and grid-smoothed 25x25 histograms of sampled Cb/Cr pixels (M,2)."""
    idx = np.rint(cbcr_samples / GRID_STEP).astype(np.int64) + 12
    idx = np.clip(idx, 0, 24)
    hist = np.zeros((25, 25), np.float64)
    np.add.at(hist, (idx[:, 0], idx[:, 1]), 1)
    r = np.arange(-3, 4)
    g = np.exp(-(r ** 2) / (2 * smooth_sigma ** 2))
    g /= g.sum()
    sm = np.apply_along_axis(lambda v: np.convolve(v, g, mode='same'), 0, hist)
    sm = np.apply_along_axis(lambda v: np.convolve(v, g, mode='same'), 1, sm)
    return hist, sm


def _rebalancing(p: np.ndarray, lam: float) -> np.ndarray:
    p = p / p.sum()
    w = 1.0 / ((1 - lam) * p + lam / len(p))
    return (w / (p * w).sum()).astype(np.float32)


def fit_bins(cbcr_samples: np.ndarray, min_count=1, lam=0.5, smooth_sigma=1.0):
    """From sampled Cb/Cr pixels (M,2): kept bin centres (Q,2) and rebalancing weights (Q,).

    Weights w ∝ 1/((1-lam)·p̃ + lam/Q), p̃ the (grid-smoothed) empirical distribution, normalized so
    that the expected weight under p̃ is 1.
    """
    hist, sm = _smoothed_histogram(cbcr_samples, smooth_sigma)
    keep = hist.ravel() >= min_count
    return grid_centers()[keep].astype(np.float32), _rebalancing(sm.ravel()[keep], lam)


def weights_for_centers(centers: np.ndarray, cbcr_samples: np.ndarray, lam=0.5, smooth_sigma=1.0):
    """Rebalancing weights (Q,) for given grid bin centres (Q,2), e.g. those of a shipped model."""
    _, sm = _smoothed_histogram(cbcr_samples, smooth_sigma)
    idx = np.clip(np.rint(centers / GRID_STEP).astype(np.int64) + 12, 0, 24)
    p = sm[idx[:, 0], idx[:, 1]] + 1e-12
    return _rebalancing(p, lam)


def soft_targets(cbcr: torch.Tensor, centers: torch.Tensor, sigma=0.5 * GRID_STEP) -> torch.Tensor:
    """Gaussian soft-encoding of true Cb/Cr [N,2,h,w] over the bins -> [N,Q,h,w] (sums to 1)."""
    diff = cbcr.unsqueeze(1) - centers.reshape(1, -1, 2, 1, 1)  # N,Q,2,h,w
    d2 = (diff ** 2).sum(dim=2)
    return torch.softmax(-d2 / (2 * sigma ** 2), dim=1)
