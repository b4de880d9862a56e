package io.kebridge.serve.protocol;

import java.util.List;

/**
 * A parsed V2 inference request, from REST or gRPC.
 *
 * @param id the client's id, echoed in the response; null when absent
 * @param inputs the inputs in the order sent
 * @param outputs the outputs asked for; empty means every output
 * @param binaryOutputs the request-level {@code binary_data_output} parameter: every output binary
 * @param warmup the request-level {@code ke_warmup} parameter: the server's own start-up warm-up,
 *     left out of metrics and statistics
 */
public record InferRequest(String id, List<InputTensor> inputs, List<RequestedOutput> outputs,
    boolean binaryOutputs, boolean warmup) {
  /** The request-level parameter that marks the server's own warm-up requests. */
  public static final String WARMUP_PARAMETER = "ke_warmup";

  /** Keeps the lists unmodifiable. */
  public InferRequest {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** A client's request. */
  public InferRequest(String id, List<InputTensor> inputs, List<RequestedOutput> outputs,
      boolean binaryOutputs) {
    this(id, inputs, outputs, binaryOutputs, false);
  }
}
