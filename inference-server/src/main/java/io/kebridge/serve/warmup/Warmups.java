package io.kebridge.serve.warmup;

import io.kebridge.modelconfig.proto.DataType;
import io.kebridge.modelconfig.proto.ModelConfig;
import io.kebridge.modelconfig.proto.ModelWarmup;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.batching.BatchingSettings;
import io.kebridge.serve.session.ModelSession;
import io.kebridge.serve.session.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The warm-up inferences of a model version: Triton's {@code model_warmup} entries of its config
 * (zero, random or file data; file data is raw little-endian FP32 in the model's {@code warmup/}
 * folder, one row or the whole batch), or by default one batch of every power-of-two size up to the
 * bound (and the bound itself) with random data, batch 1 three times: the sizes a dynamic batcher
 * forms, so that ONNX Runtime has planned its memory for each before the first client arrives.
 */
public final class Warmups {
  private Warmups() {}

  /** The default warm-up; none when {@code bound} is 0. */
  public static List<WarmupSample> defaults(ModelSession session, BatchingSettings batching,
      int bound) {
    if (bound <= 0) {
      return List.of();
    }
    List<Integer> sizes = new ArrayList<>();
    if (session.batchable()) {
      int top = Math.min(bound, batching.merge() ? batching.maxBatchSize() : 1);
      for (int b = 1; b <= top; b *= 2) {
        sizes.add(b);
      }
      if (!sizes.contains(top)) {
        sizes.add(top);
      }
    } else {
      sizes.add(1);
    }
    List<WarmupSample> out = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(1);
    for (int b : sizes) {
      List<float[]> data = new ArrayList<>();
      List<long[]> shapes = new ArrayList<>();
      for (TensorSpec t : session.inputs()) {
        long[] shape = shape(t, session.batchable(), b);
        data.add(random(elements(shape), random));
        shapes.add(shape);
      }
      out.add(new WarmupSample("default batch " + b, b, data, shapes, b == 1 ? 3 : 1));
    }
    return out;
  }

  /** The {@code model_warmup} entries of a complete config, checked against the model. */
  public static List<WarmupSample> fromConfig(ModelConfig config, ModelSession session,
      Path modelDir) {
    boolean batched = config.getMaxBatchSize() > 0;
    List<WarmupSample> out = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(1);
    for (ModelWarmup w : config.getModelWarmupList()) {
      String label = "model_warmup \"" + w.getName() + "\"";
      int batch = batched ? Math.max(1, w.getBatchSize()) : 1;
      if (batched && batch > config.getMaxBatchSize()) {
        throw ServeException.badRequest(label + ": batch_size " + batch + " exceeds max_batch_size "
            + config.getMaxBatchSize());
      }
      List<float[]> data = new ArrayList<>();
      List<long[]> shapes = new ArrayList<>();
      for (TensorSpec t : session.inputs()) {
        ModelWarmup.Input in = w.getInputsMap().get(t.name());
        if (in == null) {
          throw ServeException.badRequest(label + " gives no data for input \"" + t.name()
              + "\"");
        }
        if (in.getDataType() != DataType.TYPE_FP32) {
          throw ServeException.badRequest(label + ": input \"" + t.name() + "\" is "
              + in.getDataType() + ", the model takes TYPE_FP32");
        }
        long[] shape = shape(t, batched, batch);
        long[] dims = Arrays.copyOfRange(shape, batched ? 1 : 0, shape.length);
        long[] written = in.getDimsList().stream().mapToLong(Long::longValue).toArray();
        if (!Arrays.equals(dims, written)) {
          throw ServeException.badRequest(label + ": input \"" + t.name() + "\" has dims "
              + Arrays.toString(written) + ", the model takes " + Arrays.toString(dims));
        }
        int elements = elements(shape);
        float[] values = switch (in.getInputDataTypeCase()) {
          case ZERO_DATA -> new float[elements];
          case RANDOM_DATA -> random(elements, random);
          case INPUT_DATA_FILE -> file(label, modelDir, in.getInputDataFile(), elements,
              elements / batch);
          default -> throw ServeException.badRequest(label + ": input \"" + t.name()
              + "\" needs zero_data, random_data or input_data_file");
        };
        data.add(values);
        shapes.add(shape);
      }
      out.add(new WarmupSample(w.getName(), batch, data, shapes, Math.max(1, w.getCount())));
    }
    return out;
  }

  private static float[] file(String label, Path modelDir, String name, int elements,
      int rowElements) {
    Path dir = modelDir.resolve("warmup").normalize();
    Path file = dir.resolve(name).normalize();
    if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
      throw ServeException.badRequest(label + ": input_data_file \"" + name + "\" is not a file in "
          + dir);
    }
    byte[] bytes;
    try {
      long size = Files.size(file); // checked before reading: the file may be anything
      if (size != elements * 4L && size != rowElements * 4L) {
        throw ServeException.badRequest(label + ": " + file + " has " + size + " bytes, expected "
            + rowElements * 4L + " (one row) or " + elements * 4L + " (the batch)");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw ServeException.badRequest(label + ": cannot read " + file + ": " + e.getMessage());
    }
    float[] row;
    if (bytes.length == elements * 4L) {
      row = new float[elements];
    } else if (bytes.length == rowElements * 4L) {
      row = new float[rowElements];
    } else {
      throw ServeException.badRequest(label + ": " + file + " has " + bytes.length + " bytes, "
          + "expected " + rowElements * 4L + " (one row) or " + elements * 4L + " (the batch)");
    }
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(row);
    float[] values = new float[elements];
    for (int off = 0; off < elements; off += row.length) {
      System.arraycopy(row, 0, values, off, row.length);
    }
    return values;
  }

  private static long[] shape(TensorSpec t, boolean batched, int batch) {
    long[] shape = t.shape();
    if (batched && shape.length > 0) {
      shape[0] = batch;
    }
    for (int i = 0; i < shape.length; i++) {
      shape[i] = Math.max(shape[i], 1);
    }
    return shape;
  }

  private static int elements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return Math.toIntExact(n);
  }

  private static float[] random(int n, SplittableRandom r) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return v;
  }
}
