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
 *
 * <p>Reading checks that the data the tensor holds is what its dimensions announce before
 * anything is allocated, so a file whose dimensions lie (a header claiming billions of values over
 * a few bytes) gets an error that names the tensor instead of an {@code OutOfMemoryError}.
 * Floating-point tensors (float32, float64, float16, bfloat16) read as float32; integer and
 * boolean tensors read as int64.
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

  /** True for the element types that read as float32 ({@link #toFloats}). */
  public static boolean isFloating(int dataType) {
    return dataType == TensorProto.DataType.FLOAT_VALUE
        || dataType == TensorProto.DataType.DOUBLE_VALUE
        || dataType == TensorProto.DataType.FLOAT16_VALUE
        || dataType == TensorProto.DataType.BFLOAT16_VALUE;
  }

  /** True for the element types that read as int64 ({@link #toLongs}). */
  public static boolean isInteger(int dataType) {
    return switch (TensorProto.DataType.forNumber(dataType) == null
        ? TensorProto.DataType.UNDEFINED : TensorProto.DataType.forNumber(dataType)) {
      case INT64, INT32, INT16, INT8, UINT64, UINT32, UINT16, UINT8, BOOL -> true;
      default -> false;
    };
  }

  /**
   * Checks, without allocating, that the tensor can be read: a supported element type, data in
   * the file (not external), valid dimensions and exactly as many values as they announce. Returns
   * the number of values.
   *
   * @throws OnnxException naming the tensor otherwise
   */
  public static int check(TensorProto t) {
    int type = t.getDataType();
    if (!isFloating(type) && !isInteger(type)) {
      throw new OnnxException("tensor " + t.getName() + " has data type " + dataTypeName(type)
          + "; ke-bridge reads floating-point weights and integer shapes only");
    }
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL
        || t.getExternalDataCount() > 0) {
      throw new OnnxException(
          "tensor " + t.getName() + " keeps its data in an external file; import the model"
              + " from its file, beside its data, or save it with its weights inside"
              + " (onnx.save(model, path, save_as_external_data=False))");
    }
    long n = 1;
    for (int i = 0; i < t.getDimsCount(); i++) {
      long d = t.getDims(i);
      if (d < 0) {
        throw new OnnxException("tensor " + t.getName() + " has a negative dimension " + d);
      }
      n = d == 0 ? 0 : n;
      if (n != 0 && d > Integer.MAX_VALUE / n) {
        throw new OnnxException("tensor " + t.getName() + " announces dimensions "
            + t.getDimsList() + ", more values than ke-bridge (or any Java array) holds");
      }
      n *= d;
    }
    long held = held(t);
    if (held != n) {
      throw new OnnxException("tensor " + t.getName() + " announces " + n + " values (dimensions "
          + t.getDimsList() + ") but holds " + held + " (is the file truncated or corrupt?)");
    }
    return (int) n;
  }

  /** How many values the tensor's data holds, from its byte or element count. */
  private static long held(TensorProto t) {
    int type = t.getDataType();
    if (!t.getRawData().isEmpty()) {
      int size = elementBytes(type);
      long bytes = t.getRawData().size();
      return bytes % size == 0 ? bytes / size : -1;
    }
    return switch (TensorProto.DataType.forNumber(type)) {
      case FLOAT -> t.getFloatDataCount();
      case DOUBLE -> t.getDoubleDataCount();
      case INT64 -> t.getInt64DataCount();
      case UINT64, UINT32 -> t.getUint64DataCount();
      default -> t.getInt32DataCount(); // float16, bfloat16 and the narrow integers
    };
  }

  private static int elementBytes(int type) {
    return switch (TensorProto.DataType.forNumber(type)) {
      case DOUBLE, INT64, UINT64 -> 8;
      case FLOAT, INT32, UINT32 -> 4;
      case FLOAT16, BFLOAT16, INT16, UINT16 -> 2;
      default -> 1; // int8, uint8, bool
    };
  }

  /** The values of a floating-point tensor as float32. */
  public static float[] toFloats(TensorProto t) {
    int n = check(t);
    int type = t.getDataType();
    if (!isFloating(type)) {
      throw new OnnxException(
          "tensor " + t.getName() + " has data type " + dataTypeName(type)
              + " where floating-point weights are expected");
    }
    float[] v = new float[n];
    ByteBuffer raw = t.getRawData().isEmpty() ? null
        : t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    switch (TensorProto.DataType.forNumber(type)) {
      case FLOAT -> {
        if (raw != null) {
          raw.asFloatBuffer().get(v);
        } else {
          for (int i = 0; i < n; i++) {
            v[i] = t.getFloatData(i);
          }
        }
      }
      case DOUBLE -> {
        for (int i = 0; i < n; i++) {
          v[i] = (float) (raw != null ? raw.getDouble(i * 8) : t.getDoubleData(i));
        }
      }
      case FLOAT16 -> {
        for (int i = 0; i < n; i++) {
          v[i] = halfToFloat(raw != null ? raw.getShort(i * 2) & 0xFFFF
              : t.getInt32Data(i) & 0xFFFF);
        }
      }
      default -> { // BFLOAT16: the upper half of a float32
        for (int i = 0; i < n; i++) {
          int bits = raw != null ? raw.getShort(i * 2) & 0xFFFF : t.getInt32Data(i) & 0xFFFF;
          v[i] = Float.intBitsToFloat(bits << 16);
        }
      }
    }
    return v;
  }

  /** The values of an integer or boolean tensor as int64. */
  public static long[] toLongs(TensorProto t) {
    int n = check(t);
    int type = t.getDataType();
    if (!isInteger(type)) {
      throw new OnnxException(
          "tensor " + t.getName() + " has data type " + dataTypeName(type)
              + " where integers are expected");
    }
    long[] v = new long[n];
    ByteBuffer raw = t.getRawData().isEmpty() ? null
        : t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    TensorProto.DataType d = TensorProto.DataType.forNumber(type);
    for (int i = 0; i < n; i++) {
      if (raw == null) {
        v[i] = switch (d) {
          case INT64 -> t.getInt64Data(i);
          case UINT64, UINT32 -> t.getUint64Data(i);
          default -> t.getInt32Data(i);
        };
      } else {
        v[i] = switch (d) {
          case INT64, UINT64 -> raw.getLong(i * 8);
          case INT32 -> raw.getInt(i * 4);
          case UINT32 -> raw.getInt(i * 4) & 0xFFFFFFFFL;
          case INT16 -> raw.getShort(i * 2);
          case UINT16 -> raw.getShort(i * 2) & 0xFFFF;
          case INT8 -> raw.get(i);
          default -> raw.get(i) & 0xFF; // uint8, bool
        };
      }
    }
    return v;
  }

  /** An IEEE 754 half-precision value (its 16 bits) as a float. */
  static float halfToFloat(int h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >> 10) & 0x1F;
    int mant = h & 0x3FF;
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | mant << 13); // infinity or NaN
    }
    if (exp == 0) {
      // zero or subnormal: mant * 2^-24
      float f = mant * 0x1p-24f;
      return sign == 0 ? f : -f;
    }
    return Float.intBitsToFloat(sign | (exp + 112) << 23 | mant << 13);
  }

  /** The name of an ONNX element type ({@code FLOAT}, {@code INT64}, ...). */
  public static String dataTypeName(int type) {
    TensorProto.DataType d = TensorProto.DataType.forNumber(type);
    return d == null ? Integer.toString(type) : d.name();
  }
}
