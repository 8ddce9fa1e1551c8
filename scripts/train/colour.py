"""BT.601 full-range (JPEG/JFIF) conversions shared by training, metrics and export.

Cb/Cr are kept as offsets in [-0.5, 0.5] (Cb_8bit = 128 + 255*cb), the model's `chroma` contract.
"""
import numpy as np
import torch

# Y, Cb, Cr rows for RGB in [0, 1]; Cb/Cr as offsets.
RGB_TO_YCBCR = np.array([
    [0.299, 0.587, 0.114],
    [-0.168736, -0.331264, 0.5],
    [0.5, -0.418688, -0.081312],
], dtype=np.float32)
YCBCR_TO_RGB = np.array([
    [1.0, 0.0, 1.402],
    [1.0, -0.344136, -0.714136],
    [1.0, 1.772, 0.0],
], dtype=np.float32)


def rgb_to_ycbcr_torch(rgb: torch.Tensor) -> torch.Tensor:
    """[N,3,H,W] RGB in [0,1] -> [N,3,H,W] (Y in [0,1], Cb/Cr offsets)."""
    m = torch.as_tensor(RGB_TO_YCBCR, dtype=rgb.dtype, device=rgb.device)
    return torch.einsum('ij,njhw->nihw', m, rgb)


def ycbcr_to_rgb_torch(ycc: torch.Tensor) -> torch.Tensor:
    m = torch.as_tensor(YCBCR_TO_RGB, dtype=ycc.dtype, device=ycc.device)
    return torch.einsum('ij,njhw->nihw', m, ycc)


def rgb_to_ycbcr_np(rgb: np.ndarray) -> np.ndarray:
    """[H,W,3] RGB float in [0,1] -> [H,W,3] (Y, Cb, Cr offsets)."""
    return rgb @ RGB_TO_YCBCR.T


def ycbcr_to_rgb_np(ycc: np.ndarray) -> np.ndarray:
    return ycc @ YCBCR_TO_RGB.T
