package io.kebridge.training.graph;

import io.kebridge.training.TrainingException;
import java.util.Locale;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;

/**
 * Where a training graph runs. {@code GPU} pins the graph to the first GPU; {@link #check} first
 * runs an op there with soft placement off, so a missing GPU (or a CPU-only native library) is an
 * error rather than a silent CPU run. The training session itself allows soft placement, so the few
 * ops without a GPU kernel (integer bookkeeping) may still run on the CPU.
 */
public enum TfDevice {
  CPU,
  GPU;

  /** Parses {@code cpu} or {@code gpu}. */
  public static TfDevice parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new TrainingException("unknown device '" + text + "', expected cpu or gpu", e);
    }
  }

  /** The device spec ops are pinned to. */
  public DeviceSpec spec() {
    return DeviceSpec.newBuilder()
        .deviceType(this == GPU ? DeviceSpec.DeviceType.GPU : DeviceSpec.DeviceType.CPU)
        .deviceIndex(0)
        .build();
  }

  /** The session configuration: thread counts (0 leaves TF's choice), soft placement. */
  public ConfigProto sessionConfig(int threads) {
    return config(threads, true);
  }

  private static ConfigProto config(int threads, boolean soft) {
    ConfigProto.Builder b = ConfigProto.newBuilder().setAllowSoftPlacement(soft);
    if (threads > 0) {
      b.setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(threads);
    }
    return b.build();
  }

  /**
   * Checks that this device exists by running one op on it.
   *
   * @throws TrainingException when it does not, with what to do about it
   */
  // The Result of a run for effect only is opened just to be closed.
  @SuppressWarnings("try")
  public void check() {
    if (this == CPU) {
      return;
    }
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g).withDevice(spec());
      var x = tf.math.add(tf.constant(1f), tf.constant(2f));
      try (Session s = new Session(g, config(0, false));
          Result r = s.runner().fetch(x).run()) {
        // the op ran on the GPU
      }
    } catch (RuntimeException e) {
      throw new TrainingException(
          "no usable GPU: TensorFlow could not place an op on /device:GPU:0 ("
              + firstLine(e.getMessage())
              + "). Build with 'mvn -Pgpu' on a machine with CUDA, or use --device cpu",
          e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "no details";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
