"""Tests for colour-pin inputs: sampling, painting, the zero-initialised pin layers, export.

Run: /usr/bin/python3 -m unittest discover -s scripts/train -p 'test_*.py'
"""
import os
import shutil
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
    print(f'scripts/train pins tests skipped: {exc} (run scripts/train/setup.sh; use /usr/bin/python3)')

HAVE_ORT_NODE = shutil.which('node') is not None and os.path.isdir(os.path.join(REPO, 'node_modules', 'onnxruntime-node'))


def plain_and_pins_models():
    from bins import grid_centers
    from train import build_model, load_init_weights
    torch.manual_seed(0)
    plain = build_model('slim', grid_centers()[::4]).eval()
    for m in plain.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.weight.data.uniform_(0.5, 1.5)
    pins = build_model('slim', grid_centers()[::4], hints=True)
    load_init_weights(pins, plain.state_dict())
    return plain, pins.eval()


@unittest.skipUnless(HAVE_TORCH, 'torch/onnx not installed (run scripts/train/setup.sh)')
class HintsTest(unittest.TestCase):
    def test_pin_counts_are_bounded_and_often_zero(self):
        from hints import MAX_PINS, pin_count
        rng = np.random.default_rng(1)
        counts = np.array([pin_count(rng, 0.1) for _ in range(4000)])
        self.assertGreaterEqual(counts.min(), 0)
        self.assertLessEqual(counts.max(), MAX_PINS)
        self.assertAlmostEqual((counts == 0).mean(), 0.1, delta=0.02)
        self.assertGreater(((counts >= 5) & (counts <= 30)).mean(), 0.4)  # most pins sets are 5–30

    def test_paint_pins_draws_clipped_squares(self):
        from hints import PIN_SIDE, paint_pins
        planes = paint_pins(np.array([[0, 0], [10, 12]]), np.array([[0.1, -0.2], [-0.3, 0.25]]), 16, 20)
        self.assertEqual(tuple(planes.shape), (3, 16, 20))
        r = PIN_SIDE // 2
        self.assertEqual(planes[2].sum().item(), (r + 1) ** 2 + PIN_SIDE ** 2)  # corner pin clipped
        self.assertAlmostEqual(planes[0, 10, 12].item(), -0.3, places=6)
        self.assertAlmostEqual(planes[1, 0, 0].item(), -0.2, places=6)
        self.assertEqual(planes[:, 10, 12 + r + 1].abs().sum().item(), 0.0)

    def test_sampled_colours_are_patch_means_of_the_truth(self):
        from hints import sample_hints
        cbcr = torch.zeros(2, 2, 32, 32)
        cbcr[:, 0] = 0.2
        cbcr[:, 1] = -0.1
        planes = sample_hints(cbcr, np.random.default_rng(3), zero_share=0.0)
        mask = planes[:, 2] > 0
        self.assertTrue(mask.any())
        self.assertTrue(torch.allclose(planes[:, 0][mask], torch.tensor(0.2)))
        self.assertTrue(torch.allclose(planes[:, 1][mask], torch.tensor(-0.1)))
        self.assertEqual(planes[:, :2][~mask.unsqueeze(1).expand(-1, 2, -1, -1)].abs().sum().item(), 0.0)

    def test_no_pins_is_exactly_the_plain_model(self):
        plain, pins = plain_and_pins_models()
        x = torch.rand(2, 1, 64, 80)
        with torch.no_grad():
            self.assertTrue(torch.equal(plain(x), pins(x, torch.zeros(2, 3, 64, 80))))

    def test_pin_layers_learn_from_zero(self):
        from hints import sample_hints
        _, pins = plain_and_pins_models()
        pins.train()
        hints = sample_hints(torch.rand(2, 2, 64, 64) - 0.5, np.random.default_rng(0), zero_share=0.0)
        logits, l1 = pins.heads(torch.rand(2, 1, 64, 64), hints)
        (logits.mean() + l1.mean()).backward()
        grads = [m.conv.weight.grad.abs().sum().item() for m in list(pins.hint_in) + [pins.hint_out]]
        self.assertTrue(all(g > 0 for g in grads), grads)

    def test_export_has_a_hints_input(self):
        from export import export_onnx
        _, pins = plain_and_pins_models()
        tmp = tempfile.mkdtemp(prefix='chroma-pins-test-')
        try:
            path = os.path.join(tmp, 'm.onnx')
            export_onnx(pins, path)
            g = onnx.load(path).graph
            self.assertEqual([i.name for i in g.input], ['luma', 'hints'])
            self.assertEqual([d.dim_param or d.dim_value for d in g.input[1].type.tensor_type.shape.dim],
                             ['n', 3, 'h', 'w'])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @unittest.skipUnless(HAVE_ORT_NODE, 'node or onnxruntime-node missing')
    def test_onnxruntime_node_matches_torch_with_pins(self):
        from export import export_onnx, run_ort_check
        _, pins = plain_and_pins_models()
        with torch.no_grad():  # non-zero pin layers, so the comparison exercises them
            for m in list(pins.hint_in) + [pins.hint_out]:
                m.conv.weight.uniform_(-0.2, 0.2)
        tmp = tempfile.mkdtemp(prefix='chroma-pins-test-')
        try:
            path = os.path.join(tmp, 'm.onnx')
            export_onnx(pins, path)
            report = run_ort_check(path, pins, bench=64)
            self.assertTrue(report['match'])
            self.assertEqual(report['inputNames'], ['luma', 'hints'])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    unittest.main()
