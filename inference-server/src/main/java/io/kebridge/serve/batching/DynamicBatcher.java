package io.kebridge.serve.batching;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.session.ModelSession;
import io.kebridge.serve.session.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges the requests for one model version into ONNX Runtime runs. Requests wait in a bounded
 * queue (full means "overloaded" at once rather than unbounded latency); a worker takes the first,
 * waits up to the queue delay for more until the batch has {@code maxBatchSize} rows, stacks their
 * rows in its own reusable direct native-order buffers (zero-copy for ONNX Runtime), runs the
 * shared session once and hands every request its own rows of each output.
 *
 * <p>The wait is skipped when no other request is on its way: the protocol layers {@linkplain
 * Arrivals announce} each request while it is read and parsed, and a batch that finds the queue
 * empty and nothing announced runs at once. A lone client then pays no queue delay, while
 * concurrent clients, whose requests are announced while a batch forms, still share runs.
 */
public final class DynamicBatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);
  private static final long IDLE_POLL_MS = 100;
  private static final long WAIT_SLICE_NANOS = 250_000;

  private final ModelSession model;
  private final BatchingSettings settings;
  private final BatchObserver observer;
  private final Arrivals own = new Arrivals();
  private final Arrivals shared;
  private final BlockingQueue<BatchRequest> queue;
  private final List<Thread> workers = new ArrayList<>();
  private final Set<String> outputNames;
  private volatile boolean closing;

  /**
   * Starts the worker threads for {@code model}; {@code shared} are the server-wide arrivals that
   * a forming batch also waits for.
   */
  public DynamicBatcher(ModelSession model, BatchingSettings settings, BatchObserver observer,
      Arrivals shared) {
    this.model = model;
    this.settings = settings;
    this.observer = observer;
    this.shared = shared;
    this.queue = new ArrayBlockingQueue<>(settings.maxQueueSize());
    this.outputNames = new LinkedHashSet<>();
    model.outputs().forEach(o -> outputNames.add(o.name()));
    for (int i = 0; i < settings.workers(); i++) {
      Thread t = new Thread(new Worker(), "batcher-" + model.name() + "-v" + model.version()
          + "-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  /**
   * Queues a request whose inputs were already checked against the model. Throws an "overloaded"
   * {@link ServeException} when the queue is full, "unavailable" when the batcher is closing.
   */
  public BatchRequest submit(BatchRequest request) {
    if (closing) {
      throw ServeException.unavailable("model " + model.name() + " version " + model.version()
          + " is being unloaded; retry", 1);
    }
    if (!queue.offer(request)) {
      throw ServeException.overloaded("model " + model.name() + " is overloaded: "
          + settings.maxQueueSize() + " requests queued; retry later", 1);
    }
    return request;
  }

  /**
   * Announces a request for this model that is still being read: until the returned token is
   * closed, a forming batch waits (up to the queue delay) for it.
   */
  public Arrivals.Arrival announce() {
    return own.announce();
  }

  /** Requests waiting for a batch now. */
  public int queueDepth() {
    return queue.size();
  }

  /** The batching settings. */
  public BatchingSettings settings() {
    return settings;
  }

  /**
   * Stops the workers after the queued requests have run (the repository closes a batcher only
   * when no request holds its model any more, so normally none are left).
   */
  @Override
  public void close() {
    closing = true;
    for (Thread t : workers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (BatchRequest r; (r = queue.poll()) != null; ) {
      r.result().completeExceptionally(ServeException.unavailable("model " + model.name()
          + " was unloaded; retry", 1));
    }
  }

  private boolean onTheirWay() {
    return own.pending() > 0 || shared.pending() > 0;
  }

  /** One batch-running thread with its own input buffers. */
  private final class Worker implements Runnable {
    private final FloatBuffer[] buffers = new FloatBuffer[model.inputs().size()];
    private BatchRequest carry;

    @Override
    public void run() {
      while (true) {
        List<BatchRequest> batch;
        try {
          batch = collect();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (batch == null) {
          if (closing && queue.isEmpty() && carry == null) {
            return;
          }
          continue;
        }
        execute(batch);
      }
    }

    /** The next request, refusing those that waited past the queue timeout. */
    private BatchRequest next(long waitNanos) throws InterruptedException {
      while (true) {
        BatchRequest r = waitNanos <= 0 ? queue.poll()
            : queue.poll(waitNanos, TimeUnit.NANOSECONDS);
        if (r == null || !expired(r)) {
          return r;
        }
        r.result().completeExceptionally(ServeException.timeout("request waited more than "
            + settings.queueTimeout().toMillis() + " ms in the queue of model " + model.name()
            + " (default_queue_policy); retry later"));
      }
    }

    private boolean expired(BatchRequest r) {
      long limit = settings.queueTimeout().toNanos();
      return limit > 0 && System.nanoTime() - r.enqueuedNanos() > limit;
    }

    private List<BatchRequest> collect() throws InterruptedException {
      BatchRequest first = carry;
      carry = null;
      if (first == null) {
        first = next(TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MS));
      }
      if (first == null) {
        return null;
      }
      List<BatchRequest> batch = new ArrayList<>();
      batch.add(first);
      if (!model.batchable() || !settings.merge()) {
        return batch;
      }
      int rows = first.rows();
      long deadline = first.enqueuedNanos() + settings.maxQueueDelay().toNanos();
      while (rows < settings.maxBatchSize()) {
        if (settings.preferredBatchSizes().contains(rows) && queue.isEmpty()) {
          break; // a preferred size with nothing else queued: run it now
        }
        BatchRequest next = next(0);
        if (next == null) {
          if (!onTheirWay()) {
            break; // nothing is on its way: waiting would only add latency
          }
          long wait = deadline - System.nanoTime();
          if (wait <= 0) {
            break;
          }
          // In slices, so that an announced request that fails before it is submitted does not
          // hold the batch for the whole delay.
          next = next(Math.min(wait, WAIT_SLICE_NANOS));
          if (next == null) {
            continue;
          }
        }
        if (rows + next.rows() > settings.maxBatchSize()) {
          carry = next;
          break;
        }
        batch.add(next);
        rows += next.rows();
      }
      return batch;
    }

    private void execute(List<BatchRequest> batch) {
      try {
        List<BatchResult> results = run(batch);
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).result().complete(results.get(i));
        }
      } catch (OrtException | RuntimeException e) {
        LOG.error("model {} version {}: batch of {} requests failed: {}", model.name(),
            model.version(), batch.size(), e.getMessage(), e);
        ServeException failure = e instanceof ServeException se ? se
            : ServeException.internal("inference failed in ONNX Runtime: " + e.getMessage(), e);
        batch.forEach(r -> r.result().completeExceptionally(failure));
      }
    }

    private List<BatchResult> run(List<BatchRequest> batch) throws OrtException {
      long start = System.nanoTime();
      long[] waited = new long[batch.size()];
      for (int i = 0; i < waited.length; i++) {
        waited[i] = start - batch.get(i).enqueuedNanos();
      }
      int rows = batch.stream().mapToInt(BatchRequest::rows).sum();
      List<TensorSpec> inputs = model.inputs();
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      try (Feeds feeds = new Feeds()) {
        for (int i = 0; i < inputs.size(); i++) {
          long[] shape = batch.get(0).shape(i).clone();
          if (shape.length > 0) {
            shape[0] = rows;
          }
          long elements = 1;
          for (long d : shape) {
            elements *= d;
          }
          FloatBuffer buf = buffer(i, (int) elements);
          for (BatchRequest r : batch) {
            buf.put(r.input(i));
          }
          buf.flip();
          feeds.put(inputs.get(i).name(), OnnxTensor.createTensor(env, buf, shape));
        }
        long ran = System.nanoTime();
        try (OrtSession.Result result = model.run(feeds.map(), outputNames)) {
          long inferred = System.nanoTime();
          List<BatchResult> results = split(batch, rows, result);
          long done = System.nanoTime();
          if (!batch.get(0).warmup()) {
            observer.batchRan(model.name(), model.version(), new BatchTiming(rows, batch.size(),
                waited, ran - start, inferred - ran, done - inferred));
          }
          return results;
        }
      }
    }

    private List<BatchResult> split(List<BatchRequest> batch, int rows, OrtSession.Result result)
        throws OrtException {
      List<List<float[]>> outs = new ArrayList<>();
      List<List<long[]>> shapes = new ArrayList<>();
      for (int r = 0; r < batch.size(); r++) {
        outs.add(new ArrayList<>());
        shapes.add(new ArrayList<>());
      }
      for (String name : outputNames) {
        OnnxValue value = result.get(name).orElseThrow(
            () -> new IllegalStateException("ONNX Runtime returned no output " + name));
        if (!(value instanceof OnnxTensor tensor)) {
          throw new IllegalStateException("output " + name + " is not a tensor");
        }
        long[] shape = tensor.getInfo().getShape();
        FloatBuffer data = tensor.getFloatBuffer();
        int rowElements = rows == 0 ? 0 : (int) (data.remaining() / Math.max(shape[0], 1));
        boolean perRow = shape.length > 0 && shape[0] == rows;
        for (int r = 0; r < batch.size(); r++) {
          BatchRequest req = batch.get(r);
          long[] own = shape.clone();
          float[] part;
          if (perRow && model.batchable()) {
            own[0] = req.rows();
            part = new float[req.rows() * rowElements];
            data.get(part);
          } else {
            part = new float[data.remaining()];
            data.duplicate().get(part);
          }
          outs.get(r).add(part);
          shapes.get(r).add(own);
        }
      }
      List<BatchResult> results = new ArrayList<>();
      for (int r = 0; r < batch.size(); r++) {
        results.add(new BatchResult(outs.get(r), shapes.get(r), rows));
      }
      return results;
    }

    private FloatBuffer buffer(int input, int elements) {
      FloatBuffer b = buffers[input];
      if (b == null || b.capacity() < elements) {
        int capacity = Math.max(elements,
            (int) Math.min(Integer.MAX_VALUE / 4,
                settings.maxBatchSize() * model.inputs().get(input).rowElements()));
        // Direct and in native order: ONNX Runtime then reads it in place, without a copy.
        b = ByteBuffer.allocateDirect(capacity * Float.BYTES).order(ByteOrder.nativeOrder())
            .asFloatBuffer();
        buffers[input] = b;
      }
      b.clear();
      b.limit(elements);
      return b;
    }
  }

  /** The input tensors of one run, closed together. */
  private static final class Feeds implements AutoCloseable {
    private final Map<String, OnnxTensor> map = new LinkedHashMap<>();

    void put(String name, OnnxTensor t) {
      map.put(name, t);
    }

    Map<String, OnnxTensor> map() {
      return map;
    }

    @Override
    public void close() {
      map.values().forEach(OnnxTensor::close);
    }
  }
}
