package io.kebridge.onnx.graph;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.kebridge.onnx.OnnxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Conversions between Java arrays and ONNX {@code TensorProto}s. ONNX stores {@code raw_data}
 * little-endian whatever the machine, so every conversion goes through an explicitly ordered
 * buffer.
 */
public final class TensorProtos {
  private TensorProtos() {}

  /** A float32 tensor with its values in {@code raw_data}. */
  public static TensorProto floats(String name, int[] shape, float[] values) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n != values.length) {
      throw new OnnxException(
          name + ": shape " + Arrays.toString(shape) + " needs " + n + " values, got "
              + values.length);
    }
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    TensorProto.Builder t =
        TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
    for (int d : shape) {
      t.addDims(d);
    }
    return t.setRawData(ByteString.copyFrom(bytes.array())).build();
  }

  /** An int64 tensor (shapes for Reshape, axes) with its values in {@code raw_data}. */
  public static TensorProto int64s(String name, long[] values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asLongBuffer().put(values);
    return TensorProto.newBuilder()
        .setName(name)
        .setDataType(TensorProto.DataType.INT64_VALUE)
        .addDims(values.length)
        .setRawData(ByteString.copyFrom(bytes.array()))
        .build();
  }

  /** An int8 tensor (quantised weights, their zero points) with its values in {@code raw_data}. */
  public static TensorProto int8s(String name, int[] shape, byte[] values) {
    return bytes(name, TensorProto.DataType.INT8_VALUE, shape, values);
  }

  /** A uint8 tensor (activation zero points) with its values in {@code raw_data}. */
  public static TensorProto uint8s(String name, int[] shape, byte[] values) {
    return bytes(name, TensorProto.DataType.UINT8_VALUE, shape, values);
  }

  /** An int32 tensor (quantised biases) with its values in {@code raw_data}. */
  public static TensorProto int32s(String name, int[] shape, int[] values) {
    checkCount(name, shape, values.length);
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asIntBuffer().put(values);
    return withShape(name, TensorProto.DataType.INT32_VALUE, shape)
        .setRawData(ByteString.copyFrom(bytes.array())).build();
  }

  private static TensorProto bytes(String name, int type, int[] shape, byte[] values) {
    checkCount(name, shape, values.length);
    return withShape(name, type, shape).setRawData(ByteString.copyFrom(values)).build();
  }

  private static TensorProto.Builder withShape(String name, int type, int[] shape) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type);
    for (int d : shape) {
      t.addDims(d);
    }
    return t;
  }

  private static void checkCount(String name, int[] shape, int count) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n != count) {
      throw new OnnxException(
          name + ": shape " + Arrays.toString(shape) + " needs " + n + " values, got " + count);
    }
  }

  /** The tensor's dimensions as ints. */
  public static int[] shape(TensorProto t) {
    int[] s = new int[t.getDimsCount()];
    for (int i = 0; i < s.length; i++) {
      long d = t.getDims(i);
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw new OnnxException("tensor " + t.getName() + " has an invalid dimension " + d);
      }
      s[i] = (int) d;
    }
    return s;
  }

  /** The values of a float32 tensor, from {@code raw_data} or {@code float_data}. */
  public static float[] toFloats(TensorProto t) {
    if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
      throw new OnnxException(
          "tensor " + t.getName() + " has data type " + dataTypeName(t.getDataType())
              + ", only FLOAT (float32) weights can be imported");
    }
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      throw new OnnxException(
          "tensor " + t.getName() + " keeps its data in an external file; save the model with its"
              + " weights inside (onnx.save(model, path, save_as_external_data=False))");
    }
    long n = count(t);
    float[] v = new float[(int) n];
    if (!t.getRawData().isEmpty()) {
      if (t.getRawData().size() != n * Float.BYTES) {
        throw new OnnxException(
            "tensor " + t.getName() + " holds " + t.getRawData().size() + " bytes, its shape "
                + Arrays.toString(shape(t)) + " needs " + n * Float.BYTES
                + " (is the file truncated?)");
      }
      t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
    } else {
      if (t.getFloatDataCount() != n) {
        throw new OnnxException(
            "tensor " + t.getName() + " holds " + t.getFloatDataCount() + " values, its shape "
                + Arrays.toString(shape(t)) + " needs " + n + " (is the file truncated?)");
      }
      for (int i = 0; i < n; i++) {
        v[i] = t.getFloatData(i);
      }
    }
    return v;
  }

  /** The values of an int64 tensor, from {@code raw_data} or {@code int64_data}. */
  public static long[] toLongs(TensorProto t) {
    if (t.getDataType() != TensorProto.DataType.INT64_VALUE) {
      throw new OnnxException(
          "tensor " + t.getName() + " has data type " + dataTypeName(t.getDataType())
              + ", expected INT64");
    }
    long n = count(t);
    long[] v = new long[(int) n];
    if (!t.getRawData().isEmpty()) {
      if (t.getRawData().size() != n * Long.BYTES) {
        throw new OnnxException(
            "tensor " + t.getName() + " holds " + t.getRawData().size() + " bytes, needs "
                + n * Long.BYTES);
      }
      t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(v);
    } else {
      if (t.getInt64DataCount() != n) {
        throw new OnnxException(
            "tensor " + t.getName() + " holds " + t.getInt64DataCount() + " values, needs " + n);
      }
      for (int i = 0; i < n; i++) {
        v[i] = t.getInt64Data(i);
      }
    }
    return v;
  }

  private static long count(TensorProto t) {
    long n = 1;
    for (int d : shape(t)) {
      n *= d;
    }
    if (n > Integer.MAX_VALUE) {
      throw new OnnxException("tensor " + t.getName() + " is too large (" + n + " values)");
    }
    return n;
  }

  private static String dataTypeName(int type) {
    TensorProto.DataType d = TensorProto.DataType.forNumber(type);
    return d == null ? Integer.toString(type) : d.name();
  }
}
