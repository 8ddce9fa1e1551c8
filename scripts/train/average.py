"""Average the weights of several snapshots (a "weight soup"), re-estimate BatchNorm, write a snapshot.

    /usr/bin/python3 scripts/train/average.py --out RUN/soup.pt RUN/init.pt:9 keep/latest-4400.pt ...

Each input is a snapshot, a `latest.pt` or recover.py's init, optionally `:weight` (default 1). All must
share one architecture and bin set, i.e. come from one lineage. Late snapshots of a fine-tune swing
between hues from one to the next; their mean is steadier, and mixing in the starting weights keeps
what the fine-tune was not about. BatchNorm statistics of averaged weights are not the average of the
statistics, so they are measured again on crappified training crops (the last input's settings).
The output carries the newest input's config and step, plus `averaged` (step and weight of each input),
so validate.py and export.py treat it as that run's snapshot.
"""
import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from crappify import training_luma  # noqa: E402
from data import DEFAULT_TRAIN_DIR, ImageBank, sample_batch  # noqa: E402
from train import atomic_save, build_model  # noqa: E402


def parse_input(spec):
    path, sep, weight = spec.rpartition(':')
    if sep:
        try:
            return path, float(weight)
        except ValueError:
            pass
    return spec, 1.0


def average_state(snaps, weights):
    total = float(sum(weights))
    first = snaps[0]['model']
    out = {}
    for k, v in first.items():
        if v.is_floating_point():
            out[k] = (sum(w * s['model'][k].double() for s, w in zip(snaps, weights)) / total).to(v.dtype)
        else:
            out[k] = v.clone()
    return out


def reestimate_batchnorm(model, bank, rng, cfg, batches, batch):
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # a plain average over all calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            rgb = sample_batch(bank, batch, cfg.get('crop', 128), rng)
            model.heads(training_luma(rgb, rng, cfg.get('film_luma', 0.0), cfg.get('tone_range', 'photo')))
    for bn in bns:
        bn.momentum = 0.1
    return model.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('inputs', nargs='+', help='snapshot[:weight]')
    ap.add_argument('--out', required=True)
    ap.add_argument('--data', default=DEFAULT_TRAIN_DIR)
    ap.add_argument('--cache-dir', default=os.path.join(HERE, 'runs', 'cache'))
    ap.add_argument('--batches', type=int, default=60)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--seed', type=int, default=11)
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    specs = [parse_input(s) for s in args.inputs]
    snaps = [torch.load(p, map_location='cpu') for p, _ in specs]
    weights = [w for _, w in specs]
    newest = max(snaps, key=lambda s: s.get('step', 0))
    for (path, _), s in zip(specs, snaps):
        if not np.array_equal(s['bin_centers'], newest['bin_centers']) or s['model'].keys() != newest['model'].keys():
            raise SystemExit(f'{path}: another architecture or bin set; only snapshots of one lineage average')
    cfg = newest['config']
    model = build_model(cfg['arch'], newest['bin_centers'])
    model.load_state_dict(average_state(snaps, weights))
    bank = ImageBank.load(args.data, cache_dir=args.cache_dir)
    reestimate_batchnorm(model, bank, np.random.default_rng(args.seed), cfg, args.batches, args.batch)
    averaged = [{'step': int(s.get('step', 0)), 'weight': w} for s, w in zip(snaps, weights)]
    atomic_save({'config': cfg, 'step': int(newest.get('step', 0)), 'model': model.state_dict(),
                 'bin_centers': newest['bin_centers'], 'bin_weights': newest['bin_weights'],
                 'averaged': averaged}, args.out)
    print(f'averaged {len(snaps)} snapshots (steps {sorted(a["step"] for a in averaged)}) -> {args.out}')


if __name__ == '__main__':
    main()
