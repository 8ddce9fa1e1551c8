"""Train ChromaReel's `fast` colourizer on CPU, resumably.

    /usr/bin/python3 scripts/train/train.py --run-dir scripts/train/runs/fast1 [options]

Re-running the same command resumes exactly from <run-dir>/latest.pt (model, optimizer, LR schedule,
step, RNG states). Every --val-every-min minutes the trainer writes a weights snapshot and starts
scripts/train/validate.py on it in a separate process; that process measures val metrics, keeps the
best snapshot as <run-dir>/best.pt and exports it to native-models/fast/ when val improves.
"""
import argparse
import json
import math
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bins import fit_bins, weights_for_centers  # noqa: E402
from colour import rgb_to_ycbcr_torch  # noqa: E402
from crappify import TONE_RANGES, training_luma  # noqa: E402
from data import DEFAULT_TRAIN_DIR, ImageBank, sample_batch  # noqa: E402
from hints import sample_hints  # noqa: E402
from losses import chroma_targets, hybrid_loss  # noqa: E402
from model import ChromaNet, count_macs, count_params  # noqa: E402

ARCHS = {
    'slim': dict(widths=(16, 24, 48, 96), dec=(48, 24)),
    'base': dict(widths=(16, 32, 64, 128), dec=(64, 32)),
}


def log(msg, **fields):
    line = {'t': time.strftime('%H:%M:%S'), 'msg': msg, **fields}
    print(json.dumps(line), flush=True)


def atomic_save(obj, path):
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def lr_lambda_factory(warmup, total, floor=0.05):
    def f(step):
        if step < warmup:
            return (step + 1) / warmup
        p = min(1.0, (step - warmup) / max(1, total - warmup))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p))
    return f


def lineage(snapshot):
    """(config of the init a snapshot's run started from, or {}; all training steps behind the snapshot)."""
    cfg = snapshot['config']
    init = torch.load(cfg['init_from'], map_location='cpu')['config'] if cfg.get('init_from') else {}
    return init, int(init.get('steps', 0)) + int(snapshot['step'])


def build_model(arch, centers, hints=False):
    return ChromaNet(torch.from_numpy(centers), hints=hints, **ARCHS[arch])


def load_init_weights(model, state):
    """Loads an init's weights; a pins model may start from a plain one (its pin layers start at zero)."""
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.startswith(('hint_in.', 'hint_out.')) for k in missing):
        raise SystemExit(f'init does not fit the model: missing {missing}, unexpected {unexpected}')


def param_groups(model, lr, hint_lr_scale):
    """The pin layers learn from zero while the rest is fine-tuned, so they get a larger learning rate."""
    hint = [p for n, p in model.named_parameters() if n.startswith(('hint_in.', 'hint_out.'))]
    rest = [p for n, p in model.named_parameters() if not n.startswith(('hint_in.', 'hint_out.'))]
    groups = [{'params': rest, 'lr': lr}]
    if hint:
        groups.append({'params': hint, 'lr': lr * hint_lr_scale})
    return groups


def image_sampling(bank, cfg):
    """Per-image sampling probabilities (None: uniform) from the run's --boost-green/--boost-blue."""
    if not (cfg.get('boost_green', 0) or cfg.get('boost_blue', 0)):
        return None
    shares = bank.hue_shares()
    w = 1.0 + cfg['boost_green'] * shares[:, 0] + cfg['boost_blue'] * shares[:, 1]
    p = w / w.sum()
    log('image sampling', green_share=round(float((p * shares[:, 0]).sum()), 4),
        blue_share=round(float((p * shares[:, 1]).sum()), 4), max_weight=round(float(w.max()), 2))
    return p


def sample_chroma(bank, rng, crops=400, p=None):
    """Cb/Cr pixels (M,2) of random training crops at the heads' resolution (images drawn with `p`)."""
    samples = []
    for _ in range(crops // 50):
        rgb = sample_batch(bank, 50, 64, rng, p)
        cbcr = chroma_targets(rgb_to_ycbcr_torch(rgb)[:, 1:])
        samples.append(cbcr.permute(0, 2, 3, 1).reshape(-1, 2).numpy())
    return np.concatenate(samples)


def fit_run_bins(bank, rng, p=None):
    return fit_bins(sample_chroma(bank, rng, p=p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--run-dir', required=True)
    ap.add_argument('--data', default=DEFAULT_TRAIN_DIR)
    ap.add_argument('--arch', default='slim', choices=sorted(ARCHS))
    ap.add_argument('--crop', type=int, default=96)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--weight-decay', type=float, default=1e-4)
    ap.add_argument('--warmup', type=int, default=300)
    ap.add_argument('--total-steps', type=int, default=8000, help='length of the cosine LR schedule')
    ap.add_argument('--reschedule', action='store_true',
                    help='on resume, replace the cosine length by --total-steps even if shorter (LR jumps)')
    ap.add_argument('--max-steps', type=int, default=10 ** 9, help='stop after this step')
    ap.add_argument('--l1-weight', type=float, default=10.0)
    ap.add_argument('--boost-green', type=float, default=0.0,
                    help='sample images with weight 1 + G*green share + B*blue share (green is ~4%% of this data)')
    ap.add_argument('--boost-blue', type=float, default=0.0)
    ap.add_argument('--grey-boost', type=float, default=1.0,
                    help='weight of the classification loss where the truth is grey, relative to rebalancing')
    ap.add_argument('--film-luma', type=float, default=0.0,
                    help='share of inputs rendered grey with a random film-stock colour sensitivity instead of BT.601')
    ap.add_argument('--tone-range', default='photo', choices=sorted(TONE_RANGES),
                    help="crappify's gamma/contrast/brightness ranges; 'wide' reaches real film's flat, dark grading")
    ap.add_argument('--hints', action='store_true',
                    help='train a pins model: hint planes (Cb, Cr, mask) sampled from the truth as extra inputs')
    ap.add_argument('--hint-zero-share', type=float, default=0.1, help='share of pins-model inputs with no pins')
    ap.add_argument('--hint-lr-scale', type=float, default=10.0, help='learning rate of the pin layers / --lr')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--checkpoint-every', type=int, default=200)
    ap.add_argument('--keep-from', type=int, default=None,
                    help='from this step on, keep each checkpoint\'s weights as RUN/keep/step-N.pt (for average.py)')
    ap.add_argument('--val-every-min', type=float, default=10.0)
    ap.add_argument('--no-validate', action='store_true')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--init-from', help='start a new run from these weights and bins (recover.py writes them)')
    ap.add_argument('--channels-last', type=int, default=1)
    ap.add_argument('--device', default='cpu', help="torch device, e.g. 'cuda' when a GPU is lent")
    ap.add_argument('--cache-dir', default=os.path.join(HERE, 'runs', 'cache'),
                    help='where the decoded training images are cached (git-ignored)')
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    os.makedirs(args.run_dir, exist_ok=True)
    ckpt_path = os.path.join(args.run_dir, 'latest.pt')
    cache_dir = args.cache_dir

    t0 = time.time()
    bank = ImageBank.load(args.data, cache_dir=cache_dir)
    log('data loaded', images=len(bank), seconds=round(time.time() - t0, 1), mbytes=bank.flat.nbytes // 2 ** 20)

    if os.path.exists(ckpt_path):
        ckpt = torch.load(ckpt_path, map_location='cpu')
        cfg = ckpt['config']
        centers, weights = ckpt['bin_centers'], ckpt['bin_weights']
        sample_p = image_sampling(bank, cfg)
        model = build_model(cfg['arch'], centers, cfg.get('hints', False))
        model.load_state_dict(ckpt['model'])
        step = ckpt['step']
        rng = np.random.default_rng()
        rng.bit_generator.state = ckpt['numpy_rng']
        torch.set_rng_state(ckpt['torch_rng'])
        random.setstate(ckpt['python_rng'])
        # Schedule/optimizer settings come from the checkpoint unless explicitly extended.
        if args.reschedule:
            cfg['total_steps'] = args.total_steps
        else:
            cfg['total_steps'] = max(cfg['total_steps'], args.total_steps)
        cfg['max_steps'] = args.max_steps
        log('resumed', step=step, config=cfg)
    else:
        cfg = {k: getattr(args, k) for k in ('arch', 'crop', 'batch', 'lr', 'weight_decay', 'warmup',
                                             'total_steps', 'max_steps', 'l1_weight', 'seed', 'boost_green',
                                             'boost_blue', 'grey_boost', 'film_luma', 'tone_range', 'hints',
                                             'hint_zero_share', 'hint_lr_scale')}
        cfg['data'] = os.path.abspath(args.data)
        cfg['images'] = len(bank)
        torch.manual_seed(args.seed)
        random.seed(args.seed)
        rng = np.random.default_rng(args.seed)
        sample_p = image_sampling(bank, cfg)
        if args.init_from:
            init = torch.load(args.init_from, map_location='cpu')
            cfg['arch'] = init['config']['arch']
            cfg['init_from'] = os.path.abspath(args.init_from)
            centers, weights = init['bin_centers'], init['bin_weights']
            if sample_p is not None:
                # Rebalance for the colours this run actually sees, or boosted hues are counted twice.
                weights = weights_for_centers(centers, sample_chroma(bank, rng, p=sample_p))
            model = build_model(cfg['arch'], centers, cfg['hints'])
            load_init_weights(model, init['model'])
        else:
            centers, weights = fit_run_bins(bank, rng, sample_p)
            model = build_model(cfg['arch'], centers, cfg['hints'])
        step = 0
        ckpt = None
        log('new run', config=cfg, bins=int(len(centers)), params=count_params(model),
            gmac256=round(count_macs(model) / 1e9, 3))

    device = torch.device(args.device)
    centers_t = torch.from_numpy(centers).to(device)
    weights_t = torch.from_numpy(weights).to(device)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(device).to(memory_format=memory_format).train()
    opt = torch.optim.AdamW(param_groups(model, cfg['lr'], cfg.get('hint_lr_scale', 1.0)), lr=cfg['lr'], weight_decay=cfg['weight_decay'],
                            betas=(0.9, 0.99))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda_factory(cfg['warmup'], cfg['total_steps']))
    if ckpt is not None:
        opt.load_state_dict(ckpt['optimizer'])
        sched.load_state_dict(ckpt['scheduler'])
        sched.lr_lambdas = [lr_lambda_factory(cfg['warmup'], cfg['total_steps'])] * len(opt.param_groups)
        del ckpt

    def save_checkpoint():
        atomic_save({
            'config': cfg, 'step': step, 'model': model.state_dict(), 'optimizer': opt.state_dict(),
            'scheduler': sched.state_dict(), 'bin_centers': centers, 'bin_weights': weights,
            'numpy_rng': rng.bit_generator.state, 'torch_rng': torch.get_rng_state(),
            'python_rng': random.getstate(), 'saved_at': time.time(),
        }, ckpt_path)

    def save_weights(path):
        """A snapshot: weights and bins only, what validate.py, export.py and average.py read."""
        atomic_save({'config': cfg, 'step': step, 'model': {k: v.cpu() for k, v in model.state_dict().items()},
                     'bin_centers': centers, 'bin_weights': weights}, path)

    stop = {'now': False}

    def on_signal(signum, frame):
        stop['now'] = True
        log('signal received; saving and stopping', signal=signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    validator = None
    last_val = time.time()
    meter = {'loss': 0.0, 'cls': 0.0, 'l1': 0.0, 'n': 0, 't': time.time(), 'data_s': 0.0}
    log('training', step=step, threads=args.threads, channels_last=bool(args.channels_last))

    while step < cfg['max_steps'] and not stop['now']:
        td = time.time()
        rgb = sample_batch(bank, cfg['batch'], cfg['crop'], rng, sample_p)
        ycc = rgb_to_ycbcr_torch(rgb)
        luma = training_luma(rgb, rng, cfg.get('film_luma', 0.0), cfg.get('tone_range', 'photo'), ycc[:, :1])
        luma = luma.to(device).contiguous(memory_format=memory_format)
        target = chroma_targets(ycc[:, 1:]).to(device)
        hints = sample_hints(ycc[:, 1:], rng, cfg['hint_zero_share']).to(device) if cfg.get('hints') else None
        meter['data_s'] += time.time() - td

        logits, l1_pred = model.heads(luma, hints)
        loss, loss_cls, loss_l1 = hybrid_loss(logits, l1_pred, target, centers_t, weights_t, cfg['l1_weight'],
                                              cfg.get('grey_boost', 1.0))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        step += 1

        if not math.isfinite(loss.item()):
            log('non-finite loss; stopping without saving', step=step)
            sys.exit(2)
        meter['loss'] += loss.item()
        meter['cls'] += loss_cls.item()
        meter['l1'] += loss_l1.item()
        meter['n'] += 1
        if step % 50 == 0:
            dt = time.time() - meter['t']
            log('step', step=step, loss=round(meter['loss'] / meter['n'], 4),
                cls=round(meter['cls'] / meter['n'], 4), l1=round(meter['l1'] / meter['n'], 5),
                lr=round(sched.get_last_lr()[0], 6), steps_per_s=round(meter['n'] / dt, 3),
                data_frac=round(meter['data_s'] / dt, 2))
            meter = {'loss': 0.0, 'cls': 0.0, 'l1': 0.0, 'n': 0, 't': time.time(), 'data_s': 0.0}

        if validator is not None and validator.poll() is not None:
            log('validation finished', returncode=validator.returncode)
            validator = None

        if step % args.checkpoint_every == 0:
            save_checkpoint()
            if args.keep_from is not None and step >= args.keep_from:
                os.makedirs(os.path.join(args.run_dir, 'keep'), exist_ok=True)
                save_weights(os.path.join(args.run_dir, 'keep', f'step-{step:07d}.pt'))
            due = time.time() - last_val >= args.val_every_min * 60
            if due and validator is None and not args.no_validate:
                snap = os.path.join(args.run_dir, f'snapshot-{step:07d}.pt')
                save_weights(snap)
                vlog = open(os.path.join(args.run_dir, 'validate.log'), 'a')
                validator = subprocess.Popen(
                    [sys.executable, os.path.join(HERE, 'validate.py'), '--run-dir', args.run_dir,
                     '--snapshot', snap], stdout=vlog, stderr=subprocess.STDOUT)
                vlog.close()
                last_val = time.time()
                log('validation started', step=step, pid=validator.pid)

    save_checkpoint()
    log('stopped', step=step)
    if validator is not None:
        validator.wait()
        log('validation finished', returncode=validator.returncode)


if __name__ == '__main__':
    main()
