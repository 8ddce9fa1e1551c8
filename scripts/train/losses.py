"""Hybrid loss: rebalanced classification over Cb/Cr bins + L1 regression, both at 1/4 resolution."""
import torch
import torch.nn.functional as F

from bins import nearest_bin, soft_targets


def chroma_targets(cbcr_full: torch.Tensor, factor: int = 4) -> torch.Tensor:
    """True Cb/Cr at the heads' resolution (area average)."""
    return F.avg_pool2d(cbcr_full, factor)


def hybrid_loss(logits, l1_pred, target, centers, weights, l1_weight=10.0):
    """Returns (total, classification part, l1 part) as tensors."""
    soft = soft_targets(target, centers)
    pixel_w = weights[nearest_bin(target, centers)]  # N,h,w
    ce = -(soft * F.log_softmax(logits, dim=1)).sum(dim=1)
    loss_cls = (pixel_w * ce).mean()
    loss_l1 = (l1_pred - target).abs().mean()
    return loss_cls + l1_weight * loss_l1, loss_cls.detach(), loss_l1.detach()
