"""Tests for export (ONNX + onnxruntime-node + model.json) and exact training resume.

Run: /usr/bin/python3 -m unittest discover -s scripts/train -p 'test_*.py'
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

try:
    import numpy as np
    import onnx
    import torch
    HAVE_TORCH = True
except ImportError as exc:  # pragma: no cover - depends on the machine
    HAVE_TORCH = False
    print(f'scripts/train export tests skipped: {exc} (run scripts/train/setup.sh; use /usr/bin/python3)')

HAVE_ORT_NODE = shutil.which('node') is not None and os.path.isdir(os.path.join(REPO, 'node_modules', 'onnxruntime-node'))
if not HAVE_ORT_NODE:
    print('onnxruntime-node comparison skipped: node or node_modules/onnxruntime-node missing (npm ci)')


def tiny_model():
    from bins import grid_centers
    from train import build_model
    torch.manual_seed(0)
    model = build_model('slim', grid_centers()[::4])
    # Random BN statistics so the comparison is not trivially near zero.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
    return model.eval()


@unittest.skipUnless(HAVE_TORCH, 'torch/onnx not installed (run scripts/train/setup.sh)')
class ExportTest(unittest.TestCase):
    def setUp(self):
        torch.set_num_threads(2)
        self.tmp = tempfile.mkdtemp(prefix='chroma-export-test-')

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_graph_contract(self):
        from export import export_onnx
        path = os.path.join(self.tmp, 'm.onnx')
        export_onnx(tiny_model(), path)
        g = onnx.load(path).graph
        self.assertEqual([i.name for i in g.input], ['luma'])
        self.assertEqual([o.name for o in g.output], ['chroma'])
        dims = [d.dim_param for d in g.input[0].type.tensor_type.shape.dim]
        self.assertEqual(dims[0], 'n')
        self.assertEqual(dims[2:], ['h', 'w'])
        ops = {n.op_type for n in g.node}
        self.assertIn('Softmax', ops)  # annealed-mean decoding is inside the graph
        self.assertIn('Resize', ops)   # and so is the upsampling to the input size

    def test_torch_output_is_full_size_cbcr(self):
        model = tiny_model()
        with torch.no_grad():
            out = model(torch.rand(3, 1, 48, 80))
        self.assertEqual(tuple(out.shape), (3, 2, 48, 80))
        self.assertLessEqual(out.abs().max().item(), 0.5)

    @unittest.skipUnless(HAVE_ORT_NODE, 'node or onnxruntime-node missing')
    def test_onnxruntime_node_matches_torch(self):
        from export import export_onnx, run_ort_check
        model = tiny_model()
        path = os.path.join(self.tmp, 'm.onnx')
        export_onnx(model, path)
        report = run_ort_check(path, model, bench=64)
        self.assertTrue(report['match'])
        self.assertLess(report['maxAbsDiff'], 1e-3)
        self.assertEqual(report['outputShape'][1], 2)
        self.assertGreater(report['bench']['fps'], 0)

    @unittest.skipUnless(HAVE_ORT_NODE, 'node or onnxruntime-node missing')
    def test_export_cli_writes_verified_manifest(self):
        from model import SIZE_MULTIPLE
        run = os.path.join(self.tmp, 'run')
        out = os.path.join(self.tmp, 'out')
        os.makedirs(run)
        model = tiny_model()
        torch.save({'config': {'arch': 'slim', 'batch': 4, 'crop': 32, 'lr': 1e-3, 'l1_weight': 10.0},
                    'step': 7, 'model': model.state_dict(), 'bin_centers': model.bin_centers.numpy(),
                    'bin_weights': np.ones(len(model.bin_centers), np.float32),
                    'averaged': [{'step': 0, 'weight': 2.0}, {'step': 7, 'weight': 1.0}]}, os.path.join(run, 'best.pt'))
        with open(os.path.join(run, 'best.json'), 'w') as fh:
            json.dump({'step': 7, 'temperature': 0.5, 'blend': 0.75, 'valPsnr': 23.0, 'valGreyPsnr': 22.5,
                       'valCf': 20.0, 'valTrueCf': 30.0, 'cfRatio': 2 / 3}, fh)
        proc = subprocess.run([sys.executable, os.path.join(HERE, 'export.py'), '--run-dir', run, '--out', out],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        manifest = json.load(open(os.path.join(out, 'model.json')))
        digest = hashlib.sha256(open(os.path.join(out, 'model.onnx'), 'rb').read()).hexdigest()
        self.assertEqual(manifest['sha256'], digest)
        self.assertEqual(manifest['contract'], 'chroma')
        self.assertEqual(manifest['input']['name'], 'luma')
        self.assertEqual(manifest['output'], {'name': 'chroma', 'range': 'cbcr-offset'})
        self.assertEqual(manifest['sizeMultiple'], SIZE_MULTIPLE)
        self.assertEqual(manifest['renderFactor'], {'min': 8, 'max': 40, 'default': 16})
        self.assertEqual(manifest['preferredFor'], 'cpu')
        self.assertEqual(manifest['training']['steps'], 7)
        self.assertAlmostEqual(manifest['metrics']['cfRatio'], 0.6667, places=4)
        self.assertGreater(manifest['metrics']['fps256Cpu2'], 0)
        self.assertIn('T=0.5', manifest['training']['notes'])
        self.assertIn('weighted mean of 2 snapshots of this lineage (step 0 ×2, step 7 ×1', manifest['training']['notes'])
        self.assertFalse(any(f.endswith('.tmp') for f in os.listdir(out)))


@unittest.skipUnless(HAVE_TORCH, 'torch not installed (run scripts/train/setup.sh)')
class ResumeTest(unittest.TestCase):
    def test_stop_and_resume_equals_straight_run(self):
        from PIL import Image
        tmp = tempfile.mkdtemp(prefix='chroma-resume-test-')
        try:
            data = os.path.join(tmp, 'data')
            os.makedirs(data)
            rng = np.random.default_rng(0)
            for i in range(6):
                img = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
                Image.fromarray(img).resize((80, 64)).save(os.path.join(data, f'{i}.jpg'))

            def train(run, max_steps):
                cmd = [sys.executable, os.path.join(HERE, 'train.py'), '--run-dir', run, '--data', data,
                       '--cache-dir', os.path.join(tmp, 'cache'), '--arch', 'slim', '--crop', '32',
                       '--batch', '2', '--warmup', '2', '--total-steps', '6', '--max-steps', str(max_steps),
                       '--checkpoint-every', '2', '--no-validate', '--threads', '1', '--film-luma', '0.5',
                       '--keep-from', '4']
                proc = subprocess.run(cmd, capture_output=True, text=True)
                self.assertEqual(proc.returncode, 0, proc.stdout[-1000:] + proc.stderr[-2000:])
                return torch.load(os.path.join(run, 'latest.pt'))

            straight = train(os.path.join(tmp, 'a'), 4)
            train(os.path.join(tmp, 'b'), 2)
            resumed = train(os.path.join(tmp, 'b'), 4)
            self.assertEqual(straight['step'], 4)
            self.assertEqual(resumed['step'], 4)
            for k, v in straight['model'].items():
                self.assertTrue(torch.equal(v, resumed['model'][k]), k)
            self.assertEqual(straight['scheduler']['last_epoch'], resumed['scheduler']['last_epoch'])
            # --keep-from 4: the weights of step 4 are kept for average.py, earlier ones are not.
            self.assertEqual(os.listdir(os.path.join(tmp, 'a', 'keep')), ['step-0000004.pt'])
            kept = torch.load(os.path.join(tmp, 'a', 'keep', 'step-0000004.pt'))
            self.assertEqual(kept['step'], 4)
            for k, v in straight['model'].items():
                self.assertTrue(torch.equal(v, kept['model'][k]), k)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


@unittest.skipUnless(HAVE_TORCH, 'torch/onnx not installed (run scripts/train/setup.sh)')
class RecoverTest(unittest.TestCase):
    """recover.py turns an export (BatchNorms folded) back into the same function, trainable again."""

    def test_unfold_and_calibrate_keep_the_exported_function(self):
        from data import ImageBank
        from export import export_onnx
        from recover import calibrate, load_from_onnx
        torch.set_num_threads(2)
        model = tiny_model()
        with tempfile.TemporaryDirectory(prefix='chroma-recover-test-') as tmp:
            path = os.path.join(tmp, 'm.onnx')
            export_onnx(model, path)
            recovered, centers = load_from_onnx(path, 'slim')
        np.testing.assert_allclose(centers, model.bin_centers.numpy(), atol=1e-7)
        x = torch.rand(2, 1, 64, 96)
        with torch.no_grad():
            expected = model(x)
            unfolded = recovered.eval()(x)
        self.assertLess((expected - unfolded).abs().max().item(), 1e-5)

        rng = np.random.default_rng(0)
        images = [rng.integers(0, 256, size=(80, 112, 3), dtype=np.uint8) for _ in range(4)]
        bank = ImageBank(np.concatenate([a.ravel() for a in images]), np.array([a.shape for a in images]))
        calibrate(recovered, bank, rng, batches=2, batch=4, crop=64)
        with torch.no_grad():
            calibrated = recovered.eval()(x)
        self.assertLess((expected - calibrated).abs().max().item(), 1e-5)
        bns = [m for m in recovered.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        # Calibrated statistics are measured, no longer the identity placeholders.
        self.assertTrue(any(bn.running_mean.abs().max().item() > 1e-3 for bn in bns))

    def test_continuing_from_a_snapshot_keeps_weights_and_counts_earlier_steps(self):
        from recover import init_from_checkpoint
        model = tiny_model()
        with tempfile.TemporaryDirectory(prefix='chroma-recover-test-') as tmp:
            first_init = os.path.join(tmp, 'init.pt')
            torch.save({'config': {'arch': 'slim', 'steps': 1000}}, first_init)
            snapshot = os.path.join(tmp, 'best.pt')
            torch.save({'config': {'arch': 'slim', 'init_from': first_init}, 'step': 250,
                        'model': model.state_dict(), 'bin_centers': model.bin_centers.numpy(),
                        'bin_weights': np.ones(len(model.bin_centers), np.float32)}, snapshot)
            out = os.path.join(tmp, 'next', 'init.pt')
            os.makedirs(os.path.dirname(out))
            self.assertEqual(init_from_checkpoint(snapshot, out), 1250)
            init = torch.load(out)
        self.assertEqual(init['config']['steps'], 1250)
        self.assertEqual(init['config']['source_version'], '0.1.1250')
        for k, v in model.state_dict().items():
            self.assertTrue(torch.equal(init['model'][k], v), k)



@unittest.skipUnless(HAVE_TORCH, 'torch not installed (run scripts/train/setup.sh)')
class FilmProbeTest(unittest.TestCase):
    def test_tint_of_real_film_frames(self):
        from data import DEFAULT_FILM
        from film_probe import FRAME_TIMES_S, film_frames, film_tint
        from validate import write_contact_sheet
        if not (os.path.exists(DEFAULT_FILM) and shutil.which('ffmpeg')):
            self.skipTest(f'{DEFAULT_FILM} or ffmpeg missing')
        frames = film_frames(DEFAULT_FILM, FRAME_TIMES_S[:2])
        self.assertEqual(len(frames), 2)
        self.assertEqual(frames[0].shape, (672, 920, 3))
        self.assertGreater(np.abs(frames[0].astype(int) - frames[1].astype(int)).mean(), 5, 'two different frames')
        tint, coloured = film_tint(tiny_model(), 0.6, 0.75, frames)
        self.assertEqual(len(coloured), 2)
        self.assertEqual(coloured[0].shape, frames[0].shape)
        self.assertGreater(tint['filmChroma'], 0.0)
        self.assertTrue(0.0 <= tint['filmRed'] <= 1.0)
        tmp = tempfile.mkdtemp(prefix='chroma-film-test-')
        try:
            path = os.path.join(tmp, 'strip.png')
            write_contact_sheet([coloured], path, height=100)
            from PIL import Image
            with Image.open(path) as strip:
                self.assertEqual(strip.size, (2 * round(920 * 100 / 672) + 8, 100 + 8))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.assertEqual(film_frames(os.path.join(HERE, 'no-such-film.mp4')), [])


@unittest.skipUnless(HAVE_TORCH, 'torch not installed (run scripts/train/setup.sh)')
class ValidateTest(unittest.TestCase):
    def test_a_recovered_init_is_scored_as_step_0_and_kept(self):
        from data import DEFAULT_VAL_DIR
        if not os.path.isdir(DEFAULT_VAL_DIR):
            self.skipTest(f'{DEFAULT_VAL_DIR} missing')
        model = tiny_model()
        with tempfile.TemporaryDirectory(prefix='chroma-validate-test-') as run:
            init = os.path.join(run, 'init.pt')
            # recover.py's output: weights and bins, no 'step' (the run continuing from it starts at 0).
            torch.save({'config': {'arch': 'slim', 'steps': 1000}, 'model': model.state_dict(),
                        'bin_centers': model.bin_centers.numpy(),
                        'bin_weights': np.ones(len(model.bin_centers), np.float32)}, init)
            subprocess.run([sys.executable, os.path.join(HERE, 'validate.py'), '--run-dir', run, '--snapshot', init,
                            '--limit', '2', '--threads', '1', '--no-export', '--keep-snapshot'],
                           check=True, capture_output=True, timeout=300)
            with open(os.path.join(run, 'best.json')) as fh:
                best = json.load(fh)
            self.assertEqual(best['step'], 0)
            self.assertGreater(best['valPsnr'], 10)
            self.assertTrue(os.path.exists(init), '--keep-snapshot keeps the snapshot even when it becomes the best')
            self.assertTrue(os.path.exists(os.path.join(run, 'best.pt')))
            self.assertTrue(os.path.exists(os.path.join(run, 'contact-0000000.png')))



@unittest.skipUnless(HAVE_TORCH, 'torch not installed (run scripts/train/setup.sh)')
class AverageTest(unittest.TestCase):
    """average.py: a weighted mean of one lineage's weights, with BatchNorm statistics measured again."""

    def test_weighted_mean_and_fresh_batchnorm_statistics(self):
        from average import average_state, parse_input, reestimate_batchnorm
        from data import ImageBank
        self.assertEqual(parse_input('runs/a/init.pt:9'), ('runs/a/init.pt', 9.0))
        self.assertEqual(parse_input('runs/a/step-0400.pt'), ('runs/a/step-0400.pt', 1.0))
        a, b = tiny_model(), tiny_model()
        with torch.no_grad():
            for p in b.parameters():
                p.add_(torch.randn_like(p))
        snaps = [{'model': a.state_dict(), 'step': 0}, {'model': b.state_dict(), 'step': 10}]
        mean = average_state(snaps, [3.0, 1.0])
        for k, v in a.state_dict().items():
            if v.is_floating_point():
                torch.testing.assert_close(mean[k], (3 * v + b.state_dict()[k]) / 4, rtol=1e-6, atol=1e-6)
            else:
                self.assertTrue(torch.equal(mean[k], v), k)

        model = tiny_model()
        model.load_state_dict(mean)
        rng = np.random.default_rng(0)
        images = [rng.integers(0, 256, size=(80, 112, 3), dtype=np.uint8) for _ in range(4)]
        bank = ImageBank(np.concatenate([x.ravel() for x in images]), np.array([x.shape for x in images]))
        before = [m.running_var.clone() for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        reestimate_batchnorm(model, bank, rng, {'crop': 64, 'film_luma': 0.5, 'tone_range': 'wide'}, batches=2, batch=4)
        self.assertFalse(model.training)
        after = [m.running_var for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        self.assertTrue(all(not torch.allclose(x, y) for x, y in zip(before, after)), 'statistics re-measured')
        with torch.no_grad():
            out = model(torch.rand(1, 1, 64, 64))
        self.assertTrue(torch.isfinite(out).all())


if __name__ == '__main__':
    unittest.main()
