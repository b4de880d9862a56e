package io.kebridge.onnx.imports;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.kebridge.onnx.graph.TensorProtos;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongBinaryOperator;

/**
 * Computes the nodes of constant subgraphs while the importer reads a graph: the weights that
 * exporters write as {@code Identity}, {@code Reshape} or {@code Transpose} of initializers, the
 * pads that torch.onnx builds from {@code ConstantOfShape}, {@code Concat}, {@code Slice} and
 * {@code Cast}, and the flatten targets that older exporters assemble from {@code Shape}, {@code
 * Gather}, {@code Unsqueeze} and {@code Concat} (with the batch size kept symbolic, {@link
 * ConstTensor#BATCH}). Each operator follows its ONNX definition for every opset from 7 (inputs
 * that older opsets took as attributes are read from either).
 *
 * <p>No folded tensor may hold more than a budget of values (derived from the weights the file
 * holds), so a {@code ConstantOfShape} or {@code Expand} that asks for billions of values is
 * refused before anything is allocated.
 */
final class ConstantFolder {
  /** Operators computed when every input is known. */
  static final Set<String> OPS = Set.of("Constant", "ConstantOfShape", "Identity", "Cast",
      "Shape", "Size", "Gather", "Unsqueeze", "Squeeze", "Reshape", "Flatten", "Concat", "Slice",
      "Transpose", "Expand", "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Sqrt", "Reciprocal",
      "Floor", "Ceil", "Dropout");

  private final long opset;
  private final long budget;

  /**
   * @param opset the default domain's operator set version of the model
   * @param budget the most values any folded tensor may hold
   */
  ConstantFolder(long opset, long budget) {
    this.opset = opset;
    this.budget = budget;
  }

  /**
   * The first output of {@code node} computed from its inputs ({@code null} where an optional
   * input is omitted).
   *
   * @throws Refusal when the node cannot be computed here
   */
  ConstTensor fold(NodeProto node, List<ConstTensor> in) {
    Attributes a = new Attributes(node);
    String out = node.getOutput(0);
    return switch (node.getOpType()) {
      case "Constant" -> constant(a, out);
      case "Identity", "Dropout" -> need(in, 0).named(out);
      case "ConstantOfShape" -> constantOfShape(a, need(in, 0), out);
      case "Cast" -> cast(need(in, 0), (int) a.integer("to", TensorProto.DataType.FLOAT_VALUE), out);
      case "Shape" -> shapeOf(need(in, 0), a, out);
      case "Size" -> ConstTensor.longs(out, new long[0], new long[] {need(in, 0).size()});
      case "Gather" -> gather(need(in, 0), need(in, 1), a.integer("axis", 0), out);
      case "Unsqueeze" -> unsqueeze(need(in, 0), axes(a, in, 1), out);
      case "Squeeze" -> squeeze(need(in, 0), axes(a, in, 1), out);
      case "Reshape" -> reshape(need(in, 0), need(in, 1), a.integer("allowzero", 0) != 0, out);
      case "Flatten" -> flatten(need(in, 0), a.integer("axis", 1), out);
      case "Concat" -> concat(in, a, out);
      case "Slice" -> slice(need(in, 0), a, in, out);
      case "Transpose" -> transpose(need(in, 0), a.integers("perm", null), out);
      case "Expand" -> expand(need(in, 0), need(in, 1), out);
      case "Add" -> arithmetic(need(in, 0), need(in, 1), Double::sum, Math::addExact, out);
      case "Sub" -> arithmetic(need(in, 0), need(in, 1), (x, y) -> x - y, Math::subtractExact,
          out);
      case "Mul" -> arithmetic(need(in, 0), need(in, 1), (x, y) -> x * y, Math::multiplyExact,
          out);
      case "Div" -> arithmetic(need(in, 0), need(in, 1), (x, y) -> x / y, ConstantFolder::divide,
          out);
      case "Pow" -> arithmetic(need(in, 0), need(in, 1), Math::pow, null, out);
      case "Neg" -> need(in, 0).floating() ? unary(need(in, 0), x -> -x, out)
          : arithmetic(need(in, 0), ConstTensor.longs("-1", new long[0], new long[] {-1}),
              (x, y) -> x * y, Math::multiplyExact, out);
      case "Sqrt" -> unary(need(in, 0), Math::sqrt, out);
      case "Reciprocal" -> unary(need(in, 0), x -> 1 / x, out);
      case "Floor" -> need(in, 0).floating() ? unary(need(in, 0), Math::floor, out)
          : need(in, 0).named(out);
      case "Ceil" -> need(in, 0).floating() ? unary(need(in, 0), Math::ceil, out)
          : need(in, 0).named(out);
      default -> throw new Refusal("cannot be computed from constants");
    };
  }

  private static long divide(long x, long y) {
    if (y == 0) {
      throw new Refusal("divides an integer by zero");
    }
    return x / y;
  }

  private static ConstTensor need(List<ConstTensor> in, int i) {
    if (in.size() <= i || in.get(i) == null) {
      throw new Refusal("lacks input " + i);
    }
    return in.get(i);
  }

  private long[] checkedDims(long[] dims) {
    long n = 1;
    for (long d : dims) {
      if (d < 0) {
        throw new Refusal("asks for a negative dimension in " + Arrays.toString(dims));
      }
      if (d != 0 && n > budget / d) {
        throw new Refusal("asks for a tensor of " + Arrays.toString(dims) + ", more values than"
            + " the weights of the file (" + budget + " values at most)");
      }
      n *= d;
    }
    if (n > budget) {
      throw new Refusal("asks for a tensor of " + Arrays.toString(dims) + ", more values than"
          + " the weights of the file (" + budget + " values at most)");
    }
    return dims;
  }

  private static long[] noBatch(ConstTensor t, String what) {
    long[] v = t.longs();
    for (long x : v) {
      if (x == ConstTensor.BATCH) {
        throw new Refusal("computes " + what + " from the batch size, which ke-bridge keeps"
            + " symbolic");
      }
    }
    return v;
  }

  // ---- sources -----------------------------------------------------------------------------

  private static ConstTensor constant(Attributes a, String out) {
    if (a.has("value")) {
      return ConstTensor.of(out, a.get("value").getT());
    }
    if (a.has("value_float")) {
      return ConstTensor.floats(out, new long[0], new float[] {a.real("value_float", 0)});
    }
    if (a.has("value_floats")) {
      float[] v = a.reals("value_floats");
      return ConstTensor.floats(out, new long[] {v.length}, v);
    }
    if (a.has("value_int")) {
      return ConstTensor.longs(out, new long[0], new long[] {a.integer("value_int", 0)});
    }
    if (a.has("value_ints")) {
      long[] v = a.integers("value_ints", null);
      return ConstTensor.longs(out, new long[] {v.length}, v);
    }
    throw new Refusal("holds a value ke-bridge cannot read (a sparse tensor or strings)");
  }

  private ConstTensor constantOfShape(Attributes a, ConstTensor shape, String out) {
    long[] dims = checkedDims(noBatch(shape, "a ConstantOfShape"));
    int n = (int) ConstTensor.size(dims);
    AttributeProto value = a.get("value");
    if (value == null) {
      return ConstTensor.floats(out, dims, new float[n]);
    }
    ConstTensor v = ConstTensor.of(out, value.getT());
    if (v.size() != 1) {
      throw new Refusal("has a value of " + v.size() + " elements; ONNX allows one");
    }
    if (v.floating()) {
      float[] f = new float[n];
      Arrays.fill(f, v.floats()[0]);
      return ConstTensor.floats(out, dims, f);
    }
    long[] l = new long[n];
    Arrays.fill(l, v.longs()[0]);
    return ConstTensor.longs(out, dims, l);
  }

  private static ConstTensor cast(ConstTensor x, int to, String out) {
    if (TensorProtos.isFloating(to)) {
      return x.floating() ? x.named(out) : ConstTensor.floats(out, x.dims(), x.floats());
    }
    if (!TensorProtos.isInteger(to)) {
      throw new Refusal("casts to " + TensorProtos.dataTypeName(to));
    }
    long[] v = x.longs();
    if (to == TensorProto.DataType.BOOL_VALUE) {
      long[] b = new long[v.length];
      for (int i = 0; i < v.length; i++) {
        b[i] = v[i] != 0 ? 1 : 0;
      }
      v = b;
    }
    return ConstTensor.longs(out, x.dims(), v);
  }

  private ConstTensor shapeOf(ConstTensor x, Attributes a, String out) {
    long[] d = x.dims();
    int r = d.length;
    int start = (int) clamp(a.integer("start", 0), r);
    int end = (int) clamp(a.integer("end", r), r);
    long[] v = Arrays.copyOfRange(d, start, Math.max(start, end));
    return ConstTensor.longs(out, new long[] {v.length}, v);
  }

  /** {@code Shape}'s start and end: negative counts from the back, both clamped to the rank. */
  private static long clamp(long i, int rank) {
    long j = i < 0 ? i + rank : i;
    return Math.max(0, Math.min(rank, j));
  }

  // ---- layout --------------------------------------------------------------------------------

  /** Axes from the attribute (before opset 13) or the second input (since). */
  private long[] axes(Attributes a, List<ConstTensor> in, int input) {
    long[] attr = a.integers("axes", null);
    if (attr != null) {
      return attr;
    }
    if (in.size() > input && in.get(input) != null) {
      return noBatch(in.get(input), "axes");
    }
    return null;
  }

  private static int axis(long a, int rank, String what) {
    long x = a < 0 ? a + rank : a;
    if (x < 0 || x >= rank) {
      throw new Refusal("has " + what + " " + a + " outside a rank-" + rank + " tensor");
    }
    return (int) x;
  }

  private static ConstTensor unsqueeze(ConstTensor x, long[] axes, String out) {
    if (axes == null) {
      throw new Refusal("has no axes");
    }
    int rank = x.rank() + axes.length;
    boolean[] inserted = new boolean[rank];
    for (long a : axes) {
      int i = axis(a, rank, "axis");
      if (inserted[i]) {
        throw new Refusal("repeats axis " + a);
      }
      inserted[i] = true;
    }
    long[] d = x.dims();
    long[] dims = new long[rank];
    for (int i = 0, j = 0; i < rank; i++) {
      dims[i] = inserted[i] ? 1 : d[j++];
    }
    return x.reshaped(out, dims);
  }

  private static ConstTensor squeeze(ConstTensor x, long[] axes, String out) {
    long[] d = x.dims();
    boolean[] drop = new boolean[d.length];
    if (axes == null) {
      for (int i = 0; i < d.length; i++) {
        drop[i] = d[i] == 1;
      }
    } else {
      for (long a : axes) {
        int i = axis(a, d.length, "axis");
        if (d[i] != 1) {
          throw new Refusal("squeezes axis " + a + " of size " + d[i]);
        }
        drop[i] = true;
      }
    }
    List<Long> kept = new ArrayList<>();
    for (int i = 0; i < d.length; i++) {
      if (!drop[i]) {
        kept.add(d[i]);
      }
    }
    return x.reshaped(out, kept.stream().mapToLong(Long::longValue).toArray());
  }

  /** ONNX's Reshape target: 0 copies the input's dimension (unless allowzero), -1 is inferred. */
  static long[] reshapeTarget(long[] from, long[] target, boolean allowZero) {
    long[] dims = target.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] == 0 && !allowZero) {
        if (i >= from.length) {
          throw new Refusal("copies dimension " + i + " that its input does not have");
        }
        dims[i] = from[i];
      }
      if (dims[i] == -1) {
        if (infer >= 0) {
          throw new Refusal("infers two dimensions of " + Arrays.toString(target));
        }
        infer = i;
      } else if (dims[i] < 0) {
        throw new Refusal("has a negative dimension in " + Arrays.toString(target));
      } else {
        known *= dims[i];
      }
    }
    long total = ConstTensor.size(from);
    if (infer >= 0) {
      if (known == 0 || total % known != 0) {
        throw new Refusal("cannot reshape " + Arrays.toString(from) + " to "
            + Arrays.toString(target));
      }
      dims[infer] = total / known;
    } else if (known != total) {
      throw new Refusal("cannot reshape " + Arrays.toString(from) + " to "
          + Arrays.toString(target));
    }
    return dims;
  }

  private static ConstTensor reshape(ConstTensor x, ConstTensor shape, boolean allowZero,
      String out) {
    return x.reshaped(out, reshapeTarget(x.dims(), noBatch(shape, "a reshape target"),
        allowZero));
  }

  private static ConstTensor flatten(ConstTensor x, long axis, String out) {
    long[] d = x.dims();
    int a = axis == d.length ? d.length : axis(axis, Math.max(d.length, 1), "axis");
    long outer = 1;
    for (int i = 0; i < a; i++) {
      outer *= d[i];
    }
    return x.reshaped(out, new long[] {outer, ConstTensor.size(d) / Math.max(outer, 1)});
  }

  private static long[] strides(long[] dims) {
    long[] s = new long[dims.length];
    long acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= dims[i];
    }
    return s;
  }

  /** A tensor of {@code dims} whose element {@code i} is element {@code source[i]} of {@code x}. */
  private static ConstTensor pick(ConstTensor x, long[] dims, int[] source, String out) {
    if (x.floating()) {
      float[] v = x.floats();
      float[] r = new float[source.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = v[source[i]];
      }
      return ConstTensor.floats(out, dims, r);
    }
    long[] v = x.longs();
    long[] r = new long[source.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = v[source[i]];
    }
    return ConstTensor.longs(out, dims, r);
  }

  private ConstTensor gather(ConstTensor x, ConstTensor indices, long axisAttr, String out) {
    long[] d = x.dims();
    int axis = axis(axisAttr, d.length, "axis");
    long[] idx = noBatch(indices, "gather indices");
    long[] id = indices.dims();
    long[] dims = new long[d.length - 1 + id.length];
    System.arraycopy(d, 0, dims, 0, axis);
    System.arraycopy(id, 0, dims, axis, id.length);
    System.arraycopy(d, axis + 1, dims, axis + id.length, d.length - axis - 1);
    checkedDims(dims);
    long inner = 1;
    for (int i = axis + 1; i < d.length; i++) {
      inner *= d[i];
    }
    long outer = 1;
    for (int i = 0; i < axis; i++) {
      outer *= d[i];
    }
    int[] source = new int[(int) ConstTensor.size(dims)];
    int k = 0;
    for (long o = 0; o < outer; o++) {
      for (long j : idx) {
        long at = j < 0 ? j + d[axis] : j;
        if (at < 0 || at >= d[axis]) {
          throw new Refusal("gathers index " + j + " of an axis of " + d[axis]);
        }
        for (long i = 0; i < inner; i++) {
          source[k++] = (int) ((o * d[axis] + at) * inner + i);
        }
      }
    }
    return pick(x, dims, source, out);
  }

  private ConstTensor concat(List<ConstTensor> in, Attributes a, String out) {
    List<ConstTensor> parts = new ArrayList<>();
    for (ConstTensor t : in) {
      if (t != null) {
        parts.add(t);
      }
    }
    if (parts.isEmpty()) {
      throw new Refusal("has no inputs");
    }
    ConstTensor first = parts.get(0);
    int rank = first.rank();
    if (!a.has("axis")) {
      throw new Refusal("has no axis");
    }
    if (rank == 0) {
      throw new Refusal("joins scalars; ONNX concatenates tensors of rank 1 or more");
    }
    int axis = axis(a.integer("axis", 0), rank, "axis");
    long[] dims = first.dims();
    long total = 0;
    for (ConstTensor t : parts) {
      long[] d = t.dims();
      if (d.length != rank || t.floating() != first.floating()) {
        throw new Refusal("joins tensors of different ranks or types");
      }
      for (int i = 0; i < rank; i++) {
        if (i != axis && d[i] != dims[i]) {
          throw new Refusal("joins " + Arrays.toString(first.dims()) + " and "
              + Arrays.toString(d) + " along axis " + axis);
        }
      }
      total += d[axis];
    }
    dims[axis] = total;
    checkedDims(dims);
    long outer = 1;
    for (int i = 0; i < axis; i++) {
      outer *= dims[i];
    }
    long inner = 1;
    for (int i = axis + 1; i < rank; i++) {
      inner *= dims[i];
    }
    int n = (int) ConstTensor.size(dims);
    float[] f = first.floating() ? new float[n] : null;
    long[] l = first.floating() ? null : new long[n];
    int k = 0;
    for (long o = 0; o < outer; o++) {
      for (ConstTensor t : parts) {
        int run = (int) (t.dims()[axis] * inner);
        int from = (int) (o * run);
        if (f != null) {
          System.arraycopy(t.floats(), from, f, k, run);
        } else {
          System.arraycopy(t.longs(), from, l, k, run);
        }
        k += run;
      }
    }
    return f != null ? ConstTensor.floats(out, dims, f) : ConstTensor.longs(out, dims, l);
  }

  private ConstTensor slice(ConstTensor x, Attributes a, List<ConstTensor> in, String out) {
    long[] d = x.dims();
    long[] starts;
    long[] ends;
    long[] axes;
    long[] steps = null;
    if (opset < 10) {
      starts = a.integers("starts", null);
      ends = a.integers("ends", null);
      axes = a.integers("axes", null);
    } else {
      starts = noBatch(need(in, 1), "slice starts");
      ends = noBatch(need(in, 2), "slice ends");
      axes = in.size() > 3 && in.get(3) != null ? noBatch(in.get(3), "slice axes") : null;
      steps = in.size() > 4 && in.get(4) != null ? noBatch(in.get(4), "slice steps") : null;
    }
    if (starts == null || ends == null || starts.length != ends.length) {
      throw new Refusal("has starts and ends of different lengths");
    }
    long[] lo = new long[d.length];
    long[] step = new long[d.length];
    long[] count = d.clone();
    Arrays.fill(step, 1);
    for (int i = 0; i < starts.length; i++) {
      int ax = axis(axes == null ? i : axes[i], d.length, "axis");
      long s = steps == null ? 1 : steps[i];
      if (s == 0) {
        throw new Refusal("has a step of 0");
      }
      long dim = d[ax];
      long b = starts[i] < 0 ? starts[i] + dim : starts[i];
      long e = ends[i] < 0 ? ends[i] + dim : ends[i];
      if (s > 0) {
        b = Math.max(0, Math.min(dim, b));
        e = Math.max(0, Math.min(dim, e));
        count[ax] = e > b ? (e - b + s - 1) / s : 0;
      } else {
        b = Math.max(-1, Math.min(dim - 1, b));
        e = Math.max(-1, Math.min(dim - 1, e));
        count[ax] = b > e ? (b - e - s - 1) / -s : 0;
      }
      lo[ax] = b;
      step[ax] = s;
    }
    long[] srcStrides = strides(d);
    long[] outStrides = strides(count);
    int[] source = new int[(int) ConstTensor.size(count)];
    for (int i = 0; i < source.length; i++) {
      long rem = i;
      long at = 0;
      for (int k = 0; k < d.length; k++) {
        long c = rem / outStrides[k];
        rem %= outStrides[k];
        at += (lo[k] + c * step[k]) * srcStrides[k];
      }
      source[i] = (int) at;
    }
    return pick(x, count, source, out);
  }

  private static ConstTensor transpose(ConstTensor x, long[] perm, String out) {
    long[] d = x.dims();
    int r = d.length;
    long[] p = perm;
    if (p == null) {
      p = new long[r];
      for (int i = 0; i < r; i++) {
        p[i] = r - 1 - i;
      }
    }
    if (p.length != r) {
      throw new Refusal("has a permutation of " + p.length + " axes for a rank-" + r + " tensor");
    }
    long[] dims = new long[r];
    boolean[] seen = new boolean[r];
    long[] perm0 = new long[r];
    for (int i = 0; i < r; i++) {
      if (p[i] < 0 || p[i] >= r) {
        throw new Refusal("has a permutation " + Arrays.toString(p) + " of axes outside 0.."
            + (r - 1));
      }
      int src = (int) p[i];
      if (seen[src]) {
        throw new Refusal("permutes axis " + src + " twice");
      }
      seen[src] = true;
      perm0[i] = src;
      dims[i] = d[src];
    }
    p = perm0;
    long[] srcStrides = strides(d);
    long[] outStrides = strides(dims);
    int[] source = new int[x.size()];
    for (int i = 0; i < source.length; i++) {
      long rem = i;
      long at = 0;
      for (int k = 0; k < r; k++) {
        long c = rem / outStrides[k];
        rem %= outStrides[k];
        at += c * srcStrides[(int) p[k]];
      }
      source[i] = (int) at;
    }
    return pick(x, dims, source, out);
  }

  /** Numpy-style broadcast of two shapes. */
  private static long[] broadcast(long[] a, long[] b) {
    int r = Math.max(a.length, b.length);
    long[] d = new long[r];
    for (int i = 0; i < r; i++) {
      long x = i < r - a.length ? 1 : a[i - (r - a.length)];
      long y = i < r - b.length ? 1 : b[i - (r - b.length)];
      if (x != y && x != 1 && y != 1) {
        throw new Refusal("broadcasts " + Arrays.toString(a) + " with " + Arrays.toString(b));
      }
      d[i] = x == 1 ? y : x;
    }
    return d;
  }

  /** For every element of a tensor of {@code dims}, the element of {@code from} it reads. */
  private static int[] broadcastIndex(long[] from, long[] dims) {
    long[] fs = strides(from);
    long[] os = strides(dims);
    int off = dims.length - from.length;
    int[] idx = new int[(int) ConstTensor.size(dims)];
    for (int i = 0; i < idx.length; i++) {
      long rem = i;
      long at = 0;
      for (int k = 0; k < dims.length; k++) {
        long c = rem / os[k];
        rem %= os[k];
        if (k >= off && from[k - off] != 1) {
          at += c * fs[k - off];
        }
      }
      idx[i] = (int) at;
    }
    return idx;
  }

  private ConstTensor expand(ConstTensor x, ConstTensor shape, String out) {
    long[] dims = checkedDims(broadcast(x.dims(), noBatch(shape, "an Expand shape")));
    return pick(x, dims, broadcastIndex(x.dims(), dims), out);
  }

  private ConstTensor arithmetic(ConstTensor x, ConstTensor y, DoubleBinaryOperator f,
      LongBinaryOperator g, String out) {
    long[] dims = checkedDims(broadcast(x.dims(), y.dims()));
    int[] ix = broadcastIndex(x.dims(), dims);
    int[] iy = broadcastIndex(y.dims(), dims);
    if (x.floating() || y.floating() || g == null) {
      float[] a = x.floats();
      float[] b = y.floats();
      float[] r = new float[ix.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = (float) f.applyAsDouble(a[ix[i]], b[iy[i]]);
      }
      return ConstTensor.floats(out, dims, r);
    }
    long[] a = noBatch(x, "arithmetic");
    long[] b = noBatch(y, "arithmetic");
    long[] r = new long[ix.length];
    try {
      for (int i = 0; i < r.length; i++) {
        r[i] = g.applyAsLong(a[ix[i]], b[iy[i]]);
      }
    } catch (ArithmeticException e) {
      throw new Refusal("overflows int64");
    }
    return ConstTensor.longs(out, dims, r);
  }

  private static ConstTensor unary(ConstTensor x, DoubleUnaryOperator f, String out) {
    float[] a = x.floats();
    float[] r = new float[a.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = (float) f.applyAsDouble(a[i]);
    }
    return ConstTensor.floats(out, x.dims(), r);
  }
}
