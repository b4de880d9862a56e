# Exports small torchvision networks (and a few hand-written modules in older exporters' styles)
# with torch.onnx at several opsets, and writes next to each file the inputs it was run on and
# the logits PyTorch itself computed, so that the Java test can check an import against both the
# file on ONNX Runtime and the producing stack.
#
# usage: python3 torch_exports.py OUT_DIR
# writes OUT_DIR/<name>.onnx, <name>.input.bin, <name>.logits.bin (float32, little-endian) and
# OUT_DIR/manifest.tsv: name, images, classes, fixed batch (0 = dynamic), exporter.
import os
import sys
import types
import warnings

warnings.filterwarnings("ignore")
import torch  # noqa: E402

try:
    import torchvision  # noqa: E402
except RuntimeError:
    # torchvision's compiled ops missing beside a CPU torch: the model definitions need none
    for k in [k for k in sys.modules if k.startswith("torchvision")]:
        del sys.modules[k]
    sys.modules["torchvision._meta_registrations"] = types.ModuleType(
        "torchvision._meta_registrations")
    import torchvision  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torchvision.models import vgg as tv_vgg  # noqa: E402
from torchvision.models import resnet as tv_resnet  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)


def realistic(net):
    """Random batch-norm statistics and affine parameters, so that no layer is the identity and
    logits are of a size where a wrong import shows."""
    g = torch.Generator().manual_seed(1)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=g) * 0.1)
    return net.eval()


class LegacyFlatten(nn.Module):
    """What older code (and older torchvision) wrote: x.view(x.size(0), -1), F.pad before a
    ceil-mode average pool counting its padding, and log_softmax at the end."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2, ceil_mode=True)
        self.fc = nn.Linear(8 * 3 * 3, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn(self.conv(x))))
        x = F.pad(x, (1, 0, 1, 0))
        x = F.avg_pool2d(x, 2, ceil_mode=True)
        return torch.log_softmax(self.fc(x.view(x.size(0), -1)), 1)


def tiny_vgg19():
    # VGG-19's 16 convolutions and 5 pools at a few channels, its classifier with dropout
    cfg = [8, 8, "M", 16, 16, "M", 16, 16, 16, 16, "M", 32, 32, 32, 32, "M", 32, 32, 32, 32, "M"]
    net = tv_vgg.VGG(tv_vgg.make_layers(cfg), num_classes=10)
    net.avgpool = nn.AdaptiveAvgPool2d(1)
    net.classifier = nn.Sequential(nn.Linear(32, 64), nn.ReLU(True), nn.Dropout(),
                                   nn.Linear(64, 64), nn.ReLU(True), nn.Dropout(),
                                   nn.Linear(64, 10))
    return net


def tiny_resnet50():
    # ResNet-50's bottleneck blocks, strides and downsampling, one block per stage and thin
    return tv_resnet.ResNet(tv_resnet.Bottleneck, [1, 1, 1, 1], num_classes=10, width_per_group=16)


cases = [
    # name, network, input size, opset, dynamic batch, exporter
    ("resnet50_op7", tiny_resnet50, 32, 7, True, "legacy"),
    ("resnet50_op17", tiny_resnet50, 32, 17, True, "legacy"),
    ("vgg19_fixed1_op13", tiny_vgg19, 32, 13, False, "legacy"),
    ("squeezenet1_0_op9", lambda: torchvision.models.squeezenet1_0(num_classes=10), 64, 9, True,
     "legacy"),
    ("squeezenet1_1_op17", lambda: torchvision.models.squeezenet1_1(num_classes=10), 64, 17, True,
     "legacy"),
    ("densenet121_op11", lambda: torchvision.models.DenseNet(8, (6, 12, 24, 16), 16,
                                                             num_classes=10), 32, 11, True,
     "legacy"),
    ("mobilenet_v2_op13", lambda: torchvision.models.mobilenet_v2(width_mult=0.25,
                                                                  num_classes=10), 32, 13, True,
     "legacy"),
    ("legacy_flatten_op7", LegacyFlatten, 8, 7, True, "legacy"),
    ("legacy_flatten_op9", LegacyFlatten, 8, 9, True, "legacy"),
    ("legacy_flatten_op11", LegacyFlatten, 8, 11, True, "legacy"),
    ("legacy_flatten_op13", LegacyFlatten, 8, 13, True, "legacy"),
    ("resnet50_dynamo_op18", tiny_resnet50, 32, 18, True, "dynamo"),
]

try:
    import onnxscript  # noqa: F401  the dynamo exporter needs it
    dynamo = True
except ImportError:
    dynamo = False

only = set(sys.argv[2:])
rows = []
for name, make, size, opset, dynamic, exporter in cases:
    if only and name not in only:
        continue
    if exporter == "dynamo" and not dynamo:
        print("skipped", name, "(no onnxscript for the dynamo exporter)")
        continue
    net = realistic(make())
    n = 3
    x = torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        y = net(x)
    path = os.path.join(out, name + ".onnx")
    example = x[:1] if not dynamic else x
    if exporter == "legacy":
        kw = {"dynamic_axes": {"input": {0: "N"}, "logits": {0: "N"}}} if dynamic else {}
        torch.onnx.export(net, example, path, opset_version=opset, dynamo=False,
                          input_names=["input"], output_names=["logits"], **kw)
    else:
        torch.onnx.export(net, (example,), path, opset_version=opset, dynamo=True,
                          input_names=["input"], output_names=["logits"],
                          dynamic_shapes={"x": {0: torch.export.Dim("N", min=1, max=64)}})
    x.numpy().astype("<f4").tofile(os.path.join(out, name + ".input.bin"))
    y.numpy().astype("<f4").tofile(os.path.join(out, name + ".logits.bin"))
    rows.append("%s\t%d\t%d\t%d\t%s" % (name, n, y.shape[1], 0 if dynamic else 1, exporter))
    print("wrote", name, flush=True)

with open(os.path.join(out, "manifest.tsv"), "w") as f:
    f.write("\n".join(rows) + "\n")
