package io.kebridge.serve.batching;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One client request waiting for a batch: its input rows (one flat row-major array per model
 * input, in the model's input order, each with its full shape) and the future its outputs arrive
 * on. A warm-up request runs like any other but is left out of metrics and statistics.
 */
public final class BatchRequest {
  private final List<float[]> inputs;
  private final List<long[]> shapes;
  private final int rows;
  private final boolean warmup;
  private final long enqueuedNanos = System.nanoTime();
  private final CompletableFuture<BatchResult> result = new CompletableFuture<>();

  /**
   * @param inputs one array per model input, in the model's order
   * @param shapes the full shape of each input; the first dimension is the request's rows
   */
  public BatchRequest(List<float[]> inputs, List<long[]> shapes) {
    this(inputs, shapes, false);
  }

  /** A request that is a warm-up when {@code warmup}. */
  public BatchRequest(List<float[]> inputs, List<long[]> shapes, boolean warmup) {
    if (inputs.size() != shapes.size() || inputs.isEmpty()) {
      throw new IllegalArgumentException("one shape per input is needed");
    }
    this.inputs = List.copyOf(inputs);
    this.shapes = shapes.stream().map(long[]::clone).toList();
    long[] first = this.shapes.get(0);
    this.rows = first.length == 0 ? 1 : (int) first[0];
    this.warmup = warmup;
  }

  /** Rows (the batch dimension) this request contributes. */
  public int rows() {
    return rows;
  }

  /** True for a warm-up request. */
  public boolean warmup() {
    return warmup;
  }

  float[] input(int i) {
    return inputs.get(i);
  }

  long[] shape(int i) {
    return shapes.get(i);
  }

  long enqueuedNanos() {
    return enqueuedNanos;
  }

  /** Completes with the request's outputs, or with the failure of its batch. */
  public CompletableFuture<BatchResult> result() {
    return result;
  }
}
