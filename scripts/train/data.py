"""Training images decoded once into RAM and sampled as random resized crops.

The decoded pixels are cached as one flat uint8 array (+ shapes) in a git-ignored .npy pair so a
restart does not decode 5,646 JPEGs again. The shared data set is read in place, never copied.
"""
import os
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps

# ../shared beside the repository root (scripts/train/ -> repo -> ..).
SHARED_DATA = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..',
                                            'shared', 'data'))
DEFAULT_TRAIN_DIR = os.path.join(SHARED_DATA, 'train')
DEFAULT_VAL_DIR = os.path.join(SHARED_DATA, 'val')
DEFAULT_FILM = os.path.join(SHARED_DATA, 'video', 'bw-film-1950s-interior.mp4')


def list_images(folder):
    return sorted(os.path.join(folder, f) for f in os.listdir(folder)
                  if f.lower().endswith(('.jpg', '.jpeg', '.png')))


def load_rgb(path):
    with Image.open(path) as im:
        return np.array(ImageOps.exif_transpose(im).convert("RGB"), dtype=np.uint8)


class ImageBank:
    """All images as one flat uint8 buffer; image i is flat[offsets[i]:...] reshaped to shapes[i]."""

    def __init__(self, flat, shapes):
        self.flat = flat
        self.shapes = shapes
        sizes = shapes.prod(axis=1)
        self.offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    def __len__(self):
        return len(self.shapes)

    def hue_shares(self, step=4):
        """Per image: shares of clearly green and clearly blue pixels (|Cb,Cr| >= 0.05), as in metrics.py."""
        from metrics import hue_family, rgb_to_cbcr
        shares = np.zeros((len(self), 2))
        for i in range(len(self)):
            cb, cr = rgb_to_cbcr(self.image(i), step)
            family = np.where(np.hypot(cb, cr) >= 0.05, hue_family(cb, cr), -1)
            shares[i] = (family == 0).mean(), (family == 1).mean()
        return shares

    def image(self, i):
        h, w, c = self.shapes[i]
        o = self.offsets[i]
        return self.flat[o:o + h * w * c].reshape(h, w, c)

    @classmethod
    def load(cls, folder, cache_dir=None, limit=None):
        files = list_images(folder)[:limit] if limit else list_images(folder)
        tag = f'{os.path.basename(os.path.normpath(folder))}-{len(files)}'
        if cache_dir:
            flat_path = os.path.join(cache_dir, f'bank-{tag}.flat.npy')
            shape_path = os.path.join(cache_dir, f'bank-{tag}.shapes.npy')
            if os.path.exists(flat_path) and os.path.exists(shape_path):
                return cls(np.load(flat_path, mmap_mode=None), np.load(shape_path))
        arrays = [load_rgb(f) for f in files]
        shapes = np.array([a.shape for a in arrays], dtype=np.int64)
        flat = np.concatenate([a.ravel() for a in arrays])
        if cache_dir:
            os.makedirs(cache_dir, exist_ok=True)
            for path, arr in ((flat_path, flat), (shape_path, shapes)):
                tmp = path + '.tmp.npy'
                np.save(tmp, arr)
                os.replace(tmp, path)
        return cls(flat, shapes)


def random_resized_crop(img: np.ndarray, size: int, rng: np.random.Generator) -> torch.Tensor:
    """A square crop whose side is drawn log-uniformly between `size` and the shorter side,
    resized (antialiased) to size x size, randomly flipped. Returns [3,size,size] float in [0,1]."""
    h, w, _ = img.shape
    short = min(h, w)
    side = int(round(np.exp(rng.uniform(np.log(size), np.log(short))))) if short > size else short
    y = rng.integers(0, h - side + 1)
    x = rng.integers(0, w - side + 1)
    crop = torch.from_numpy(np.ascontiguousarray(img[y:y + side, x:x + side])).permute(2, 0, 1).float() / 255.0
    if side != size:
        crop = F.interpolate(crop[None], size=(size, size), mode='bilinear', align_corners=False,
                             antialias=True)[0]
    if rng.random() < 0.5:
        crop = crop.flip(-1)
    return crop.clamp_(0, 1)


def sample_batch(bank: ImageBank, batch: int, size: int, rng: np.random.Generator, p=None) -> torch.Tensor:
    """`p` (optional): sampling probability per image, e.g. to show rare colours more often."""
    idx = rng.integers(0, len(bank), size=batch) if p is None else rng.choice(len(bank), size=batch, p=p)
    return torch.stack([random_resized_crop(bank.image(i), size, rng) for i in idx])
