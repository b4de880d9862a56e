package io.kebridge.serve.repository;

import io.kebridge.modelconfig.proto.ModelConfig;
import io.kebridge.serve.batching.BatchingSettings;
import io.kebridge.serve.warmup.WarmupSample;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a model version is served with: the complete configuration (the file's fields with
 * everything it leaves out filled in from the ONNX model and the server's settings, as Triton's
 * {@code /config} shows it), the batching that configuration asks for, the labels of the outputs
 * that have them (for the classification extension), the warm-up inferences run before the
 * version takes traffic, and the fields of the file that were ignored.
 */
public record ResolvedConfig(ModelConfig config, BatchingSettings batching,
    Map<String, List<String>> labels, List<WarmupSample> warmups, List<String> ignored) {
  /** Keeps the collections unmodifiable. */
  public ResolvedConfig {
    labels = Map.copyOf(labels);
    warmups = List.copyOf(warmups);
    ignored = List.copyOf(ignored);
  }

  /** The labels of output {@code name}, if it has them. */
  public Optional<List<String>> labels(String output) {
    return Optional.ofNullable(labels.get(output));
  }
}
