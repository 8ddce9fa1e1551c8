"""Recover trainable weights from a shipped ONNX export, so training can continue without the lost run.

    /usr/bin/python3 scripts/train/recover.py --onnx native-models/fast/model.onnx --out RUN/init.pt
    /usr/bin/python3 scripts/train/train.py --run-dir RUN --init-from RUN/init.pt ...
    /usr/bin/python3 scripts/train/recover.py --checkpoint OLD_RUN/best.pt --out RUN/init.pt

With --checkpoint it starts from a run's own snapshot instead (exact weights, BatchNorms and bin
weights included) and only carries the lineage, so the next export counts every earlier step.

The export folds every BatchNorm that follows a convolution into that convolution (W', b'). This
script undoes the fold so the original architecture trains again: each BatchNorm gets running
statistics measured on crappified training crops (mean mu, variance s2 of W'x) and gamma = sqrt(s2+eps),
beta = mu + b'. In eval mode that is exactly W'x + b' (the shipped function); in train mode the batch
statistics are close to mu and s2, so fine-tuning starts from the shipped model instead of from noise.
The bins come from the ONNX graph; their rebalancing weights are fitted again on the training data.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from colour import rgb_to_ycbcr_torch  # noqa: E402
from crappify import crappify  # noqa: E402
from data import DEFAULT_TRAIN_DIR, ImageBank, sample_batch  # noqa: E402
from bins import weights_for_centers  # noqa: E402
from train import atomic_save, build_model, lineage, sample_chroma  # noqa: E402


def onnx_tensors(path):
    model = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    convs = [(n.input[1], n.input[2] if len(n.input) > 2 else None)
             for n in model.graph.node if n.op_type == 'Conv']
    return inits, convs


def conv_bn_pairs(model):
    """(conv, bn) for every convolution directly followed by a BatchNorm, in forward order."""
    pairs = []
    for mod in model.modules():
        if isinstance(mod, nn.Sequential):
            kids = list(mod.children())
            for a, b in zip(kids, kids[1:]):
                if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d):
                    pairs.append((a, b))
    return pairs


def load_from_onnx(path, arch='base'):
    """The model with the export's weights; folded BatchNorms start as identity (exact in eval mode)."""
    inits, convs = onnx_tensors(path)
    named = {'class_head.weight', 'l1_head.weight', 'down4.2.qkv.weight', 'down4.2.proj.weight'}
    # The annealed-mean convolution is the one whose weight is [2, Q, 1, 1] with Q = number of bins.
    q = inits['class_head.bias'].shape[0]
    bins_conv = [w for w, _ in convs if inits[w].shape == (2, q, 1, 1) and w not in named]
    if len(bins_conv) != 1:
        raise SystemExit(f'{path}: cannot find the bin-centre convolution')
    centers = inits[bins_conv[0]][:, :, 0, 0].T.copy()
    folded = [(w, b) for w, b in convs if w not in named and w != bins_conv[0]]

    model = build_model(arch, centers)
    pairs = conv_bn_pairs(model)
    if len(pairs) != len(folded):
        raise SystemExit(f'{path}: {len(folded)} folded convolutions, the {arch} model has {len(pairs)}')
    with torch.no_grad():
        for (conv, bn), (w, b) in zip(pairs, folded):
            if tuple(conv.weight.shape) != inits[w].shape:
                raise SystemExit(f'{path}: shape mismatch {tuple(conv.weight.shape)} vs {inits[w].shape}')
            conv.weight.copy_(torch.from_numpy(inits[w].copy()))
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(inits[b].copy()))
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
        state = model.state_dict()
        for name, value in inits.items():
            if name in state and not name.startswith('onnx::'):
                state[name].copy_(torch.from_numpy(np.asarray(value)).reshape(state[name].shape))
    return model, centers


def calibrate(model, bank, rng, batches, batch, crop):
    """Measures mean/variance of each folded convolution's output and moves them into its BatchNorm."""
    pairs = conv_bn_pairs(model)
    sums = [None] * len(pairs)

    def hook_for(i):
        def hook(mod, inp, out):
            y = out.detach().transpose(0, 1).reshape(out.shape[1], -1).double()
            s = torch.stack([torch.ones_like(y[:, 0]) * y.shape[1], y.sum(1), (y * y).sum(1)])
            sums[i] = s if sums[i] is None else sums[i] + s
        return hook

    hooks = [conv.register_forward_hook(hook_for(i)) for i, (conv, _) in enumerate(pairs)]
    model.eval()
    with torch.no_grad():
        for _ in range(batches):
            rgb = sample_batch(bank, batch, crop, rng)
            luma = crappify(rgb_to_ycbcr_torch(rgb)[:, :1], rng)
            model.heads(luma)
    for h in hooks:
        h.remove()
    with torch.no_grad():
        for (conv, bn), s in zip(pairs, sums):
            n, total, sq = s
            mean = total / n
            var = (sq / n - mean * mean).clamp_min(1e-10)
            bn.running_mean.copy_(mean.float())
            bn.running_var.copy_(var.float())
            bn.bias.add_(mean.float())
            bn.weight.copy_(torch.sqrt(var + bn.eps).float())


def init_from_checkpoint(checkpoint, out):
    """An init file from a run's snapshot (e.g. best.pt): the same weights, with the steps behind them."""
    snap = torch.load(checkpoint, map_location='cpu')
    cfg = snap['config']
    _, steps = lineage(snap)
    atomic_save({'config': {'arch': cfg['arch'], 'source': os.path.abspath(checkpoint),
                            'source_version': f'0.1.{steps}', 'steps': steps},
                 'model': snap['model'], 'bin_centers': snap['bin_centers'], 'bin_weights': snap['bin_weights']},
                out)
    return steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--onnx', default=os.path.join(os.path.dirname(os.path.dirname(HERE)),
                                                   'native-models', 'fast', 'model.onnx'))
    ap.add_argument('--arch', default='base')
    ap.add_argument('--out', required=True)
    ap.add_argument('--checkpoint', help="a run's snapshot (RUN/best.pt) to continue from instead of the ONNX")
    ap.add_argument('--data', default=DEFAULT_TRAIN_DIR)
    ap.add_argument('--cache-dir', default=os.path.join(HERE, 'runs', 'cache'))
    ap.add_argument('--batches', type=int, default=24)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--crop', type=int, default=96)
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    if args.checkpoint:
        steps = init_from_checkpoint(args.checkpoint, args.out)
        print(f'{args.checkpoint} -> {args.out} (lineage: {steps} steps)')
        return

    model, centers = load_from_onnx(args.onnx, args.arch)
    probe = torch.rand(2, 1, 64, 96)
    with torch.no_grad():
        before = model.eval()(probe)
    bank = ImageBank.load(args.data, cache_dir=args.cache_dir)
    rng = np.random.default_rng(args.seed)
    calibrate(model, bank, rng, args.batches, args.batch, args.crop)
    with torch.no_grad():
        after = model.eval()(probe)
    drift = (before - after).abs().max().item()
    if drift > 1e-4:
        raise SystemExit(f'calibration changed the eval-mode function (max diff {drift:.2e})')
    weights = weights_for_centers(centers, sample_chroma(bank, rng))
    manifest_path = os.path.join(os.path.dirname(os.path.abspath(args.onnx)), 'model.json')
    source = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    atomic_save({'config': {'arch': args.arch, 'source': os.path.abspath(args.onnx),
                            'source_version': source.get('version'),
                            'steps': int(source.get('training', {}).get('steps', 0))},
                 'model': model.state_dict(), 'bin_centers': centers.astype(np.float32),
                 'bin_weights': weights}, args.out)
    print(f'recovered {args.onnx} -> {args.out} (eval-mode drift {drift:.1e}, {len(centers)} bins)')


if __name__ == '__main__':
    main()
