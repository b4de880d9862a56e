#!/usr/bin/env python3
"""PyTorch CPU baseline for `ke bench train`: the same network, batch, threads and step.

ResNet-18 (torchvision layout, BasicBlocks) with the ImageNet stem or the small-image stem,
SGD with momentum 0.9 and weight decay 1e-4, label-smoothed cross-entropy (0.1), synthetic
inputs, batch-norm in training mode. Prints training images/s as the median of timed windows
after warm-up, as `ke bench train` does, so the two figures can be divided.

Usage: python3 bench/pytorch_train.py --input 3x32x32 --batch-size 32 --threads 2 [--stem imagenet]
       [--profile N]   (instead: N steps under torch.profiler, self CPU time per op, the peer of
                        `ke bench train --profile N`)
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class ResNet18(nn.Module):
    def __init__(self, channels, classes, width, stem):
        super().__init__()
        if stem == "imagenet":
            self.stem = nn.Sequential(nn.Conv2d(channels, width, 7, 2, 3, bias=False),
                                      nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        else:
            self.stem = nn.Sequential(nn.Conv2d(channels, width, 3, 1, 1, bias=False),
                                      nn.BatchNorm2d(width), nn.ReLU())
        layers, cin = [], width
        for stage in range(4):
            cout = width << stage
            for block in range(2):
                layers.append(Block(cin, cout, 2 if stage > 0 and block == 0 else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--input", default="3x32x32")
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--stem", default="imagenet")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup-steps", type=int, default=5)
    p.add_argument("--windows", type=int, default=5)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--profile", type=int, default=0)
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.threads)
    torch.manual_seed(0)
    c, h, w = (int(v) for v in a.input.split("x"))
    model = ResNet18(c, a.classes, a.width, a.stem).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(a.batch_size, c, h, w)
    y = torch.randint(0, a.classes, (a.batch_size,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        loss.backward()
        opt.step()

    for _ in range(a.warmup_steps):
        step()
    if a.profile:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(a.profile):
                step()
        t0 = time.perf_counter()
        for _ in range(a.profile):
            step()
        wall = (time.perf_counter() - t0) / a.profile * 1000
        events = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
        events.sort(key=lambda e: e.self_cpu_time_total, reverse=True)
        total = sum(e.self_cpu_time_total for e in events) / a.profile / 1000
        calls = sum(e.count for e in events) / a.profile
        print(f"pytorch {torch.__version__} profile of {a.profile} steps: wall {wall:.2f} ms per "
              f"step untraced, self CPU time {total:.2f} ms per step ({calls:.0f} op calls per "
              f"step, {1000 * total / max(calls, 1):.1f} us per call)")
        print(f"{'op':<44} {'per step':>9} {'ms/step':>9} {'share':>7}")
        for e in events[:a.top]:
            ms = e.self_cpu_time_total / a.profile / 1000
            print(f"{e.key[:44]:<44} {e.count / a.profile:>9.1f} {ms:>9.3f} {100 * ms / total:>6.1f}%")
        return
    rates = []
    for _ in range(a.windows):
        t0 = time.perf_counter()
        for _ in range(a.steps):
            step()
        rates.append(a.steps * a.batch_size / (time.perf_counter() - t0))
    print(f"pytorch {torch.__version__} resnet18 {a.stem} {a.input} batch {a.batch_size} "
          f"threads {a.threads}: {statistics.median(rates):.1f} images/s median "
          f"(windows: {', '.join(f'{r:.0f}' for r in rates)})")


if __name__ == "__main__":
    main()
