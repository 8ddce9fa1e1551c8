"""How strongly a snapshot tints real black-and-white film: a guard metric with no ground truth.

Val photos are colour photos turned grey; genuine film looks different (tone, grain, the stock's own
colour sensitivity), and every model so far paints ~40 % of the shared 1950s clip's pixels with a red
cast. This probe colours a few frames of that clip and reports the mean |Cb|+|Cr| and the share of
pixels with Cr > 0.06 (red/orange), so a training change can be checked against that failure.

    /usr/bin/python3 scripts/train/film_probe.py --snapshot RUN/best.pt [--temperature 0.6 --blend 0.75]
        [--strip film.png]
"""
import argparse
import io
import json
import os
import subprocess
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from data import DEFAULT_FILM  # noqa: E402
from metrics import model_luma, recombine, split_luma  # noqa: E402
from model import SIZE_MULTIPLE  # noqa: E402

FRAME_TIMES_S = (2, 6, 10, 14, 18)
RED_CR = 0.06


def film_frames(video=DEFAULT_FILM, times=FRAME_TIMES_S):
    """uint8 RGB frames of `video` at `times` seconds (ffmpeg), or [] when ffmpeg or the clip is missing."""
    if not os.path.exists(video):
        return []
    frames = []
    for t in times:
        try:
            png = subprocess.run(['ffmpeg', '-v', 'error', '-ss', str(t), '-i', video, '-frames:v', '1',
                                  '-f', 'image2pipe', '-c:v', 'png', '-'], capture_output=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return []
        frames.append(np.array(Image.open(io.BytesIO(png)).convert('RGB')))
    return frames


def film_tint(model, temperature, blend, frames, render_factor=16):
    """({'filmChroma': mean |Cb|+|Cr|, 'filmRed': share of Cr > RED_CR}, coloured frames)."""
    chroma_sum, red_sum, coloured = 0.0, 0.0, []
    with torch.no_grad():
        for frame in frames:
            y_full, _ = split_luma(frame)
            luma = model_luma(y_full, render_factor, SIZE_MULTIPLE)
            logits, l1 = model.heads(luma)
            chroma = model.decode(logits, l1, temperature, blend)
            chroma_sum += float(chroma.abs().sum(1).mean())
            red_sum += float((chroma[:, 1] > RED_CR).float().mean())
            coloured.append(recombine(y_full, chroma))
    n = max(1, len(frames))
    return {'filmChroma': chroma_sum / n, 'filmRed': red_sum / n}, coloured


def main():
    from validate import load_snapshot, write_contact_sheet
    ap = argparse.ArgumentParser()
    ap.add_argument('--snapshot', required=True)
    ap.add_argument('--temperature', type=float, default=0.6)
    ap.add_argument('--blend', type=float, default=0.75)
    ap.add_argument('--video', default=DEFAULT_FILM)
    ap.add_argument('--strip', help='write the coloured frames side by side to this PNG')
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    frames = film_frames(args.video)
    if not frames:
        sys.exit(f'film_probe: could not read frames of {args.video} (is ffmpeg installed and ../shared present?)')
    model, snap = load_snapshot(args.snapshot)
    tint, coloured = film_tint(model, args.temperature, args.blend, frames)
    if args.strip:
        write_contact_sheet([coloured], args.strip, height=200)
    print(json.dumps({'step': snap['step'], 'temperature': args.temperature, 'blend': args.blend,
                      **{k: round(v, 4) for k, v in tint.items()}}))


if __name__ == '__main__':
    main()
