package io.kebridge.serve.session;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.kebridge.serve.config.ServerConfig;
import java.util.Locale;

/**
 * How ONNX Runtime sessions are created: intra-op threads (0 = ONNX Runtime's choice), graph
 * optimisation level and whether idle intra-op threads spin. Spinning is off by default because
 * on a shared CPU it burns the cores that the HTTP threads and other processes need.
 */
public record SessionSettings(int intraOpThreads, String optimizationLevel, boolean spinning) {
  /** The settings a server configuration asks for. */
  public static SessionSettings of(ServerConfig c) {
    return new SessionSettings(c.intraOpThreads(), c.optimizationLevel(), c.spinning());
  }

  /** Defaults: ONNX Runtime's thread count, every optimisation, no spinning. */
  public static SessionSettings defaults() {
    return new SessionSettings(0, "all", false);
  }

  /** New session options with these settings; the caller closes them. */
  public OrtSession.SessionOptions toOptions() throws OrtException {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    try {
      if (intraOpThreads > 0) {
        o.setIntraOpNumThreads(intraOpThreads);
      }
      o.setOptimizationLevel(level());
      o.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
      o.addConfigEntry("session.inter_op.allow_spinning", spinning ? "1" : "0");
      return o;
    } catch (OrtException | RuntimeException e) {
      o.close();
      throw e;
    }
  }

  private OrtSession.SessionOptions.OptLevel level() {
    return switch (optimizationLevel.toLowerCase(Locale.ROOT)) {
      case "none" -> OrtSession.SessionOptions.OptLevel.NO_OPT;
      case "basic" -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
      case "extended" -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
      default -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
    };
  }
}
