#!/usr/bin/env python3
"""Reference throughput of one I2S GAN-CLS training step in PyTorch on the CPU (for `npm run bench -- train`).

The same networks as core/models/i2sGan.ts, layer for layer: G maps z + FC(128->64)+lReLU of the image
embedding through DCGAN upsampling 1->4->8->16->32 (widths 8, 4, 2, 2 x ngf), `extra_g` 3x3 conv+BN+ReLU,
then two 4x4 transposed convs with stride (2, 1) and padding 1 (32x32 -> 64x33 -> 128x34) and tanh.
D mirrors it: two 4x4 convs stride (2, 1) pad 1 (128x34 -> 64x33 -> 32x32), `extra_d` 3x3 conv+BN+lReLU,
DCGAN downsampling 32->16->8->4 (4, 8, 8 x ndf), and the conditioned logit head of the S2I discriminator.
The step is the one of /work/shared/reference/torch_s2i_step.py (matching-aware loss, real/wrong/fake, Adam).

Usage: /usr/bin/python3 torch_i2s_step.py [--batch 64] [--ngf 64] [--ndf 64] [--extra-g 2] [--extra-d 12] [--steps 5] [--warmup 1] [--rounds R] [--threads N]
Prints one JSON line: {"images_per_s": ..., "step_s": ..., ...}
"""
import argparse, os
from torch_timing import add_timing_args, report
import torch
import torch.nn as nn
import torch.nn.functional as F


def bn_relu(ch):
    return [nn.BatchNorm2d(ch), nn.ReLU(True)]


def bn_lrelu(ch):
    return [nn.BatchNorm2d(ch), nn.LeakyReLU(0.2, True)]


class Generator(nn.Module):
    def __init__(self, z, emb, cond, ngf, extra):
        super().__init__()
        self.project = nn.Sequential(nn.Linear(emb, cond), nn.LeakyReLU(0.2))
        w = [8 * ngf, 4 * ngf, 2 * ngf, 2 * ngf]
        layers = [nn.ConvTranspose2d(z + cond, w[0], 4, 1, 0, bias=False), *bn_relu(w[0])]
        for a, b in zip(w[:-1], w[1:]):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), *bn_relu(b)]
        for _ in range(extra):
            layers += [nn.Conv2d(w[-1], w[-1], 3, 1, 1, bias=False), *bn_relu(w[-1])]
        layers += [nn.ConvTranspose2d(w[-1], ngf, 4, (2, 1), 1, bias=False), *bn_relu(ngf),
                   nn.ConvTranspose2d(ngf, 1, 4, (2, 1), 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, noise, embedding):
        c = self.project(embedding)
        return self.net(torch.cat([noise, c], 1)[:, :, None, None])


class Discriminator(nn.Module):
    def __init__(self, emb, cond, ndf, extra):
        super().__init__()
        layers = [nn.Conv2d(1, ndf, 4, (2, 1), 1, bias=False), nn.LeakyReLU(0.2, True),
                  nn.Conv2d(ndf, 2 * ndf, 4, (2, 1), 1, bias=False), *bn_lrelu(2 * ndf)]
        for _ in range(extra):
            layers += [nn.Conv2d(2 * ndf, 2 * ndf, 3, 1, 1, bias=False), *bn_lrelu(2 * ndf)]
        ch = 2 * ndf
        for m in (4, 8, 8):
            layers += [nn.Conv2d(ch, m * ndf, 4, 2, 1, bias=False), *bn_lrelu(m * ndf)]
            ch = m * ndf
        self.features = nn.Sequential(*layers)
        self.project = nn.Sequential(nn.Linear(emb, cond), nn.LeakyReLU(0.2))
        self.join = nn.Sequential(nn.Conv2d(ch + cond, ch, 1, 1, 0, bias=False), *bn_lrelu(ch),
                                  nn.Conv2d(ch, 1, 4, 1, 0, bias=False))

    def forward(self, lms, embedding):
        h = self.features(lms)
        c = self.project(embedding)[:, :, None, None].expand(-1, -1, h.shape[2], h.shape[3])
        return self.join(torch.cat([h, c], 1)).view(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--ndf", type=int, default=64)
    ap.add_argument("--extra-g", type=int, default=2)
    ap.add_argument("--extra-d", type=int, default=12)
    add_timing_args(ap)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads or os.cpu_count() or 1)
    torch.manual_seed(0)
    z_dim, emb, cond = 100, 128, 64
    G, D = Generator(z_dim, emb, cond, a.ngf, a.extra_g), Discriminator(emb, cond, a.ndf, a.extra_d)
    optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(a.batch, 1, 128, 34) * 2 - 1
    wrong = torch.rand(a.batch, 1, 128, 34) * 2 - 1
    image_emb = torch.randn(a.batch, emb)
    ones, zeros = torch.ones(a.batch), torch.zeros(a.batch)
    assert G(torch.randn(2, z_dim), image_emb[:2]).shape[2:] == (128, 34)

    def step():
        noise = torch.randn(a.batch, z_dim)
        fake = G(noise, image_emb)
        s_r, s_w, s_f = D(real, image_emb), D(wrong, image_emb), D(fake.detach(), image_emb)
        loss_d = F.binary_cross_entropy_with_logits(s_r, ones) + 0.5 * (
            F.binary_cross_entropy_with_logits(s_w, zeros) + F.binary_cross_entropy_with_logits(s_f, zeros))
        optD.zero_grad(); loss_d.backward(); optD.step()
        loss_g = F.binary_cross_entropy_with_logits(D(fake, image_emb), ones)
        optG.zero_grad(); loss_g.backward(); optG.step()

    report(step, a, {"impl": "pytorch-cpu", "net": "i2s", "torch": torch.__version__, "threads": torch.get_num_threads(),
                     "batch": a.batch, "ngf": a.ngf, "ndf": a.ndf, "extra_g": a.extra_g, "extra_d": a.extra_d})


if __name__ == "__main__":
    main()
