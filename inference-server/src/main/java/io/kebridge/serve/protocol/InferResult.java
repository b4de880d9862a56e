package io.kebridge.serve.protocol;

import java.util.List;

/**
 * The answer to an inference request before it is encoded for a protocol: which model version
 * answered, the echoed id (or null) and the outputs in the order asked for.
 */
public record InferResult(String model, long version, String id, List<OutputTensor> outputs) {
  /** Keeps the list unmodifiable. */
  public InferResult {
    outputs = List.copyOf(outputs);
  }
}
