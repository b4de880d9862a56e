#!/usr/bin/env python3
"""The fidelity experiment as a straightforward PyTorch CPU script: the time-to-result baseline.

Runs the 9 runs of `ke sweep`'s fidelity setting one after another (3 seeds x: KE with kels:0.5
for 5 generations of 40 epochs, the long control for 200 epochs, the slim network trained from
scratch for 200 epochs) on 20 Fashion-MNIST training images per class and the whole 10,000-image
test split, with the same recipe as ke: ResNet-18 with the small-image stem and base width 16,
SGD momentum 0.9, weight decay 1e-4 on every parameter, label smoothing 0.1, batch 32 (a last
batch of 2 or more images is kept), cosine learning rate peaking at 0.05 after one warm-up epoch,
restarted every generation with a fresh optimiser; random crops after 4 pixels of zero padding;
per-channel normalisation from the training images. KE re-initialises the reset hypothesis
(KELS: outside the first ceil(0.5 c) input and output channels of every conv and linear weight)
from PyTorch's default layer init, U(+-1/sqrt(fan_in)), and keeps batch-norm and biases. Like
the KE reference, it evaluates the test split once per generation: the dense network, and the
slim network (the fit hypothesis sliced out, a network of width 8).

Needs the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist) and torch.
On an idle machine run it as it is: PyTorch's default OpenMP threads spin while they wait, which
made a step 1.2x to 1.5x faster here than OMP_WAIT_POLICY=PASSIVE (361 to 448 against 305
images/s). When other processes hold the cores run it with OMP_WAIT_POLICY=PASSIVE: the spinning
threads were then 2.9x slower per step (81 against 232 images/s).

Usage: python3 bench/pytorch_fidelity.py [--threads 2] [--seeds 1,2,3] [--generations 5]
                                         [--epochs 40] [--json results.json]
"""
import argparse
import gzip
import json
import math
import os
import platform
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_train import ResNet18  # noqa: E402  the network `ke bench train` is compared with


def idx(path):
    with gzip.open(path, "rb") as f:
        magic, = struct.unpack(">I", f.read(4))
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def load(folder):
    def part(kind):
        x = idx(os.path.join(folder, f"{kind}-images-idx3-ubyte.gz")).astype(np.float32) / 255
        y = idx(os.path.join(folder, f"{kind}-labels-idx1-ubyte.gz")).astype(np.int64)
        return torch.from_numpy(x[:, None]), torch.from_numpy(y)
    return part("train"), part("t10k")


def per_class(x, y, n, seed):
    g = torch.Generator().manual_seed(seed)
    keep = []
    for c in range(10):
        idxs = (y == c).nonzero().flatten()
        keep.append(idxs[torch.randperm(len(idxs), generator=g)[:n]])
    keep = torch.cat(keep)
    return x[keep], y[keep]


def fit_mask(shape, rate, first, last):
    """KELS: 1 on the leading ceil(rate*c) output and input channels."""
    m = torch.zeros(shape)
    out = shape[0] if last else math.ceil(rate * shape[0] - 1e-9)
    cin = shape[1] if first else math.ceil(rate * shape[1] - 1e-9)
    m[:out, :cin] = 1
    return m


def masks(model, rate):
    weights = [(n, p) for n, p in model.named_parameters() if p.dim() in (2, 4)]
    return {n: fit_mask(p.shape, rate, i == 0, i == len(weights) - 1)
            for i, (n, p) in enumerate(weights)}


def reinit(model, fit):
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n in fit:
                bound = 1 / math.sqrt(p[0].numel())
                fresh = torch.empty_like(p).uniform_(-bound, bound)
                p.copy_(fit[n] * p + (1 - fit[n]) * fresh)


def he_init(model):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def slim_copy(model, width):
    slim = ResNet18(1, 10, width, "cifar")
    state = {k: v[tuple(slice(0, s) for s in slim.state_dict()[k].shape)] if v.dim() else v
             for k, v in model.state_dict().items()}
    slim.load_state_dict(state)
    return slim


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    right = 0
    for i in range(0, len(y), 500):
        right += (model(x[i:i + 500]).argmax(1) == y[i:i + 500]).sum().item()
    model.train()
    return right / len(y)


def augment(x, pad, g):
    n, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=g)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=g)
    return torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


def train_generation(model, x, y, epochs, args, g):
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    steps = len(y) // args.batch_size + (1 if len(y) % args.batch_size >= 2 else 0)
    warm = min(args.warmup_epochs, max(epochs - 1, 0)) * steps
    total = epochs * steps
    step = 0
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=g)
        for b in range(steps):
            sel = order[b * args.batch_size:(b + 1) * args.batch_size]
            lr = (args.lr * (step + 1) / warm if step < warm else
                  0.5 * (1 + math.cos(math.pi * (step - warm) / max(total - warm, 1))) * args.lr)
            for group in opt.param_groups:
                group["lr"] = lr
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(augment(x[sel], 4, g)), y[sel], label_smoothing=0.1)
            loss.backward()
            opt.step()
            step += 1


def run(kind, seed, data, args):
    (train_x, train_y), (test_x, test_y) = data
    x, y = per_class(train_x, train_y, args.per_class, seed)
    mean = x.mean().item()
    std = x.std().item()
    x = (x - mean) / std
    tx = (test_x - mean) / std
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    slim_width = math.ceil(args.rate * args.width - 1e-9)
    model = ResNet18(1, 10, slim_width if kind == "slim-scratch" else args.width, "cifar").train()
    he_init(model)
    t0 = time.perf_counter()
    result = {"run": kind, "seed": seed, "generations": []}
    if kind == "ke":
        fit = masks(model, args.rate)
        for gen in range(1, args.generations + 1):
            if gen > 1:
                reinit(model, fit)
            train_generation(model, x, y, args.epochs, args, g)
            dense = accuracy(model, tx, test_y)
            slim = accuracy(slim_copy(model, slim_width), tx, test_y)
            result["generations"].append({"generation": gen, "dense": dense, "slim": slim})
            print(f"  ke seed {seed} generation {gen}: dense {100 * dense:.2f}%, "
                  f"slim {100 * slim:.2f}% ({time.perf_counter() - t0:.1f} s)", flush=True)
    else:
        train_generation(model, x, y, args.epochs * args.generations, args, g)
        result["generations"].append({"generation": 1, "dense": accuracy(model, tx, test_y)})
    result["seconds"] = time.perf_counter() - t0
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--per-class", type=int, default=20)
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--rate", type=float, default=0.5)
    p.add_argument("--generations", type=int, default=5)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--warmup-epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", default=None)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.threads)
    if not os.path.isdir(a.data):
        sys.exit(f"no Fashion-MNIST at {a.data}: apt-get install -y dataset-fashion-mnist")
    start = time.perf_counter()
    data = load(a.data)
    results = []
    for seed in (int(s) for s in a.seeds.split(",")):
        for kind in ("ke", "long", "slim-scratch"):
            r = run(kind, seed, data, a)
            last = r["generations"][-1]
            print(f"{kind} seed {seed}: dense {100 * last['dense']:.2f}%"
                  + (f", slim {100 * last['slim']:.2f}%" if "slim" in last else "")
                  + f" in {r['seconds']:.1f} s", flush=True)
            results.append(r)
    total = time.perf_counter() - start
    print(f"pytorch {torch.__version__}, {a.threads} threads, {platform.processor() or 'cpu'}: "
          f"{len(results)} runs one after another in {total:.1f} s", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"seconds": total, "threads": a.threads, "torch": torch.__version__,
                       "runs": results}, f, indent=1)


if __name__ == "__main__":
    main()
