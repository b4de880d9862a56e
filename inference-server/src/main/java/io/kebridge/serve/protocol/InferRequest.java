package io.kebridge.serve.protocol;

import java.util.List;

/**
 * A parsed V2 inference request.
 *
 * @param id the client's id, echoed in the response; null when absent
 * @param inputs the inputs in the order sent
 * @param outputs the outputs asked for; empty means every output
 * @param binaryOutputs the request-level {@code binary_data_output} parameter: every output binary
 */
public record InferRequest(String id, List<InputTensor> inputs, List<RequestedOutput> outputs,
    boolean binaryOutputs) {
  /** Keeps the lists unmodifiable. */
  public InferRequest {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
