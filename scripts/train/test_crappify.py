"""Tests for the training data path: crappify, bins, metrics.  Run: /usr/bin/python3 -m unittest discover -s scripts/train -p 'test_*.py'"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import numpy as np
    import torch
    HAVE_TORCH = True
except ImportError as exc:  # pragma: no cover - depends on the machine
    HAVE_TORCH = False
    print(f'scripts/train tests skipped: {exc} (run scripts/train/setup.sh; use /usr/bin/python3)')


def textured_luma(h=96, w=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    base = torch.linspace(0.1, 0.9, w).repeat(h, 1)
    checker = ((torch.arange(h)[:, None] // 4 + torch.arange(w)[None, :] // 4) % 2).float() * 0.2
    return (base * 0.7 + checker + 0.05 * torch.rand(h, w, generator=g)).clamp(0, 1)[None, None]


def high_freq_energy(y):
    return (y[..., :, 1:] - y[..., :, :-1]).abs().mean().item()


@unittest.skipUnless(HAVE_TORCH, 'torch/numpy not installed (run scripts/train/setup.sh)')
class CrappifyTest(unittest.TestCase):
    def test_shape_range_and_change(self):
        from crappify import crappify
        y = textured_luma().repeat(8, 1, 1, 1)
        out = crappify(y, np.random.default_rng(3))
        self.assertEqual(out.shape, y.shape)
        self.assertGreaterEqual(out.min().item(), 0.0)
        self.assertLessEqual(out.max().item(), 1.0)
        changed = [(out[i] - y[i]).abs().mean().item() > 1e-3 for i in range(8)]
        self.assertGreaterEqual(sum(changed), 5, 'most samples should be degraded')

    def test_deterministic_given_rng_state(self):
        from crappify import crappify
        y = textured_luma().repeat(4, 1, 1, 1)
        a = crappify(y, np.random.default_rng(11))
        b = crappify(y, np.random.default_rng(11))
        self.assertTrue(torch.equal(a, b))

    def test_blur_and_down_up_remove_detail(self):
        from crappify import blur, down_up
        y = textured_luma()
        self.assertLess(high_freq_energy(blur(y, 1.2)), 0.6 * high_freq_energy(y))
        self.assertLess(high_freq_energy(down_up(y, 2.5)), 0.8 * high_freq_energy(y))
        self.assertEqual(down_up(y, 2.0).shape, y.shape)

    def test_vignette_darkens_corners_not_centre(self):
        from crappify import vignette
        y = torch.full((1, 1, 64, 64), 0.5)
        v = vignette(y, 0.5)
        self.assertAlmostEqual(v[0, 0, 32, 32].item(), 0.5, delta=0.01)
        self.assertLess(v[0, 0, 0, 0].item(), 0.3)

    def test_jpeg_adds_blocking_error(self):
        from crappify import jpeg
        y = textured_luma()
        out = jpeg(y, 20)
        err = (out - y).abs().mean().item()
        self.assertEqual(out.shape, y.shape)
        self.assertGreater(err, 0.005)
        self.assertLess(err, 0.2)

    def test_grain_is_noise_with_near_zero_mean(self):
        from crappify import grain
        y = torch.full((1, 1, 96, 96), 0.5)
        out = grain(y, 0.05, 1.0, np.random.default_rng(0))
        self.assertGreater((out - y).std().item(), 0.02)
        self.assertLess(abs((out - y).mean().item()), 0.02)

    def test_wide_tone_range_reaches_flat_dark_film_grading(self):
        from crappify import crappify
        y = textured_luma().repeat(300, 1, 1, 1)

        def film_like_share(tone_range):
            out = crappify(y, np.random.default_rng(11), tone_range)
            means, stds = out.mean(dim=(1, 2, 3)), out.std(dim=(1, 2, 3))
            return ((means < 0.3) & (stds < 0.75 * y[0].std())).float().mean().item()

        photo, wide = film_like_share('photo'), film_like_share('wide')
        self.assertGreater(wide, 0.05, 'some inputs as flat and dark as the 1950s clip')
        self.assertGreater(wide, 2 * photo)

    def test_film_luma_varies_colour_sensitivity_but_keeps_grey_grey(self):
        from colour import rgb_to_ycbcr_torch
        from crappify import film_luma
        red = torch.zeros(64, 3, 8, 8)
        red[:, 0] = 0.8
        plain = film_luma(red, np.random.default_rng(0), 0.0)
        self.assertTrue(torch.allclose(plain, rgb_to_ycbcr_torch(red)[:, :1], atol=1e-6))
        rng = np.random.default_rng(0)
        film = film_luma(red, rng, 1.0)
        self.assertEqual(film.shape, (64, 1, 8, 8))
        per_sample = film[:, 0, 0, 0]
        self.assertGreater(per_sample.std().item(), 0.03, 'a red object is rendered at different greys')
        self.assertLess(per_sample.min().item(), 0.8 * 0.299 * 0.5, 'some samples are orthochromatic (dark reds)')
        # Weights sum to 1: a neutral grey stays the same grey under every film stock.
        grey = torch.full((16, 3, 4, 4), 0.37)
        self.assertTrue(torch.allclose(film_luma(grey, rng, 1.0), torch.full((16, 1, 4, 4), 0.37), atol=1e-6))
        untouched = np.random.default_rng(5)
        film_luma(red, untouched, 0.0)
        self.assertEqual(untouched.random(), np.random.default_rng(5).random(), 'prob 0 draws nothing from the rng')


@unittest.skipUnless(HAVE_TORCH, 'torch/numpy not installed (run scripts/train/setup.sh)')
class BinsAndMetricsTest(unittest.TestCase):
    def test_bins_weights_and_soft_targets(self):
        from bins import fit_bins, soft_targets, nearest_bin
        rng = np.random.default_rng(0)
        samples = np.concatenate([rng.normal(0, 0.02, (5000, 2)), rng.normal(0.2, 0.05, (200, 2))]).astype(np.float32)
        centers, weights = fit_bins(samples)
        self.assertEqual(centers.shape[1], 2)
        self.assertEqual(len(weights), len(centers))
        # rare colours weigh more than the common near-grey ones
        grey = np.argmin(np.abs(centers).sum(1))
        self.assertGreater(weights.max(), 2 * weights[grey])
        c = torch.from_numpy(centers)
        target = torch.zeros(1, 2, 3, 3)
        soft = soft_targets(target, c)
        self.assertTrue(torch.allclose(soft.sum(1), torch.ones(1, 3, 3), atol=1e-5))
        self.assertEqual(int(nearest_bin(target, c)[0, 0, 0]), int(grey))

    def test_grey_boost_weighs_only_grey_truth_pixels(self):
        from losses import hybrid_loss
        centers = torch.tensor([[0.0, 0.0], [0.2, -0.2]])
        weights = torch.tensor([0.5, 2.0])
        target = torch.zeros(1, 2, 1, 2)
        target[0, :, 0, 1] = torch.tensor([0.2, -0.2])  # left pixel grey, right pixel coloured
        logits = torch.zeros(1, 2, 1, 2)  # undecided everywhere
        l1 = torch.zeros(1, 2, 1, 2)
        _, plain, _ = hybrid_loss(logits, l1, target, centers, weights)
        _, boosted, _ = hybrid_loss(logits, l1, target, centers, weights, grey_boost=3.0)
        # both pixels have the same cross-entropy (log 2 up to soft-target spread); only the grey one gains weight
        ce = 2 * float(plain) / (0.5 + 2.0)
        self.assertAlmostEqual(float(boosted), (1.5 * ce + 2.0 * ce) / 2, places=5)

    def test_psnr_and_colourfulness(self):
        from metrics import colourfulness, psnr, render_size
        a = np.full((8, 8, 3), 100, np.uint8)
        b = a.copy()
        b[0, 0, 0] = 110
        self.assertAlmostEqual(psnr(a, b), 10 * np.log10(255 ** 2 / (100 / 192)), places=6)
        self.assertEqual(colourfulness(a), 0.0)
        red = np.zeros((4, 4, 3), np.uint8)
        red[..., 0] = 200
        # rg = 200, yb = 100: std 0, mean term 0.3*sqrt(200²+100²)
        self.assertAlmostEqual(colourfulness(red), 0.3 * np.sqrt(200 ** 2 + 100 ** 2), places=6)
        h, w = render_size(384, 512, 16, 16)
        self.assertEqual((h % 16, w % 16), (0, 0))
        self.assertLess(abs(h * w - 256 * 256) / (256 * 256), 0.1)

    def test_hue_families_and_hits(self):
        from metrics import hue_hits
        # forest green, olive, sky blue, skin, brown, purple: 2x2 blocks, metrics sample every 2nd pixel
        colours = {'green': [(34, 139, 34), (107, 142, 35)], 'blue': [(135, 206, 235)],
                   'warm': [(224, 172, 105), (120, 80, 40)], 'other': [(128, 0, 128)]}
        truth = np.array([c for cs in colours.values() for c in cs], np.uint8).repeat(2, 0)[:, None].repeat(2, 1)
        hits = hue_hits(truth, truth)
        self.assertEqual([t for t, _ in hits], [2, 1, 2])
        self.assertEqual([h for _, h in hits], [2, 1, 2])
        brown_for_green = truth.copy()
        brown_for_green[:4] = (120, 80, 40)
        self.assertEqual(hue_hits(brown_for_green, truth)[0], (2, 0))

    def test_score_ranks_settings_meeting_the_targets_first(self):
        from metrics import meets_targets, score
        base = {'valGreyPsnr': 22.0, 'hue_green': 0.3, 'hue_blue': 0.4, 'hue_warm': 0.7}
        meets = {**base, 'valPsnr': 22.2, 'cfRatio': 0.62}
        dull_but_sharp = {**base, 'valPsnr': 22.9, 'cfRatio': 0.596}  # misses CF by a hair
        self.assertTrue(meets_targets(meets))
        self.assertFalse(meets_targets(dull_but_sharp))
        self.assertGreater(score(meets), score(dull_but_sharp))
        greener = {**meets, 'hue_green': 0.5}
        self.assertGreater(score(greener), score(meets))

    def test_weighted_sampling_prefers_heavy_images(self):
        from data import ImageBank, sample_batch
        images = [np.full((40, 40, 3), v, np.uint8) for v in (10, 200)]
        bank = ImageBank(np.concatenate([a.ravel() for a in images]), np.array([a.shape for a in images]))
        batch = sample_batch(bank, 64, 16, np.random.default_rng(0), p=np.array([0.05, 0.95]))
        bright = (batch.mean(dim=(1, 2, 3)) > 0.5).float().mean().item()
        self.assertGreater(bright, 0.8)

    def test_grey_recombination_is_exact_grey(self):
        from metrics import recombine, split_luma
        rng = np.random.default_rng(1)
        rgb = rng.integers(0, 256, (32, 48, 3), dtype=np.uint8)
        y, grey = split_luma(rgb)
        out = recombine(y, torch.zeros(1, 2, 8, 12))
        self.assertTrue(np.array_equal(out, grey))


if __name__ == '__main__':
    unittest.main()
