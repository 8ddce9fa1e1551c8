"""Validate a training snapshot on the val set, tune the decoding dial, keep the best, export it.

    /usr/bin/python3 scripts/train/validate.py --run-dir RUN --snapshot RUN/snapshot-0001000.pt [--no-export]

The backbone runs once per val image; every (temperature, blend) pair of the grid is decoded from the
same heads. The best pair by metrics.score is the snapshot's result. When it beats RUN/best.json the
snapshot becomes RUN/best.pt and is exported to native-models/fast/ (export.py, separate process).
Appends one JSON line per validation to RUN/val.jsonl (with film_probe's tint of real B&W film at the
chosen setting, a guard outside the score); writes a contact sheet RUN/contact-latest.png and the
coloured film frames RUN/film-latest.png.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from data import DEFAULT_VAL_DIR, list_images, load_rgb  # noqa: E402
from film_probe import film_frames, film_tint  # noqa: E402
from metrics import (MetricSum, meets_targets, model_luma, recombine, score,  # noqa: E402
                     split_luma)
from model import SIZE_MULTIPLE  # noqa: E402
from train import build_model  # noqa: E402

TEMPERATURES = (0.2, 0.38, 0.6, 1.0)
BLENDS = (0.25, 0.5, 0.75, 1.0)
# blend 0 is the L1 head alone, whatever the temperature.
DEFAULT_GRID = [(TEMPERATURES[0], 0.0)] + [(t, b) for t in TEMPERATURES for b in BLENDS]
CONTACT_IMAGES = 6


def load_snapshot(path):
    snap = torch.load(path, map_location='cpu')
    model = build_model(snap['config']['arch'], snap['bin_centers'])
    model.load_state_dict(snap['model'])
    return model.eval(), snap


def evaluate(model, val_dir=DEFAULT_VAL_DIR, render_factor=16, grid=None, limit=None, contact_path=None,
             contact_setting=None):
    """Returns {(T, blend): metrics}. Optionally writes a contact sheet for contact_setting."""
    grid = grid or DEFAULT_GRID
    sums = {g: MetricSum() for g in grid}
    files = list_images(val_dir)[:limit] if limit else list_images(val_dir)
    rows = []
    with torch.no_grad():
        for i, f in enumerate(files):
            truth = load_rgb(f)
            y_full, grey = split_luma(truth)
            luma = model_luma(y_full, render_factor, SIZE_MULTIPLE)
            logits, l1 = model.heads(luma)
            for g in grid:
                chroma = model.decode(logits, l1, g[0], g[1])
                chroma = F.interpolate(chroma, size=luma.shape[-2:], mode='bilinear', align_corners=False)
                ours = recombine(y_full, chroma)
                sums[g].add(ours, grey, truth)
                if contact_path and i < CONTACT_IMAGES and g == (contact_setting or grid[0]):
                    rows.append((grey, ours, truth))
    if contact_path and rows:
        write_contact_sheet(rows, contact_path)
    return {g: s.result() for g, s in sums.items()}


def write_contact_sheet(rows, path, height=160):
    tiles = []
    for row in rows:
        ims = [Image.fromarray(a) for a in row]
        w = int(round(ims[0].width * height / ims[0].height))
        tiles.append([im.resize((w, height), Image.BILINEAR) for im in ims])
    width = max(sum(t.width for t in r) + 8 * (len(r) - 1) for r in tiles)
    sheet = Image.new('RGB', (width, len(tiles) * (height + 8)), (255, 255, 255))
    for r, row in enumerate(tiles):
        x = 0
        for im in row:
            sheet.paste(im, (x, r * (height + 8)))
            x += im.width + 8
    tmp = path + '.tmp.png'
    sheet.save(tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--run-dir', required=True)
    ap.add_argument('--snapshot', required=True)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--limit', type=int, default=None)
    ap.add_argument('--no-export', action='store_true')
    ap.add_argument('--keep-snapshot', action='store_true')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    t0 = time.time()
    model, snap = load_snapshot(args.snapshot)
    step = snap.get('step', 0)  # recover.py's init carries none: it is step 0 of the run continuing from it
    results = evaluate(model, limit=args.limit)
    best_setting = max(results, key=lambda g: score(results[g]))
    m = results[best_setting]
    # A guard, not part of the score: how strongly real B&W film gets tinted at the chosen setting.
    tint, film_coloured = film_tint(model, best_setting[0], best_setting[1], film_frames())
    if film_coloured:
        write_contact_sheet([film_coloured], os.path.join(args.run_dir, 'film-latest.png'), height=200)
    line = {'step': step, 'temperature': best_setting[0], 'blend': best_setting[1], **m,
            **({k: round(v, 4) for k, v in tint.items()} if film_coloured else {}),
            'score': score(m), 'meetsTargets': meets_targets(m), 'seconds': round(time.time() - t0, 1),
            'grid': {f'T{t}_b{b}': {k: round(v, 4) for k, v in r.items()} for (t, b), r in results.items()}}
    with open(os.path.join(args.run_dir, 'val.jsonl'), 'a') as fh:
        fh.write(json.dumps(line) + '\n')
    print(json.dumps({k: v for k, v in line.items() if k != 'grid'}), flush=True)

    # Contact sheet at the chosen setting (cheap: six images).
    evaluate(model, grid=[best_setting], limit=CONTACT_IMAGES,
             contact_path=os.path.join(args.run_dir, 'contact-latest.png'), contact_setting=best_setting)
    shutil.copyfile(os.path.join(args.run_dir, 'contact-latest.png'),
                    os.path.join(args.run_dir, f'contact-{step:07d}.png'))

    best_json = os.path.join(args.run_dir, 'best.json')
    previous = json.load(open(best_json)) if os.path.exists(best_json) else None
    improved = previous is None or line['score'] > previous['score']
    if improved:
        best_pt = os.path.join(args.run_dir, 'best.pt')
        (shutil.copyfile if args.keep_snapshot else os.replace)(args.snapshot, best_pt)
        summary = {k: v for k, v in line.items() if k != 'grid'}
        tmp = best_json + '.tmp'
        with open(tmp, 'w') as fh:
            json.dump(summary, fh, indent=1)
        os.replace(tmp, best_json)
        print(json.dumps({'msg': 'new best', 'step': step, 'score': line['score']}), flush=True)
        if not args.no_export:
            rc = subprocess.call([sys.executable, os.path.join(HERE, 'export.py'), '--run-dir', args.run_dir,
                                  '--checkpoint', best_pt])
            print(json.dumps({'msg': 'export finished', 'returncode': rc}), flush=True)
            if rc != 0:
                sys.exit(rc)
    elif not args.keep_snapshot:
        os.remove(args.snapshot)


if __name__ == '__main__':
    main()
