package io.kebridge.onnx.imports;

import static io.kebridge.onnx.imports.Onnx.f;
import static io.kebridge.onnx.imports.Onnx.i;
import static io.kebridge.onnx.imports.Onnx.is;
import static io.kebridge.onnx.imports.Onnx.s;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.util.ArrayList;
import java.util.List;

/**
 * Small ONNX files in the styles that other stacks write, for the importer's tests: the op
 * patterns of the ONNX model zoo's Caffe2 ResNet-50, VGG-19 and SqueezeNet (which a new user tried
 * and which failed on Sum, AveragePool, Concat and fixed batches), torch.onnx's padding and
 * flatten subgraphs at opsets 7 to 13 (ConstantOfShape, Shape, Gather, Slice, Cast), Caffe2's
 * batch-norm written as Mul and Add, AlexNet's LRN, TensorFlow's SAME padding, and Gemm in every
 * form. Widths are a few channels and images 16 pixels, so each runs in milliseconds.
 */
final class ForeignModels {
  private ForeignModels() {}

  private static String convBn(Onnx o, String name, String in, long cin, long cout, long k,
      long stride, long pad, long opset) {
    String w = o.weight(name + "_w", 0.5, cout, cin, k, k);
    String c = o.node("Conv", name, List.of(in, w), is("kernel_shape", k, k),
        is("strides", stride, stride), is("pads", pad, pad, pad, pad));
    List<String> bn = List.of(c, o.positive(name + "_bn_s", cout), o.weight(name + "_bn_b", 0.1,
        cout), o.weight(name + "_bn_m", 0.2, cout), o.positive(name + "_bn_v", cout));
    return opset < 9
        ? o.node("BatchNormalization", name + "_bn", bn, f("epsilon", 1e-5f), i("spatial", 1))
        : o.node("BatchNormalization", name + "_bn", bn, f("epsilon", 1e-5f));
  }

  /**
   * The zoo's Caffe2 ResNet-50 (resnet50-caffe2-v1-7 to 9), one bottleneck block: a fixed batch of
   * one, weights also listed as graph inputs (IR 3), batch-norm with {@code spatial}, residuals
   * summed with {@code Sum}, a 4x4 {@code AveragePool} head instead of a global one, a {@code
   * Reshape} to {@code [1, -1]} and a final {@code Softmax}.
   */
  static ModelProto caffe2ResNet(long ir, long opset) {
    Onnx o = new Onnx(11);
    o.input("gpu_0/data_0", 1, 3, 16, 16);
    String x = o.node("Relu", "conv1_relu", List.of(convBn(o, "conv1", "gpu_0/data_0", 3, 8, 7,
        2, 3, opset)));
    x = o.node("MaxPool", "pool1", List.of(x), is("kernel_shape", 3, 3), is("strides", 2, 2),
        is("pads", 0, 0, 1, 1));
    String a = o.node("Relu", "res2a_relu", List.of(convBn(o, "res2a", x, 8, 4, 1, 1, 0, opset)));
    String b = o.node("Relu", "res2b_relu", List.of(convBn(o, "res2b", a, 4, 4, 3, 1, 1, opset)));
    String c = convBn(o, "res2c", b, 4, 16, 1, 1, 0, opset);
    String sc = convBn(o, "res2_branch1", x, 8, 16, 1, 1, 0, opset);
    String sum = o.node("Sum", "res2_sum", List.of(c, sc));
    x = o.node("Relu", "res2_relu", List.of(sum));
    x = o.node("AveragePool", "pool5", List.of(x), is("kernel_shape", 4, 4),
        is("strides", 1, 1));
    x = o.node("Reshape", "OC2_DUMMY_0", List.of(x, o.ints("OC2_DUMMY_1", 1, -1)));
    String gemm = o.node("Gemm", "pred", List.of(x, o.weight("pred_w", 0.5, 5, 16),
        o.weight("pred_b", 0.1, 5)), i("transB", 1));
    o.node("Softmax", "softmax", List.of(gemm), List.of("softmaxout_1"));
    o.output("softmaxout_1");
    if (ir == 3) {
      o.weightsAsInputs();
    }
    return o.model(ir, opset);
  }

  /**
   * The zoo's VGG-19 (vgg19-7): its input fixes the batch to one image, biased convolutions,
   * 2x2 max pools, {@code Flatten}, {@code Gemm}s with a {@code Dropout} between them.
   */
  static ModelProto zooVgg(long batch) {
    Onnx o = new Onnx(12);
    o.input("data", batch, 3, 16, 16);
    String x = "data";
    long c = 3;
    int n = 0;
    for (long width : new long[] {4, 4, 0, 8, 0}) {
      if (width == 0) {
        x = o.node("MaxPool", "pool" + n++, List.of(x), is("kernel_shape", 2, 2),
            is("strides", 2, 2));
        continue;
      }
      String conv = o.node("Conv", "conv" + n, List.of(x, o.weight("conv" + n + "_w", 0.4, width,
          c, 3, 3), o.weight("conv" + n + "_b", 0.1, width)), is("kernel_shape", 3, 3),
          is("pads", 1, 1, 1, 1));
      x = o.node("Relu", "relu" + n++, List.of(conv));
      c = width;
    }
    x = o.node("Flatten", "flatten", List.of(x), i("axis", 1));
    x = o.node("Gemm", "fc6", List.of(x, o.weight("fc6_w", 0.2, 12, 8 * 4 * 4),
        o.weight("fc6_b", 0.1, 12)), i("transB", 1));
    x = o.node("Relu", "relu6", List.of(x));
    x = o.node("Dropout", "drop6", List.of(x), f("ratio", 0.5f));
    o.node("Gemm", "fc8", List.of(x, o.weight("fc8_w", 0.4, 6, 12), o.weight("fc8_b", 0.1, 6)),
        List.of("vgg0_dense2_fwd"), i("transB", 1));
    o.output("vgg0_dense2_fwd");
    return o.model(4, 9);
  }

  private static String fire(Onnx o, String name, String in, long cin, long squeeze,
      long expand) {
    String s = o.node("Relu", name + "_squeeze_relu", List.of(o.node("Conv", name + "_squeeze",
        List.of(in, o.weight(name + "_sq_w", 0.5, squeeze, cin, 1, 1),
            o.weight(name + "_sq_b", 0.1, squeeze)), is("kernel_shape", 1, 1))));
    String e1 = o.node("Relu", name + "_e1_relu", List.of(o.node("Conv", name + "_e1",
        List.of(s, o.weight(name + "_e1_w", 0.5, expand, squeeze, 1, 1),
            o.weight(name + "_e1_b", 0.1, expand)), is("kernel_shape", 1, 1))));
    String e3 = o.node("Relu", name + "_e3_relu", List.of(o.node("Conv", name + "_e3",
        List.of(s, o.weight(name + "_e3_w", 0.5, expand, squeeze, 3, 3),
            o.weight(name + "_e3_b", 0.1, expand)), is("kernel_shape", 3, 3),
        is("pads", 1, 1, 1, 1))));
    return o.node("Concat", name + "_concat", List.of(e1, e3), i("axis", 1));
  }

  /**
   * The zoo's SqueezeNet 1.0 (squeezenet1.0-9): fire modules joined by {@code Concat}, ceil-mode
   * max pools, a {@code Dropout}, a convolutional classifier, {@code GlobalAveragePool} and a
   * {@code Softmax} on the {@code [1, classes, 1, 1]} map, weights also listed as inputs.
   */
  static ModelProto zooSqueezeNet() {
    Onnx o = new Onnx(13);
    o.input("data_0", 1, 3, 17, 17);
    String x = o.node("Relu", "conv1_relu", List.of(o.node("Conv", "conv1", List.of("data_0",
        o.weight("conv1_w", 0.4, 8, 3, 3, 3), o.weight("conv1_b", 0.1, 8)),
        is("kernel_shape", 3, 3), is("strides", 2, 2))));
    x = o.node("MaxPool", "pool1", List.of(x), is("kernel_shape", 3, 3), is("strides", 2, 2),
        i("ceil_mode", 1));
    x = fire(o, "fire2", x, 8, 2, 4);
    x = fire(o, "fire3", x, 8, 2, 4);
    x = o.node("MaxPool", "pool3", List.of(x), is("kernel_shape", 3, 3), is("strides", 2, 2),
        i("ceil_mode", 1));
    x = o.node("Dropout", "drop9", List.of(x), f("ratio", 0.5f));
    x = o.node("Relu", "conv10_relu", List.of(o.node("Conv", "conv10", List.of(x,
        o.weight("conv10_w", 0.5, 5, 8, 1, 1), o.weight("conv10_b", 0.1, 5)),
        is("kernel_shape", 1, 1))));
    x = o.node("GlobalAveragePool", "pool10", List.of(x));
    o.node("Softmax", "softmax", List.of(x), List.of("softmaxout_1"), i("axis", 1));
    o.output("softmaxout_1");
    o.weightsAsInputs();
    return o.model(3, 10);
  }

  /**
   * torch.onnx's padding and flatten at opset 11 and 13, node for node as it writes {@code
   * F.pad(x, (1, 0, 1, 0))} before {@code avg_pool2d(ceil_mode=True)} and {@code x.view(x.size(0),
   * -1)}: the pads come from {@code ConstantOfShape}, {@code Concat}, {@code Reshape}, {@code
   * Slice}, {@code Transpose}, {@code Reshape} and {@code Cast}; the flatten target from {@code
   * Shape}, {@code Gather}, {@code Unsqueeze} and {@code Concat}; a {@code LogSoftmax} ends it.
   */
  static ModelProto torchPadAndFlatten(long opset) {
    Onnx o = new Onnx(14);
    o.input("x", -1, 3, 12, 12);
    String c = o.node("Conv", "/conv/Conv", List.of("x", o.weight("conv.weight", 0.4, 4, 3, 3, 3),
        o.weight("conv.bias", 0.1, 4)), is("kernel_shape", 3, 3), is("pads", 1, 1, 1, 1));
    String r = o.node("Relu", "/Relu", List.of(c));
    String p = o.node("MaxPool", "/pool/MaxPool", List.of(r), is("kernel_shape", 2, 2),
        is("strides", 2, 2), i("ceil_mode", 1));
    // pads (1, 0, 1, 0) in torch's order, turned into ONNX's [begins..., ends...]
    String four = o.constant("/Constant", Onnx.int64(new long[] {1}, 4));
    String given = o.constant("/Constant_1", Onnx.int64(new long[] {4}, 1, 0, 1, 0));
    String zeros = o.node("ConstantOfShape", "/ConstantOfShape", List.of(four),
        Onnx.tensor("value", Onnx.int64(new long[] {1}, 0)));
    String all = o.node("Concat", "/Concat", List.of(given, zeros), i("axis", 0));
    String pairs = o.node("Reshape", "/Reshape", List.of(all,
        o.constant("/Constant_2", Onnx.int64(new long[] {2}, -1, 2))));
    // pairs[::-1]: from the last row back past the first (ends = -INT64_MAX), step -1
    String reversed = o.node("Slice", "/Slice", List.of(pairs,
        o.constant("/Constant_4", Onnx.int64(new long[] {1}, -1)),
        o.constant("/Constant_5", Onnx.int64(new long[] {1}, Long.MIN_VALUE + 1)),
        o.constant("/Constant_3", Onnx.int64(new long[] {1}, 0)),
        o.constant("/Constant_6", Onnx.int64(new long[] {1}, -1))));
    String t = o.node("Transpose", "/Transpose", List.of(reversed), is("perm", 1, 0));
    String flat = o.node("Reshape", "/Reshape_1", List.of(t,
        o.constant("/Constant_7", Onnx.int64(new long[] {1}, -1))));
    String pads = o.node("Cast", "/Cast", List.of(flat), i("to", 7));
    String padded = o.node("Pad", "/Pad", List.of(p, pads, ""), s("mode", "constant"));
    String avg = o.node("AveragePool", "/AveragePool", List.of(padded), is("kernel_shape", 2, 2),
        is("strides", 2, 2), i("ceil_mode", 1), i("count_include_pad", 1),
        is("pads", 0, 0, 0, 0));
    String shape = o.node("Shape", "/Shape", List.of(avg));
    String n = o.node("Gather", "/Gather", List.of(shape,
        o.constant("/Constant_8", Onnx.int64(new long[0], 0))), i("axis", 0));
    String n1 = opset < 13
        ? o.node("Unsqueeze", "/Unsqueeze", List.of(n), is("axes", 0))
        : o.node("Unsqueeze", "/Unsqueeze", List.of(n,
            o.constant("/Constant_9", Onnx.int64(new long[] {1}, 0))));
    String target = o.node("Concat", "/Concat_1", List.of(n1,
        o.constant("/Constant_10", Onnx.int64(new long[] {1}, -1))), i("axis", 0));
    String v = o.node("Reshape", "/Reshape_2", List.of(avg, target));
    String fc = o.node("Gemm", "/fc/Gemm", List.of(v, o.weight("fc.weight", 0.4, 5, 4 * 4 * 4),
        o.weight("fc.bias", 0.1, 5)), f("alpha", 1f), f("beta", 1f), i("transB", 1));
    o.node("LogSoftmax", "/LogSoftmax", List.of(fc), List.of("output"), i("axis", 1));
    o.output("output");
    return o.model(opset >= 13 ? 7 : 6, opset);
  }

  /**
   * The legacy torch.onnx at opset 7 (IR 3): weights behind {@code Identity} nodes and listed as
   * inputs, ceil mode written as extra bottom and right padding, {@code count_include_pad} as a
   * Pad before the pool, and a flatten whose target passes through {@code Cast}.
   */
  static ModelProto torchOpset7() {
    Onnx o = new Onnx(15);
    o.input("x", -1, 3, 11, 11);
    String w = o.node("Identity", "w_id", List.of(o.weight("conv.weight", 0.4, 4, 3, 3, 3)),
        List.of("onnx::Conv_1"));
    String c = o.node("Conv", "/conv/Conv", List.of("x", w), is("kernel_shape", 3, 3),
        is("pads", 1, 1, 1, 1), is("strides", 1, 1));
    List<String> bn = List.of(c, o.positive("bn.weight", 4), o.weight("bn.bias", 0.1, 4),
        o.weight("bn.running_mean", 0.2, 4), o.positive("bn.running_var", 4));
    String b = o.node("BatchNormalization", "/bn/BatchNormalization", bn, f("epsilon", 1e-5f),
        f("momentum", 0.9f));
    String r = o.node("Relu", "/Relu", List.of(b));
    // max_pool2d(2, ceil_mode=True) on 11 pixels: pads [0, 0, 1, 1]
    String m = o.node("MaxPool", "/pool/MaxPool", List.of(r), is("kernel_shape", 2, 2),
        is("pads", 0, 0, 1, 1), is("strides", 2, 2));
    // avg_pool2d(3, 2, padding=1, ceil_mode=True): Pad for the counted padding, the ceil reach
    // as uncounted pads
    String pad = o.node("Pad", "/Pad", List.of(m), s("mode", "constant"),
        is("pads", 0, 0, 1, 1, 0, 0, 1, 1), f("value", 0f));
    String avg = o.node("AveragePool", "/AveragePool", List.of(pad), is("kernel_shape", 3, 3),
        is("pads", 0, 0, 1, 1), is("strides", 2, 2));
    String shape = o.node("Shape", "/Shape", List.of(avg));
    String idx = o.node("Cast", "/Cast", List.of(o.constant("/Constant",
        Onnx.int64(new long[0], 0))), i("to", 7));
    String n = o.node("Gather", "/Gather", List.of(shape, idx), i("axis", 0));
    String minus = o.node("Cast", "/Cast_1", List.of(o.constant("/Constant_1",
        io.kebridge.onnx.graph.TensorProtos.floats("", new int[0], new float[] {-1f}))),
        i("to", 7));
    String target = o.node("Concat", "/Concat", List.of(
        o.node("Unsqueeze", "/Unsqueeze", List.of(n), is("axes", 0)),
        o.node("Unsqueeze", "/Unsqueeze_1", List.of(minus), is("axes", 0))), i("axis", 0));
    String v = o.node("Reshape", "/Reshape", List.of(avg, target));
    String fc = o.node("Gemm", "/fc/Gemm", List.of(v, o.node("Identity", "fc_id",
        List.of(o.weight("fc.weight", 0.4, 3, 4 * 4 * 4)), List.of("onnx::Gemm_2")),
        o.weight("fc.bias", 0.1, 3)), f("alpha", 1f), f("beta", 1f), i("transB", 1));
    o.node("Identity", "out_id", List.of(fc), List.of("output"));
    o.output("output");
    o.weightsAsInputs();
    return o.model(3, 7);
  }

  /**
   * Caffe2 and AlexNet styles: the input normalised in the graph ({@code Sub} a mean, {@code Div}
   * by a deviation), a convolution's batch-norm written as {@code Mul} and {@code Add} by
   * per-channel constants, {@code LRN}, a zero {@code Pad} folded into a max pool after a ReLU, a
   * bias {@code Add} folded into a convolution, {@code GlobalMaxPool} and {@code MatMul} + {@code
   * Add}. Opset 7 with {@code Clip} bounds as attributes.
   */
  static ModelProto caffe2AffineAndLrn() {
    Onnx o = new Onnx(16);
    o.input("data", -1, 3, 12, 12);
    String x = o.node("Sub", "sub_mean", List.of("data", o.weight("mean", new float[] {0.4f,
        0.45f, 0.5f}, 1, 3, 1, 1)));
    x = o.node("Div", "div_std", List.of(x, o.weight("std", new float[] {0.2f, 0.25f, 0.3f},
        3, 1, 1)));
    x = o.node("Conv", "conv1", List.of(x, o.weight("conv1_w", 0.4, 6, 3, 3, 3)),
        is("kernel_shape", 3, 3), is("pads", 1, 1, 1, 1));
    x = o.node("Mul", "conv1_spatbn_mul", List.of(x, o.positive("conv1_scale", 6, 1, 1)));
    x = o.node("Add", "conv1_spatbn_add", List.of(x, o.weight("conv1_shift", 0.2, 1, 6, 1, 1)));
    x = o.node("Clip", "conv1_relu6", List.of(x), f("min", 0f), f("max", 6f));
    x = o.node("LRN", "norm1", List.of(x), i("size", 5), f("alpha", 1e-2f), f("beta", 0.75f),
        f("bias", 1f));
    x = o.node("Pad", "pad1", List.of(x), s("mode", "constant"),
        is("pads", 0, 0, 1, 1, 0, 0, 0, 0));
    x = o.node("MaxPool", "pool1", List.of(x), is("kernel_shape", 3, 3), is("strides", 2, 2));
    x = o.node("Conv", "conv2", List.of(x, o.weight("conv2_w", 0.4, 5, 6, 3, 3)),
        is("kernel_shape", 3, 3), is("pads", 1, 1, 1, 1));
    x = o.node("Add", "conv2_bias", List.of(o.weight("conv2_b", 0.1, 5, 1, 1), x));
    x = o.node("Relu", "conv2_relu", List.of(x));
    x = o.node("GlobalMaxPool", "pool2", List.of(x));
    x = o.node("Flatten", "flatten", List.of(x), i("axis", 1));
    x = o.node("MatMul", "fc", List.of(x, o.weight("fc_w", 0.5, 5, 4)));
    o.node("Add", "fc_bias", List.of(x, o.weight("fc_b", 0.1, 4)), List.of("prob"));
    o.output("prob");
    return o.model(3, 7);
  }

  /**
   * tf2onnx style at opset 13: weights stored HWIO and transposed by a {@code Transpose} node,
   * {@code auto_pad=SAME_UPPER} with a stride (padding more at the bottom and right), a depthwise
   * convolution, {@code Clip} as ReLU6 with its bounds as inputs, a {@code ReduceMean} without
   * keepdims and {@code Squeeze}-free dense head of {@code MatMul} and {@code Add}; with {@code
   * channelsLast} the input is Keras' NHWC image, transposed to NCHW by the graph.
   */
  static ModelProto tfStyle(boolean channelsLast) {
    Onnx o = new Onnx(17);
    String image = "input_1";
    if (channelsLast) {
      // Keras' NHWC input, transposed to NCHW by the graph itself
      o.input("input_1", -1, 12, 12, 3);
      image = o.node("Transpose", "input_1/transpose", List.of("input_1"), is("perm", 0, 3, 1, 2));
    } else {
      o.input("input_1", -1, 3, 12, 12);
    }
    String hwio = o.weight("conv1/kernel", 0.4, 3, 3, 3, 8);
    String w = o.node("Transpose", "conv1/kernel/transpose", List.of(hwio), is("perm", 3, 2, 0, 1));
    String x = o.node("Conv", "conv1", List.of(image, w, o.weight("conv1/bias", 0.1, 8)),
        is("kernel_shape", 3, 3), is("strides", 2, 2), s("auto_pad", "SAME_UPPER"));
    String lo = o.weight("zero", new float[] {0f});
    String hi = o.weight("six", new float[] {6f});
    x = o.node("Clip", "relu6_1", List.of(x, "zero", "six"));
    String dw = o.node("Reshape", "dw/kernel/reshape", List.of(o.weight("dw/kernel", 0.5, 72),
        o.ints("dw_shape", 8, 1, 3, 3)));
    x = o.node("Conv", "dw", List.of(x, dw), is("kernel_shape", 3, 3), i("group", 8),
        s("auto_pad", "SAME_LOWER"), is("strides", 2, 2));
    x = o.node("Clip", "relu6_2", List.of(x, lo, hi));
    x = o.node("ReduceMean", "gap", List.of(x), is("axes", 2, 3), i("keepdims", 0));
    x = o.node("MatMul", "dense", List.of(x, o.weight("dense/kernel", 0.5, 8, 4)));
    x = o.node("Add", "dense/bias", List.of(x, o.weight("dense/b", 0.1, 4)));
    o.node("Softmax", "softmax", List.of(x), List.of("probs"), i("axis", -1));
    o.output("probs");
    return o.model(7, 13);
  }

  /**
   * Gemm in its forms: {@code transB=0} with alpha and beta and C of shape {@code [1, out]}, then
   * {@code transB=1} with a scalar C; opset 21 and IR 10 (the newest read), a {@code ReduceMean}
   * that takes its axes as an input (opset 18 and later) and keeps the dims, {@code Squeeze} to a
   * vector, and a {@code Dropout} whose ratio is an input.
   */
  static ModelProto gemmVariants() {
    Onnx o = new Onnx(18);
    o.input("x", -1, 2, 6, 6);
    String x = o.node("Conv", "c", List.of("x", o.weight("c.weight", 0.5, 6, 2, 3, 3)),
        is("kernel_shape", 3, 3));
    x = o.node("ReduceMean", "mean", List.of(x, o.ints("axes", 2, 3)), i("keepdims", 1));
    x = o.node("Squeeze", "sq", List.of(x, o.ints("sq_axes", 2, 3)));
    x = o.node("Gemm", "fc1", List.of(x, o.weight("fc1.weight", 0.5, 6, 5),
        o.weight("fc1.c", 0.1, 1, 5)), f("alpha", 0.5f), f("beta", 2f));
    x = o.node("Relu", "r", List.of(x));
    x = o.node("Dropout", "drop", List.of(x, o.weight("ratio", new float[] {0.25f})));
    o.node("Gemm", "fc2", List.of(x, o.weight("fc2.weight", 0.5, 3, 5),
        o.weight("fc2.c", new float[] {0.3f})), List.of("logits"), i("transB", 1),
        f("alpha", 1.5f));
    o.output("logits");
    return o.model(10, 21);
  }

  /** A graph with several unsupported operators and attributes, each on several nodes. */
  static ModelProto manyUnsupported() {
    Onnx o = new Onnx(19);
    o.input("x", -1, 2, 8, 8);
    String x = "x";
    List<String> outs = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      x = o.node("Conv", "dil" + k, List.of(x, o.weight("w" + k, 0.5, 2, 2, 3, 3)),
          is("kernel_shape", 3, 3), is("dilations", 2, 2), is("pads", 2, 2, 2, 2));
      x = o.node("Sigmoid", "gate" + k, List.of(x));
      outs.add(x);
    }
    x = o.node("HardSwish", "hs", List.of(x));
    x = o.node("Conv", "ok", List.of(x, o.weight("w_ok", 0.5, 2, 2, 1, 1)),
        is("kernel_shape", 1, 1));
    o.node("Identity", "dangling", List.of(x));
    String g = o.node("Gemm", "g", List.of(o.node("Flatten", "f", List.of("x")),
        o.weight("g_w", 0.5, 128, 3)), i("transA", 1));
    o.node("Identity", "out", List.of(g), List.of("y"));
    o.output("y");
    return o.model(8, 17);
  }
}
