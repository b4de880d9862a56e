package io.kebridge.serve.stats;

import io.kebridge.serve.batching.BatchTiming;
import io.kebridge.serve.grpc.proto.InferBatchStatistics;
import io.kebridge.serve.grpc.proto.InferStatistics;
import io.kebridge.serve.grpc.proto.ModelStatistics;
import io.kebridge.serve.grpc.proto.StatisticDuration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Triton's statistics extension for one model version, kept with lock-free counters: successful
 * and failed requests with their durations (from the request being received, its body read, to
 * its outputs), the time requests waited in the queue, the time
 * batches spent stacking inputs, in ONNX Runtime and cutting outputs (each request is charged the
 * whole of its batch's), rows and runs, and the same compute times per batch size. Warm-up
 * inferences are not counted.
 */
public final class ModelStats {
  private final String name;
  private final long version;
  private final Duration success = new Duration();
  private final Duration fail = new Duration();
  private final Duration queue = new Duration();
  private final Duration computeInput = new Duration();
  private final Duration computeInfer = new Duration();
  private final Duration computeOutput = new Duration();
  private final LongAdder inferences = new LongAdder();
  private final LongAdder executions = new LongAdder();
  private final AtomicLong lastInferenceMillis = new AtomicLong();
  private final Map<Integer, Duration[]> perBatchSize = new ConcurrentHashMap<>();

  /** Statistics of model {@code name} version {@code version}, all zero. */
  public ModelStats(String name, long version) {
    this.name = name;
    this.version = version;
  }

  private static final class Duration {
    final LongAdder count = new LongAdder();
    final LongAdder nanos = new LongAdder();

    void add(long times, long ns) {
      count.add(times);
      nanos.add(ns);
    }

    StatisticDuration proto() {
      return StatisticDuration.newBuilder().setCount(count.sum()).setNs(nanos.sum()).build();
    }
  }

  /** A batch ran. */
  public void batch(BatchTiming t) {
    executions.increment();
    long waited = 0;
    for (long q : t.queueNanos()) {
      waited += q;
    }
    queue.add(t.requests(), waited);
    computeInput.add(t.requests(), t.inputNanos() * t.requests());
    computeInfer.add(t.requests(), t.inferNanos() * t.requests());
    computeOutput.add(t.requests(), t.outputNanos() * t.requests());
    Duration[] size = perBatchSize.computeIfAbsent(t.rows(),
        k -> new Duration[] {new Duration(), new Duration(), new Duration()});
    size[0].add(1, t.inputNanos());
    size[1].add(1, t.inferNanos());
    size[2].add(1, t.outputNanos());
  }

  /** A request of {@code rows} rows was answered after {@code nanos}. */
  public void succeeded(int rows, long nanos) {
    success.add(1, nanos);
    inferences.add(rows);
    lastInferenceMillis.set(System.currentTimeMillis());
  }

  /** A request failed after {@code nanos}. */
  public void failed(long nanos) {
    fail.add(1, nanos);
  }

  /** The statistics now, as Triton's {@code ModelStatistics} message. */
  public ModelStatistics snapshot() {
    ModelStatistics.Builder b = ModelStatistics.newBuilder()
        .setName(name)
        .setVersion(Long.toString(version))
        .setLastInference(lastInferenceMillis.get())
        .setInferenceCount(inferences.sum())
        .setExecutionCount(executions.sum())
        .setInferenceStats(InferStatistics.newBuilder()
            .setSuccess(success.proto())
            .setFail(fail.proto())
            .setQueue(queue.proto())
            .setComputeInput(computeInput.proto())
            .setComputeInfer(computeInfer.proto())
            .setComputeOutput(computeOutput.proto())
            .setCacheHit(StatisticDuration.getDefaultInstance())
            .setCacheMiss(StatisticDuration.getDefaultInstance()));
    new TreeMap<>(perBatchSize).forEach((size, d) -> b.addBatchStats(
        InferBatchStatistics.newBuilder().setBatchSize(size)
            .setComputeInput(d[0].proto()).setComputeInfer(d[1].proto())
            .setComputeOutput(d[2].proto())));
    return b.build();
  }
}
