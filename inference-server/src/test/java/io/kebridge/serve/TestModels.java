package io.kebridge.serve;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.config.VersionPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Real models for the server's tests: a small-cnn of width 4 on 1x8x8 images with 10 classes,
 * exported by onnx-export into a Triton-layout repository, and an independent ONNX Runtime forward
 * pass over the same file to compare the server's answers with.
 */
public final class TestModels {
  /** Input shape of the test network. */
  public static final ActivationShape INPUT = new ActivationShape(1, 8, 8);
  /** Classes of the test network. */
  public static final int CLASSES = 10;

  private TestModels() {}

  /** The test network. */
  public static NetworkSpec spec() {
    return Architectures.build("small-cnn", new ArchitectureConfig(INPUT, CLASSES, 4, null));
  }

  /** The card written into the file: digit labels, mean 0.5, std 0.25. */
  public static ModelCard card() {
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < CLASSES; i++) {
      labels.add("digit-" + i);
    }
    return new ModelCard("small-cnn", NetworkKind.DENSE, "kels:0.5", 1, labels, INPUT, "NCHW",
        new float[] {0.5f}, new float[] {0.25f}, 0.9, "test", Map.of());
  }

  /**
   * Exports the network with weights drawn from {@code seed} as {@code REPO/name/version/model.onnx}
   * (plus {@code config.pbtxt}); returns the model file.
   */
  public static Path write(Path repo, String name, int version, long seed) {
    NetworkSpec spec = spec();
    ModelProto model = OnnxExporter.export(spec, WeightInit.randomized(spec, seed), card(),
        ExportOptions.defaults());
    return io.kebridge.onnx.repository.ModelRepository.write(repo, name, version, model, 64);
  }

  /** Logits of {@code images} computed by ONNX Runtime directly from {@code file}. */
  public static float[][] logits(Path file, float[][] images) {
    try (OrtForward f = OrtForward.open(file, OrtSettings.defaults())) {
      return f.logits(images);
    }
  }

  /** {@code n} reproducible images of the input shape, values roughly standard normal. */
  public static float[][] images(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] out = new float[n][(int) INPUT.elements()];
    for (float[] im : out) {
      for (int i = 0; i < im.length; i++) {
        im[i] = (float) (r.nextDouble() * 4 - 2);
      }
    }
    return out;
  }

  /**
   * A configuration for tests: free loopback ports (REST and gRPC), all versions, no polling, one
   * start-up warm-up request per path.
   */
  public static ServerConfig.Builder config(Path repo) {
    return ServerConfig.builder(repo)
        .port(0)
        .grpcPort(0)
        .warmupRequests(1)
        .versionPolicy(VersionPolicy.ALL)
        .pollInterval(Duration.ZERO)
        .intraOpThreads(1)
        .shutdownTimeout(Duration.ofSeconds(5));
  }
}
