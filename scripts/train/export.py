"""Export a checkpoint to ONNX + model.json for the app (`chroma` contract), and verify it.

    /usr/bin/python3 scripts/train/export.py --run-dir scripts/train/runs/fast1 \
        [--checkpoint RUN/best.pt] [--out native-models/fast] [--temperature T --blend B]

Temperature/blend default to the values validation chose (RUN/best.json). Steps: torch.onnx.export
(opset 17, dynamic N/H/W) -> onnx.checker -> scripts/train/check-onnx.mjs runs the model in
onnxruntime-node on an input saved here and compares with torch's output -> fps at 256² in
onnxruntime-node -> model.onnx and model.json written atomically into --out.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from data import DEFAULT_VAL_DIR, list_images, load_rgb  # noqa: E402
from hints import PIN_SIDE, paint_pins  # noqa: E402
from metrics import model_luma, split_luma  # noqa: E402
from model import SIZE_MULTIPLE, count_macs, count_params  # noqa: E402
from train import build_model, lineage  # noqa: E402

LICENCE = "MIT — ChromaReel's own weights, trained from scratch by scripts/train"
TRAINING_DATA = ('5,646 natural colour photos (shared/data/train: ImageNet samples, BSDS500, COCO, Urban100, '
                 'portraits, clothing, faces; research/internal-use terms, see shared/data/MANIFEST.md), '
                 'luma crappified to look like old film (grain, blur, tone, JPEG, vignetting, down-up scaling)')


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, 'rb') as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def export_onnx(model, path):
    """A pins model (model.hints) gets a second input, `hints` [N,3,H,W] (Cb, Cr, mask; see hints.py)."""
    model.eval()
    dynamic = {0: 'n', 2: 'h', 3: 'w'}
    if model.hints:
        args, names = (torch.rand(1, 1, 64, 64), torch.zeros(1, 3, 64, 64)), ['luma', 'hints']
    else:
        args, names = torch.rand(1, 1, 64, 64), ['luma']
    torch.onnx.export(model, args, path, input_names=names, output_names=['chroma'], opset_version=17,
                      dynamic_axes={**{n: dynamic for n in names}, 'chroma': dynamic}, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path), full_check=True)


def check_input(n=2):
    """Real val luma (two images, same render size) as the comparison input."""
    files = list_images(DEFAULT_VAL_DIR)[:n] if os.path.isdir(DEFAULT_VAL_DIR) else []
    lumas = []
    for f in files:
        y, _ = split_luma(load_rgb(f))
        lumas.append(torch.nn.functional.interpolate(model_luma(y, 8, SIZE_MULTIPLE), size=(128, 160),
                                                     mode='bilinear', align_corners=False))
    if not lumas:
        return torch.rand(n, 1, 128, 160)
    return torch.cat(lumas)


def check_hints(x, pins=12, seed=0):
    """Hint planes with a few random pins for each input of the comparison."""
    rng = np.random.default_rng(seed)
    n, _, h, w = x.shape
    planes = [paint_pins(np.stack([rng.integers(0, h, pins), rng.integers(0, w, pins)], 1),
                         rng.uniform(-0.3, 0.3, (pins, 2)), h, w) for _ in range(n)]
    return torch.stack(planes)


def run_ort_check(onnx_path, model, bench=256, tolerance=1e-3):
    """Runs check-onnx.mjs; returns its JSON report. Raises when ORT and torch disagree."""
    with tempfile.TemporaryDirectory(prefix='chroma-check-') as tmp:
        x = check_input()
        hints = check_hints(x) if model.hints else None
        with torch.no_grad():
            expected = model(x, hints)
        x.numpy().astype('<f4').tofile(os.path.join(tmp, 'input.bin'))
        expected.numpy().astype('<f4').tofile(os.path.join(tmp, 'expected.bin'))
        shapes = {'input': list(x.shape), 'expected': list(expected.shape)}
        if hints is not None:
            hints.numpy().astype('<f4').tofile(os.path.join(tmp, 'hints.bin'))
            shapes['hints'] = list(hints.shape)
        with open(os.path.join(tmp, 'shapes.json'), 'w') as fh:
            json.dump(shapes, fh)
        cmd = ['node', os.path.join(HERE, 'check-onnx.mjs'), onnx_path, tmp, '--tolerance', str(tolerance)]
        if bench:
            cmd += ['--bench', str(bench)]
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f'onnxruntime-node check failed: {proc.stdout.strip()} {proc.stderr.strip()[-2000:]}')
        return json.loads(proc.stdout.strip().splitlines()[-1])


def grid_metrics(run_dir, step, temperature, blend):
    """Val metrics of one (temperature, blend) setting of a validated step (RUN/val.jsonl), or {}."""
    path = os.path.join(run_dir, 'val.jsonl')
    if not os.path.exists(path):
        return {}
    for line in open(path):
        entry = json.loads(line)
        if entry.get('step') == step:
            return entry.get('grid', {}).get(f'T{temperature}_b{blend}', {})
    return {}


def write_atomic(path, data: bytes):
    tmp = path + '.tmp'
    with open(tmp, 'wb') as fh:
        fh.write(data)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--run-dir', required=True)
    ap.add_argument('--checkpoint', default=None, help='default: RUN/best.pt')
    ap.add_argument('--out', default=os.path.join(REPO, 'native-models', 'fast'))
    ap.add_argument('--temperature', type=float, default=None)
    ap.add_argument('--blend', type=float, default=None)
    ap.add_argument('--fps', type=float, default=None,
                    help='fps to record instead of measuring now (e.g. measured on an idle machine)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--pins-metrics', default=None,
                    help="a pins model's measured figures (JSON) to record in model.json's pins block")
    ap.add_argument('--spread', action='store_true',
                    help="pins model: have the engine also spread the pins over the graph's output with the "
                         "edge-aware post-process (model.json pins.spread)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    ckpt_path = args.checkpoint or os.path.join(args.run_dir, 'best.pt')
    snap = torch.load(ckpt_path, map_location='cpu')
    model = build_model(snap['config']['arch'], snap['bin_centers'], snap['config'].get('hints', False))
    model.load_state_dict(snap['model'])
    if model.hints:
        return export_pins(args, snap, model)
    best_json = os.path.join(args.run_dir, 'best.json')
    val = json.load(open(best_json)) if os.path.exists(best_json) else {}
    if val and val.get('step') != snap['step']:
        val = {}  # metrics belong to another snapshot; do not claim them
    temperature = args.temperature if args.temperature is not None else val.get('temperature', 0.38)
    blend = args.blend if args.blend is not None else val.get('blend', 0.5)
    if val and (temperature, blend) != (val.get('temperature'), val.get('blend')):
        val = grid_metrics(args.run_dir, snap['step'], temperature, blend)  # the chosen setting's own numbers
    model.temperature.fill_(temperature)
    model.blend.fill_(blend)
    model.eval()

    os.makedirs(args.out, exist_ok=True)
    tmp_onnx = os.path.join(args.out, 'model.onnx.tmp')
    export_onnx(model, tmp_onnx)
    report = run_ort_check(tmp_onnx, model)
    fps_measured = report['bench']['fps']
    bench_file = os.path.join(args.run_dir, 'bench.json')
    fps_idle = json.load(open(bench_file))['fps'] if os.path.exists(bench_file) else None
    fps = args.fps or fps_idle or fps_measured

    os.replace(tmp_onnx, os.path.join(args.out, 'model.onnx'))
    cfg = snap['config']
    # A run started with --init-from continues an earlier model: count its steps too.
    init, total_steps = lineage(snap)
    history = (f"fine-tuned from {init.get('source_version') or 'an earlier export'} ({init.get('steps', 0)} steps) "
               f"for {snap['step']} steps" if cfg.get('init_from') else f"{snap['step']} steps from scratch")
    if cfg.get('boost_green') or cfg.get('boost_blue'):
        history += (f", images sampled with weight 1 + {cfg.get('boost_green', 0)}·green share + "
                    f"{cfg.get('boost_blue', 0)}·blue share")
    if snap.get('averaged'):
        parts = ', '.join(f"step {a['step']} ×{a['weight']:g}" for a in snap['averaged'])
        history += (f"; the exported weights are a weighted mean of {len(snap['averaged'])} snapshots of this lineage "
                    f"({parts}; step 0 is the starting model), BatchNorm statistics re-measured (average.py)")
    # The val set (../shared/data/val) is not in every checkout; its size is only stated where it is.
    val_images = f"{len(list_images(DEFAULT_VAL_DIR))} images, " if os.path.isdir(DEFAULT_VAL_DIR) else ''
    manifest = {
        'schemaVersion': 1,
        'id': 'fast',
        'name': 'ChromaReel Fast',
        'version': f"0.1.{total_steps}",
        'description': ('Small U-Net for CPUs: luma in, Cb/Cr out, predicted at 1/4 resolution '
                        '(self-attention at 1/16) and upsampled inside the model.'),
        'licence': LICENCE,
        'contract': 'chroma',
        'file': 'model.onnx',
        'sha256': sha256_of(os.path.join(args.out, 'model.onnx')),
        'input': {'name': 'luma', 'mean': [0], 'std': [1]},
        'output': {'name': 'chroma', 'range': 'cbcr-offset'},
        'sizeMultiple': SIZE_MULTIPLE,
        'renderFactor': {'min': 8, 'max': 40, 'default': 16},
        'preferredFor': 'cpu',
        'training': {
            'data': TRAINING_DATA,
            'steps': total_steps,
            'temperature': temperature,
            'blend': blend,
            'params': count_params(model),
            'gmacPer256Frame': round(count_macs(model) / 1e9, 3),
            'notes': (f"arch {cfg['arch']}, {count_params(model)} params, {count_macs(model) / 1e9:.2f} GMAC "
                      f"per 256x256 frame; {history}; batch {cfg['batch']} of {cfg['crop']}px crops, AdamW lr {cfg['lr']} "
                      f"cosine; loss: rebalanced cross-entropy over {len(snap['bin_centers'])} Cb/Cr bins + "
                      f"{cfg['l1_weight']}x L1"
                      + (f", grey-truth pixels' cross-entropy weighted {cfg['grey_boost']}x"
                         if cfg.get('grey_boost', 1.0) != 1.0 else '')
                      + (f"; {cfg['film_luma']:.0%} of inputs rendered grey with a random film-stock colour "
                         f"sensitivity" if cfg.get('film_luma') else '')
                      + (f"; crappify tone range '{cfg['tone_range']}'" if cfg.get('tone_range', 'photo') != 'photo' else '')
                      + f"; decoded as annealed mean at T={temperature} blended "
                      f"{blend} : {1 - blend:.2f} with the L1 head (chosen on val). Metrics: val "
                      f"({val_images}render factor 16), clean grey input; "
                      f"fps: onnxruntime-node, 2 threads, 256x256"
                      + (' (measured on an idle machine)' if not args.fps and fps_idle else '')),
        },
        'metrics': {
            'valPsnr': round(val.get('valPsnr', 0.0), 3),
            'valGreyPsnr': round(val.get('valGreyPsnr', 0.0), 3),
            'valCf': round(val.get('valCf', 0.0), 3),
            'valTrueCf': round(val.get('valTrueCf', 0.0), 3),
            'cfRatio': round(val.get('cfRatio', 0.0), 4),
            'fps256Cpu2': round(fps, 1),
        },
    }
    write_atomic(os.path.join(args.out, 'model.json'), (json.dumps(manifest, indent=2, ensure_ascii=False) + '\n').encode())
    print(json.dumps({'msg': 'exported', 'out': args.out, 'step': snap['step'], 'maxAbsDiff': report['maxAbsDiff'],
                      'fpsNow': round(fps_measured, 1), 'fpsRecorded': round(fps, 1),
                      'temperature': temperature, 'blend': blend}), flush=True)


def export_pins(args, snap, model):
    """A pins snapshot becomes model-pins.onnx beside the plain model, declared in its model.json.

    The plain model.onnx stays as it is (the engine runs it whenever a job has no pins), so the
    manifest keeps its own metrics; the `pins` block names the second graph and its measurements."""
    manifest_path = os.path.join(args.out, 'model.json')
    manifest = json.load(open(manifest_path))
    temperature = args.temperature if args.temperature is not None else manifest['training']['temperature']
    blend = args.blend if args.blend is not None else manifest['training']['blend']
    model.temperature.fill_(temperature)
    model.blend.fill_(blend)
    model.eval()
    tmp_onnx = os.path.join(args.out, 'model-pins.onnx.tmp')
    export_onnx(model, tmp_onnx)
    report = run_ort_check(tmp_onnx, model)
    os.replace(tmp_onnx, os.path.join(args.out, 'model-pins.onnx'))
    cfg = snap['config']
    _, total_steps = lineage(snap)
    manifest['pins'] = {
        'file': 'model-pins.onnx',
        'sha256': sha256_of(os.path.join(args.out, 'model-pins.onnx')),
        'input': 'hints',
        'pinSide': PIN_SIDE,
        **({'spread': True} if args.spread else {}),
        'training': {
            'steps': total_steps,
            'notes': (f"{manifest['version']} fine-tuned for {snap['step']} steps with pin inputs: hint planes "
                      f"(Cb, Cr, mask) added by zero-initialised convolutions at 1/2, 1/4, 1/8, 1/16 and the "
                      f"1/4 decoder level; pins sampled from the truth (share {cfg['hint_zero_share']:.0%} "
                      f"with none, otherwise 1–40 log-uniform, each a {PIN_SIDE}x{PIN_SIDE} square of a 7x7 "
                      f"patch's mean colour); batch {cfg['batch']} of {cfg['crop']}px crops, AdamW lr "
                      f"{cfg['lr']} (pin layers x{cfg['hint_lr_scale']:g}) cosine; T={temperature}, blend {blend}"),
        },
        'metrics': {**({'pinsEval': args.pins_metrics and json.load(open(args.pins_metrics))} if args.pins_metrics else {}),
                    'fps256Cpu2': round(args.fps or report['bench']['fps'], 1)},
    }
    write_atomic(manifest_path, (json.dumps(manifest, indent=2, ensure_ascii=False) + '\n').encode())
    print(json.dumps({'msg': 'exported pins model', 'out': args.out, 'step': snap['step'],
                      'maxAbsDiff': report['maxAbsDiff'], 'fpsNow': round(report['bench']['fps'], 1)}), flush=True)


if __name__ == '__main__':
    main()
