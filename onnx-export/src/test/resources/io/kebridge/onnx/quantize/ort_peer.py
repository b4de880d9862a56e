"""An independent look at a ke-bridge INT8 model from Python's onnx and onnxruntime.

Arguments: FLOAT.onnx (BN folded), INT8.onnx (ke-bridge's), CALIB.bin, TEST.bin, LABELS.bin,
JAVA_LOGITS.bin, C, H, W. The .bin files are little-endian float32 (images, logits) and int32
(labels). Prints one JSON object:
- checker: onnx.checker.check_model(full_check=True) on the INT8 model
- python_vs_java: the largest logit difference between Python's onnxruntime and the Java run
- ours / theirs / fp32: top-1 accuracy of ke-bridge's INT8, onnxruntime.quantization's
  quantize_static (QDQ, per-channel int8 weights, uint8 activations, MinMax, same calibration
  images) and the float model, and each INT8 model's top-1 agreement with the float model
- weights: per int8 weight both files have, the share of equal values
- input_scale: both models' scale of the image input (MinMax on the same images)
- activation_scales: every activation scale both files name alike, ours then theirs
"""
import json
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                      QuantType, quantize_static)

fp32_path, ours_path, calib_path, test_path, labels_path, java_path = sys.argv[1:7]
c, h, w = (int(v) for v in sys.argv[7:10])
calib = np.fromfile(calib_path, dtype="<f4").reshape(-1, c, h, w)
test = np.fromfile(test_path, dtype="<f4").reshape(-1, c, h, w)
labels = np.fromfile(labels_path, dtype="<i4")
java = np.fromfile(java_path, dtype="<f4").reshape(len(test), -1)

ours = onnx.load(ours_path)
onnx.checker.check_model(ours, full_check=True)


class Images(CalibrationDataReader):
    def __init__(self, x):
        self.batches = iter([{"input": x[i:i + 8]} for i in range(0, len(x), 8)])

    def get_next(self):
        return next(self.batches, None)


theirs_path = tempfile.mktemp(suffix=".onnx")
quantize_static(fp32_path, theirs_path, Images(calib), quant_format=QuantFormat.QDQ,
                per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                calibrate_method=CalibrationMethod.MinMax)
theirs = onnx.load(theirs_path)


def logits(path):
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return s.run(["logits"], {"input": test})[0]


f, o, t = logits(fp32_path), logits(ours_path), logits(theirs_path)
top = lambda x: x.argmax(axis=1)


def initializers(m):
    return {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}


oi, ti = initializers(ours), initializers(theirs)
weights = {}
for name, v in oi.items():
    if name.endswith("_quantized") and v.dtype == np.int8 and name in ti:
        weights[name] = float((v == ti[name]).mean())

scales = {}
for name, v in oi.items():
    if name.endswith("_scale") and v.ndim == 0 and name in ti and not ".weight" in name \
            and not ".bias" in name:
        scales[name] = [float(v), float(ti[name])]

print(json.dumps({
    "checker": "ok",
    "opset": ours.opset_import[0].version,
    "python_vs_java": float(np.abs(o - java).max()),
    "fp32": float((top(f) == labels).mean()),
    "ours": float((top(o) == labels).mean()),
    "theirs": float((top(t) == labels).mean()),
    "ours_agreement": float((top(o) == top(f)).mean()),
    "theirs_agreement": float((top(t) == top(f)).mean()),
    "weights": weights,
    "input_scale": [float(oi["input_scale"]), float(ti["input_scale"])],
    "activation_scales": scales,
}))
