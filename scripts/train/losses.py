"""Hybrid loss: rebalanced classification over Cb/Cr bins + L1 regression, both at 1/4 resolution."""
import torch
import torch.nn.functional as F

from bins import nearest_bin, soft_targets


def chroma_targets(cbcr_full: torch.Tensor, factor: int = 4) -> torch.Tensor:
    """True Cb/Cr at the heads' resolution (area average)."""
    return F.avg_pool2d(cbcr_full, factor)


def hybrid_loss(logits, l1_pred, target, centers, weights, l1_weight=10.0, grey_boost=1.0, grey_below=0.025):
    """Returns (total, classification part, l1 part) as tensors.

    grey_boost > 1 weighs the classification of pixels whose truth is (near) grey that much more:
    rebalancing makes rare colours cheap to guess, which leaves blotches on plain walls and floors."""
    soft = soft_targets(target, centers)
    pixel_w = weights[nearest_bin(target, centers)]  # N,h,w
    if grey_boost != 1.0:
        grey = target.abs().amax(dim=1) < grey_below
        pixel_w = torch.where(grey, pixel_w * grey_boost, pixel_w)
    ce = -(soft * F.log_softmax(logits, dim=1)).sum(dim=1)
    loss_cls = (pixel_w * ce).mean()
    loss_l1 = (l1_pred - target).abs().mean()
    return loss_cls + l1_weight * loss_l1, loss_cls.detach(), loss_l1.detach()
