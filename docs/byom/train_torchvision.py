"""The PyTorch half of the "bring your own model" walk-through in the README.

Trains torchvision's ResNet-18 (random initialisation, 10 classes) on ke-bridge's embedded
Fashion-MNIST sample (1,000 training images, grey 28x28 repeated to three channels), prints its
test accuracy on the 2,000 test images, and exports it with torch.onnx, the class names in the
file's metadata under "categories" as torchvision's weights name them, and writes the first
test images as PNG files beside it (for the server's classify endpoint):

    python3 docs/byom/train_torchvision.py --out resnet18-fashion.onnx

Needs torch, torchvision, onnx and numpy (pip install torch torchvision onnx pillow). Seeded: the
same command on the same machine gives the same weights.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time
import types
import warnings

import numpy as np
import torch

try:  # torchvision's compiled operators may not load beside a CPU-only torch; its models do
    import torchvision
except RuntimeError:
    for k in [k for k in sys.modules if k.startswith("torchvision")]:
        del sys.modules[k]
    sys.modules["torchvision._meta_registrations"] = types.ModuleType(
        "torchvision._meta_registrations")
    import torchvision
from torchvision import models

import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "models", "src", "main", "resources", "io", "kebridge",
                    "models", "data", "fashion-mnist-small")
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
          "Bag", "Ankle boot"]


def idx(path):
    with gzip.open(path, "rb") as f:
        magic, n = struct.unpack(">II", f.read(8))
        if magic == 0x803:
            rows, cols = struct.unpack(">II", f.read(8))
            return np.frombuffer(f.read(), np.uint8).reshape(n, 1, rows, cols)
        return np.frombuffer(f.read(), np.uint8).astype(np.int64)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=DATA)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--out", default="resnet18-fashion.onnx")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--samples", type=int, default=3, help="test images to write as PNG files")
    a = p.parse_args()
    # the folder first: a wrong path fails now, not after minutes of training
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.manual_seed(a.seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    def load(kind):
        x = idx(os.path.join(a.data, kind + "-images-idx3-ubyte.gz")).astype(np.float32) / 255
        y = idx(os.path.join(a.data, kind + "-labels-idx1-ubyte.gz"))
        return torch.from_numpy(np.repeat(x, 3, axis=1)), torch.from_numpy(y)

    xtr, ytr = load("train")
    xte, yte = load("t10k")
    mean, std = float(xtr.mean()), float(xtr.std())
    norm = lambda x: (x - mean) / std

    model = models.resnet18(num_classes=10)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    steps = a.epochs * ((len(xtr) + 31) // 32)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 0.05, total_steps=steps, pct_start=0.1)
    g = torch.Generator().manual_seed(a.seed)
    t0 = time.time()
    for epoch in range(a.epochs):
        model.train()
        order = torch.randperm(len(xtr), generator=g)
        for i in range(0, len(xtr), 32):
            b = order[i:i + 32]
            if len(b) < 2:
                continue
            # random crop after 3 pixels of zero padding, as ke's small-image augmentation does
            x = torch.nn.functional.pad(xtr[b], (3, 3, 3, 3))
            dx, dy = torch.randint(0, 7, (2,), generator=g).tolist()
            x = x[:, :, dy:dy + 28, dx:dx + 28]
            loss = torch.nn.functional.cross_entropy(model(norm(x)), ytr[b], label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}/{a.epochs}: loss {loss.item():.4f}", flush=True)
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(norm(xte[i:i + 500])).argmax(1) for i in range(0, len(xte), 500)])
    right = int((pred == yte).sum())
    print(f"trained in {time.time() - t0:.0f} s; PyTorch test accuracy {100 * right / len(xte):.2f}%"
          f" ({right}/{len(xte)})")

    # chosen on purpose (below), so PyTorch's advice to move to the dynamo exporter is noise here
    warnings.filterwarnings("ignore", message="You are using the legacy TorchScript-based ONNX")
    # the TorchScript exporter keeps the batch-norms and torchvision's names when it may neither
    # fold constants nor switch modes: KE then trains the network as torchvision defines it
    torch.onnx.export(model, norm(xte[:1]), a.out, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=17, dynamo=False, do_constant_folding=False,
                      training=torch.onnx.TrainingMode.PRESERVE)
    m = onnx.load(a.out)
    entry = m.metadata_props.add()
    entry.key, entry.value = "categories", json.dumps(LABELS)
    onnx.save(m, a.out)
    here = os.path.dirname(a.out) or "."
    print(f"wrote {a.out}; import it with: ke import {a.out} --out {os.path.join(here, 'imported')}"
          f" --mean {mean:.4f},{mean:.4f},{mean:.4f} --std {std:.4f},{std:.4f},{std:.4f}")

    # a few test images as the PNGs a client would send to the server's classify endpoint
    from PIL import Image
    for i in range(a.samples):
        label = LABELS[int(yte[i])].lower().replace("/", "-").replace(" ", "-")
        png = os.path.join(here, f"sample-{i}-{label}.png")
        Image.fromarray((xte[i, 0].numpy() * 255).round().astype(np.uint8), "L").save(png)
        print(f"wrote {png} (test image {i}, {LABELS[int(yte[i])]})")


if __name__ == "__main__":
    main()
