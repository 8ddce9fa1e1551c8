"""How much colour pins help: val PSNR and colourfulness with N pins sampled from the truth.

    /usr/bin/python3 scripts/train/validate_pins.py --snapshot RUN/keep/step-0002000.pt [--limit 60]

For every val photo and N in --pins, N pins are drawn with a seeded generator (the same spots for
every snapshot): a random spot and the mean colour of a 7x7 patch of the truth around it, painted
into the hint planes at the model's input size as the engine paints them. Beside the pins model it
measures the naive baseline from MODEL-NOTES (the plain model's output blended toward a
Gaussian-weighted mean of the pin colours, sigma = 1/6 of the short side, weight capped at 1) on
the same pins. Prints one JSON line per N and appends them to RUN/pins.jsonl.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from colour import rgb_to_ycbcr_torch  # noqa: E402
from data import DEFAULT_VAL_DIR, list_images, load_rgb  # noqa: E402
from hints import paint_pins, patch_means  # noqa: E402
from metrics import MetricSum, model_luma, recombine, split_luma  # noqa: E402
from train import build_model, load_init_weights  # noqa: E402

PIN_COUNTS = (0, 1, 3, 10, 30)


def load(path):
    """A pins model from a pins snapshot, or from a plain one (recover.py's init: pin layers at zero)."""
    snap = torch.load(path, map_location='cpu')
    model = build_model(snap['config']['arch'], snap['bin_centers'], hints=True)
    load_init_weights(model, snap['model'])
    return model.eval(), snap


def truth_pins(truth_u8, count, rng):
    """count pins from a photo: (fractions (K,2) as (y, x), Cb/Cr (K,2)) from 7x7 patch means at full size."""
    rgb = torch.from_numpy(truth_u8).permute(2, 0, 1)[None].float() / 255.0
    cbcr = rgb_to_ycbcr_torch(rgb)[:, 1:]
    h, w = cbcr.shape[-2:]
    ys, xs = rng.integers(0, h, size=count), rng.integers(0, w, size=count)
    colours = patch_means(cbcr)[0][:, ys, xs].t().numpy()
    return np.stack([(ys + 0.5) / h, (xs + 0.5) / w], axis=1), colours


def hint_planes(fractions, colours, h, w):
    points = np.stack([np.minimum(h - 1, np.floor(fractions[:, 0] * h)),
                       np.minimum(w - 1, np.floor(fractions[:, 1] * w))], axis=1).astype(int)
    return paint_pins(points, colours, h, w)[None]


def naive_blend(chroma, fractions, colours):
    """MODEL-NOTES' baseline: blend toward the Gaussian-weighted mean pin colour (sigma = short side / 6)."""
    if len(colours) == 0:
        return chroma
    _, _, h, w = chroma.shape
    sigma = min(h, w) / 6
    yy, xx = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing='ij')
    wsum = torch.zeros(h, w)
    csum = torch.zeros(2, h, w)
    for (fy, fx), c in zip(fractions, colours):
        g = torch.exp(-((yy - fy * h) ** 2 + (xx - fx * w) ** 2) / (2 * sigma ** 2))
        wsum += g
        csum += g[None] * torch.as_tensor(c, dtype=torch.float32)[:, None, None]
    mean = csum / wsum.clamp_min(1e-8)
    weight = wsum.clamp(max=1.0)
    return chroma * (1 - weight) + mean[None] * weight


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--snapshot', required=True, help='a pins snapshot (train.py --hints)')
    ap.add_argument('--pins', default=','.join(map(str, PIN_COUNTS)))
    ap.add_argument('--limit', type=int, default=None)
    ap.add_argument('--temperature', type=float, default=0.6)
    ap.add_argument('--blend', type=float, default=0.75)
    ap.add_argument('--base', default=None,
                    help='plain model for the naive baseline (e.g. RUN/init.pt, the shipped model); default: '
                         'the snapshot with no pins')
    ap.add_argument('--seed', type=int, default=2017)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=None, help='JSON lines file (default: beside the snapshot, pins.jsonl)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    counts = [int(c) for c in args.pins.split(',')]

    model, snap = load(args.snapshot)
    base = load(args.base)[0] if args.base else model
    for m in {model, base}:
        m.temperature.fill_(args.temperature)
        m.blend.fill_(args.blend)
    files = list_images(DEFAULT_VAL_DIR)
    files = files[:args.limit] if args.limit else files
    sums = {(kind, n): MetricSum() for n in counts for kind in ('pins', 'naive')}
    t0 = time.time()
    with torch.no_grad():
        for i, f in enumerate(files):
            truth = load_rgb(f)
            y_full, grey = split_luma(truth)
            luma = model_luma(y_full)
            h, w = luma.shape[-2:]
            unpinned = model(luma)
            plain = base(luma) if base is not model else unpinned
            for n in counts:
                rng = np.random.default_rng([args.seed, i, n])
                fractions, colours = truth_pins(truth, n, rng)
                pinned = model(luma, hint_planes(fractions, colours, h, w)) if n else unpinned
                sums[('pins', n)].add(recombine(y_full, pinned), grey, truth)
                sums[('naive', n)].add(recombine(y_full, naive_blend(plain, fractions, colours)), grey, truth)
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(args.snapshot)), 'pins.jsonl')
    lines = []
    for n in counts:
        p, b = sums[('pins', n)].result(), sums[('naive', n)].result()
        lines.append({'snapshot': os.path.basename(args.snapshot), 'step': snap.get('step', 0), 'pins': n,
                      'images': len(files), 'psnr': round(p['valPsnr'], 3), 'greyPsnr': round(p['valGreyPsnr'], 3),
                      'cfRatio': round(p['cfRatio'], 4), 'naivePsnr': round(b['valPsnr'], 3),
                      'naiveCfRatio': round(b['cfRatio'], 4), 'seconds': round(time.time() - t0, 1)})
    with open(out, 'a') as fh:
        for line in lines:
            fh.write(json.dumps(line) + '\n')
            print(json.dumps(line), flush=True)


if __name__ == '__main__':
    main()
