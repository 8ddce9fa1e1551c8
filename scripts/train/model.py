"""ChromaReel `fast` generator: a small U-Net that predicts Cb/Cr at 1/4 resolution.

Luma [N,1,H,W] in [0,1] -> chroma [N,2,H,W] Cb/Cr offsets in [-0.5,0.5]. Two heads at 1/4 resolution:
logits over quantized Cb/Cr bins (decoded by annealed mean at temperature T) and a direct L1 regression;
the output is blend * annealed_mean + (1 - blend) * l1, upsampled bilinearly to the input size inside
the graph. H and W must be multiples of 16 (four stride-2 stages).

With `hints=True` the network also takes colour pins: three planes [N,3,H,W] (Cb, Cr, mask; see
hints.py) added, through one convolution per scale, to each encoder stage and to the last decoder
level. Those convolutions have no bias and start at zero, so with no pins (all-zero planes) the
network is exactly the one it was initialised from.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

SIZE_MULTIPLE = 16


def conv_bn_relu(cin, cout, stride=1, k=3):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, k // 2, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class ResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv1 = conv_bn_relu(ch, ch)
        self.conv2 = nn.Sequential(nn.Conv2d(ch, ch, 3, 1, 1, bias=False), nn.BatchNorm2d(ch))
        nn.init.zeros_(self.conv2[1].weight)  # start as identity: trains faster from scratch

    def forward(self, x):
        return F.relu(x + self.conv2(self.conv1(x)))


class SelfAttention(nn.Module):
    """Multi-head self-attention over all positions of a low-resolution map (global context)."""

    def __init__(self, ch, heads=4):
        super().__init__()
        self.heads = heads
        self.norm = nn.BatchNorm2d(ch)
        self.qkv = nn.Conv2d(ch, ch * 3, 1)
        self.proj = nn.Conv2d(ch, ch, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x):
        n, c = x.shape[0], x.shape[1]
        d = c // self.heads
        q, k, v = self.qkv(self.norm(x)).chunk(3, dim=1)
        q = q.reshape(n, self.heads, d, -1)
        k = k.reshape(n, self.heads, d, -1)
        v = v.reshape(n, self.heads, d, -1)
        attn = torch.softmax(torch.matmul(q.transpose(2, 3), k) * (d ** -0.5), dim=-1)  # n,h,L,L
        out = torch.matmul(v, attn.transpose(2, 3))  # n,h,d,L
        return x + self.proj(out.reshape_as(x))


class Up(nn.Module):
    """Resize-conv upsampling: bilinear x2, concatenate the skip, 3x3 convs."""

    def __init__(self, cin, cskip, cout):
        super().__init__()
        self.fuse = conv_bn_relu(cin + cskip, cout)
        self.refine = conv_bn_relu(cout, cout)

    def forward(self, x, skip):
        x = F.interpolate(x, size=skip.shape[-2:], mode='bilinear', align_corners=False)
        return self.refine(self.fuse(torch.cat([x, skip], dim=1)))


class HintInjection(nn.Module):
    """Pin planes at 1/scale -> a feature map to add: pooled colour where a pin lies, and the mask."""

    def __init__(self, scale, channels):
        super().__init__()
        self.scale = scale
        self.conv = nn.Conv2d(3, channels, 3, 1, 1, bias=False)
        nn.init.zeros_(self.conv.weight)

    def forward(self, hints):
        s = self.scale
        colour, mask = hints[:, :2], hints[:, 2:]
        if s > 1:
            cover = F.avg_pool2d(mask, s)
            colour = F.avg_pool2d(colour, s) / torch.clamp(cover, min=1.0 / (s * s))
            mask = F.max_pool2d(mask, s)
        return self.conv(torch.cat([colour * mask, mask], dim=1))


class ChromaNet(nn.Module):
    def __init__(self, bin_centers: torch.Tensor, widths=(16, 32, 64, 128), dec=(64, 32),
                 temperature=0.38, blend=0.5, hints=False):
        super().__init__()
        c1, c2, c3, c4 = widths
        self.stem = conv_bn_relu(1, c1, stride=2)                       # 1/2
        self.down2 = nn.Sequential(conv_bn_relu(c1, c2, stride=2), ResBlock(c2))   # 1/4
        self.down3 = nn.Sequential(conv_bn_relu(c2, c3, stride=2), ResBlock(c3))   # 1/8
        self.down4 = nn.Sequential(conv_bn_relu(c3, c4, stride=2), ResBlock(c4),
                                   SelfAttention(c4), ResBlock(c4))                  # 1/16
        self.up3 = Up(c4, c3, dec[0])                                   # 1/8
        self.up2 = Up(dec[0], c2, dec[1])                               # 1/4
        q = bin_centers.shape[0]
        self.class_head = nn.Conv2d(dec[1], q, 1)
        self.l1_head = nn.Conv2d(dec[1], 2, 1)
        # Bins (Q,2) as a 1x1 conv weight (2,Q,1,1): the annealed mean is a conv over the softmax.
        self.register_buffer('bin_centers', bin_centers.float().clone())
        self.register_buffer('temperature', torch.tensor(float(temperature)))
        self.register_buffer('blend', torch.tensor(float(blend)))
        self.hints = hints
        if hints:
            self.hint_in = nn.ModuleList([HintInjection(2, c1), HintInjection(4, c2), HintInjection(8, c3),
                                          HintInjection(16, c4)])
            self.hint_out = HintInjection(4, dec[1])

    def features(self, luma, hints=None):
        x = luma - 0.5
        if hints is None:
            e1 = self.stem(x)
            e2 = self.down2(e1)
            e3 = self.down3(e2)
            e4 = self.down4(e3)
            return self.up2(self.up3(e4, e3), e2)
        # Each stage's first (strided) convolution, then the pins, then the rest of the stage.
        e1 = self.stem(x) + self.hint_in[0](hints)
        skips = [e1]
        for stage, inject in zip((self.down2, self.down3, self.down4), self.hint_in[1:]):
            y = stage[0](skips[-1]) + inject(hints)
            for block in list(stage)[1:]:
                y = block(y)
            skips.append(y)
        _, e2, e3, e4 = skips
        return self.up2(self.up3(e4, e3), e2) + self.hint_out(hints)

    def heads(self, luma, hints=None):
        """Training outputs at 1/4 resolution: (class logits [N,Q,h,w], l1 chroma [N,2,h,w])."""
        f = self.features(luma, hints)
        return self.class_head(f), self.l1_head(f)

    def decode(self, logits, l1, temperature, blend):
        probs = torch.softmax(logits / temperature, dim=1)
        weight = self.bin_centers.t().reshape(2, -1, 1, 1)
        annealed = F.conv2d(probs, weight)
        return blend * annealed + (1 - blend) * l1

    def forward(self, luma, hints=None):
        logits, l1 = self.heads(luma, hints)
        chroma = self.decode(logits, l1, self.temperature, self.blend)
        chroma = F.interpolate(chroma, size=luma.shape[-2:], mode='bilinear', align_corners=False)
        return torch.clamp(chroma, -0.5, 0.5)


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def count_macs(model, h=256, w=256):
    """Multiply-accumulates of convolutions and attention matmuls for one [1,1,h,w] frame."""
    macs = [0]
    hooks = []

    def conv_hook(m, inp, out):
        macs[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def attn_hook(m, inp, out):
        n, c, hh, ww = inp[0].shape
        macs[0] += 2 * (hh * ww) ** 2 * c

    for mod in model.modules():
        if isinstance(mod, nn.Conv2d):
            hooks.append(mod.register_forward_hook(conv_hook))
        if isinstance(mod, SelfAttention):
            hooks.append(mod.register_forward_hook(attn_hook))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, h, w))
    for hk in hooks:
        hk.remove()
    return macs[0]
