package io.kebridge.serve.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.session.SessionSettings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The ceiling a server can approach: images per second of one ONNX Runtime session running
 * batches of a fixed size back to back on a reused direct buffer, with no HTTP, parsing or
 * queueing. Reported from the median batch time.
 */
public final class RawThroughput {
  /** The result: batch size, the median and the fastest batch time, and images per second. */
  public record Result(int batch, int runs, double medianMs, double minMs, double imagesPerSecond) {}

  private RawThroughput() {}

  /** Measures {@code file} with batches of {@code batch} for about {@code duration}. */
  public static Result measure(Path file, SessionSettings settings, int batch, Duration duration) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = settings.toOptions();
        OrtSession session = env.createSession(file.toString(), options)) {
      String input = session.getInputNames().iterator().next();
      long[] shape = ((ai.onnxruntime.TensorInfo) session.getInputInfo().get(input).getInfo())
          .getShape();
      shape[0] = batch;
      long elements = 1;
      for (long d : shape) {
        if (d <= 0) {
          throw ServeException.badRequest("model " + file + " input " + input + " has a variable "
              + "dimension besides the batch: " + Arrays.toString(shape));
        }
        elements *= d;
      }
      FloatBuffer data = ByteBuffer.allocateDirect(Math.toIntExact(elements * 4))
          .order(ByteOrder.nativeOrder()).asFloatBuffer();
      SplittableRandom r = new SplittableRandom(1);
      while (data.hasRemaining()) {
        data.put((float) (r.nextDouble() * 2 - 1));
      }
      data.rewind();
      long[] times = new long[4096];
      int runs = 0;
      long warmupEnd = System.nanoTime() + Math.min(duration.toNanos() / 5, 2_000_000_000L);
      long end = warmupEnd + duration.toNanos();
      try (OnnxTensor tensor = OnnxTensor.createTensor(env, data, shape)) {
        while (true) {
          long t0 = System.nanoTime();
          if (t0 >= end && runs >= 3) {
            break;
          }
          long t1;
          try (OrtSession.Result result = session.run(Map.of(input, tensor))) {
            // Timed up to the result's arrival; reading it is the caller's cost, not the model's.
            t1 = System.nanoTime();
            if (result.size() == 0) {
              throw ServeException.internal("model " + file + " returned no outputs", null);
            }
          }
          if (t0 >= warmupEnd && runs < times.length) {
            times[runs++] = t1 - t0;
          }
        }
      }
      long[] sorted = Arrays.copyOf(times, runs);
      Arrays.sort(sorted);
      double median = sorted[runs / 2] / 1e6;
      return new Result(batch, runs, median, sorted[0] / 1e6, batch / (median / 1000));
    } catch (OrtException e) {
      throw ServeException.internal("cannot benchmark " + file + ": " + e.getMessage(), e);
    }
  }
}
