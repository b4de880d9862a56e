package io.kebridge.serve.inference;

import static io.kebridge.serve.ServeException.clip;

import io.kebridge.serve.ServeException;
import io.kebridge.serve.batching.Arrivals;
import io.kebridge.serve.batching.BatchRequest;
import io.kebridge.serve.batching.BatchResult;
import io.kebridge.serve.protocol.Datatype;
import io.kebridge.serve.protocol.InferRequest;
import io.kebridge.serve.protocol.InferResult;
import io.kebridge.serve.protocol.InputTensor;
import io.kebridge.serve.protocol.OutputTensor;
import io.kebridge.serve.protocol.RequestedOutput;
import io.kebridge.serve.repository.ModelHandle;
import io.kebridge.serve.repository.ModelRepository;
import io.kebridge.serve.repository.ServedModel;
import io.kebridge.serve.session.ModelSession;
import io.kebridge.serve.session.TensorSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Answers inference requests for every protocol. {@link #open} holds the model version for the
 * request's whole life (one lookup, one reference) and announces the request to the version's
 * batcher while its body is still read; {@link Call#infer} checks the request against the model's
 * inputs (names, datatypes, shapes, sizes) before anything reaches ONNX Runtime, queues it, waits
 * for its rows and assembles the outputs asked for, classification included.
 */
public final class InferenceService {
  private final ModelRepository repository;
  private final Duration timeout;

  /** A service over {@code repository} whose requests wait at most {@code timeout}. */
  public InferenceService(ModelRepository repository, Duration timeout) {
    this.repository = repository;
    this.timeout = timeout;
  }

  /** Holds model {@code name} at {@code version} (or the latest) for one request. */
  public Call open(String name, Optional<Long> version) {
    ModelHandle handle = repository.acquire(name, version);
    return new Call(handle, handle.model().batcher().announce());
  }

  /** The served model version, for metadata (not held: the answer is read at once). */
  public ServedModel model(String name, Optional<Long> version) {
    return repository.find(name, version);
  }

  /** The versions served of {@code name}, highest last. */
  public List<Long> versions(String name) {
    return repository.versions(name);
  }

  /** One request's hold on its model version; close it when the answer is sent. */
  public final class Call implements AutoCloseable {
    private final ModelHandle handle;
    private final Arrivals.Arrival arrival;
    // From the moment the request is in (as gRPC hands it over): reading a REST body waits on the
    // client's upload, which is the client's time, not the server's.
    private long start = -1;

    private Call(ModelHandle handle, Arrivals.Arrival arrival) {
      this.handle = handle;
      this.arrival = arrival;
    }

    /** The model version held. */
    public ServedModel model() {
      return handle.model();
    }

    /** The request is read: a forming batch need not wait for it any longer. */
    public void received() {
      if (start < 0) {
        start = System.nanoTime();
      }
      arrival.close();
    }

    /** Runs a V2 request and assembles its outputs. */
    public InferResult infer(InferRequest request) {
      received();
      ServedModel served = handle.model();
      ModelSession model = served.session();
      try {
        List<float[]> data = new ArrayList<>();
        List<long[]> shapes = new ArrayList<>();
        int rows = order(model, request, data, shapes);
        List<RequestedOutput> wanted = outputs(model, request);
        BatchResult result = run(data, shapes, request.warmup());
        List<OutputTensor> outputs = new ArrayList<>();
        for (RequestedOutput o : wanted) {
          int index = indexOfOutput(model, o.name());
          long[] shape = result.shapes().get(index);
          float[] values = result.outputs().get(index);
          outputs.add(o.classification() > 0
              ? classify(served, o, shape, values)
              : OutputTensor.fp32(o.name(), shape, values, o.binary()));
        }
        if (!request.warmup()) {
          served.stats().succeeded(Math.max(rows, 1), System.nanoTime() - start);
        }
        return new InferResult(model.name(), model.version(), request.id(), outputs);
      } catch (RuntimeException e) {
        if (!request.warmup()) {
          served.stats().failed(System.nanoTime() - start);
        }
        throw e;
      }
    }

    /** Queues checked inputs on the model's batcher and waits for the outputs. */
    public BatchResult run(List<float[]> data, List<long[]> shapes, boolean warmup) {
      received();
      ServedModel served = handle.model();
      BatchRequest queued = served.batcher().submit(new BatchRequest(data, shapes, warmup));
      try {
        return queued.result().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw ServeException.timeout("model " + served.session().name()
            + " did not answer within " + timeout.toMillis() + " ms; retry later");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ServeException.unavailable("the server is shutting down", 1);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof ServeException se) {
          throw se;
        }
        throw ServeException.internal("inference failed: " + e.getCause(), e.getCause());
      }
    }

    @Override
    public void close() {
      arrival.close();
      handle.close();
    }
  }

  /**
   * Triton's classification extension: the top {@code K} classes of each row as {@code
   * score:index:label} strings (without {@code :label} when the output has no labels).
   */
  private static OutputTensor classify(ServedModel served, RequestedOutput o, long[] shape,
      float[] values) {
    boolean batched = served.session().output(o.name()).map(TensorSpec::batched).orElse(false);
    int rows = batched && shape.length > 0 ? (int) shape[0] : 1;
    int classes = rows == 0 ? 0 : values.length / rows;
    if (shape.length == 0 || classes == 0) {
      throw ServeException.badRequest("output '" + o.name() + "' has shape "
          + Arrays.toString(shape) + " and cannot be classified");
    }
    int k = Math.min(o.classification(), classes);
    List<String> labels = served.config().labels(o.name()).orElse(List.of());
    List<String> out = new ArrayList<>(rows * k);
    Integer[] order = new Integer[classes];
    for (int r = 0; r < rows; r++) {
      int base = r * classes;
      for (int i = 0; i < classes; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Float.compare(values[base + b], values[base + a]));
      for (int i = 0; i < k; i++) {
        int idx = order[i];
        String s = String.format(Locale.ROOT, "%f:%d", values[base + idx], idx);
        out.add(idx < labels.size() ? s + ":" + labels.get(idx) : s);
      }
    }
    long[] outShape = batched ? new long[] {rows, k} : new long[] {k};
    return OutputTensor.strings(o.name(), outShape, out, o.binary());
  }

  /** Puts the request's inputs into the model's input order, checking each; returns the rows. */
  private static int order(ModelSession model, InferRequest request, List<float[]> data,
      List<long[]> shapes) {
    Set<String> seen = new HashSet<>();
    for (InputTensor in : request.inputs()) {
      if (model.input(in.name()).isEmpty()) {
        throw ServeException.badRequest("unknown input '" + clip(in.name()) + "' for model "
            + model.name() + ", expected " + names(model.inputs()));
      }
      if (!seen.add(in.name())) {
        throw ServeException.badRequest("input '" + in.name() + "' is given twice");
      }
    }
    long rows = -1;
    for (TensorSpec spec : model.inputs()) {
      InputTensor in = request.inputs().stream().filter(i -> i.name().equals(spec.name()))
          .findFirst().orElseThrow(() -> ServeException.badRequest("missing input '"
              + spec.name() + "' of model " + model.name() + " (shape "
              + Arrays.toString(spec.shape()) + ", FP32)"));
      check(spec, in);
      long r = spec.batched() ? in.shape()[0] : -1;
      if (rows >= 0 && r != rows) {
        throw ServeException.badRequest("inputs disagree on the batch size: " + rows + " and "
            + r);
      }
      rows = r;
      data.add(in.data());
      shapes.add(in.shape());
    }
    return (int) Math.max(rows, 1);
  }

  /** Checks one input's datatype, shape and data size against the model's. */
  static void check(TensorSpec spec, InputTensor in) {
    Optional<Datatype> type = Datatype.of(in.datatype());
    if (type.isEmpty()) {
      throw ServeException.badRequest("input '" + in.name() + "': unknown datatype '"
          + clip(in.datatype()) + "', expected FP32");
    }
    if (type.get() != spec.datatype()) {
      throw ServeException.badRequest("input '" + in.name() + "' is " + spec.datatype()
          + " but the request says " + type.get());
    }
    long[] want = spec.shape();
    long[] got = in.shape();
    if (got.length != want.length) {
      throw ServeException.badRequest("input '" + in.name() + "' has shape "
          + Arrays.toString(got) + " but the model expects " + Arrays.toString(want)
          + " (-1 = any batch size)");
    }
    for (int i = 0; i < want.length; i++) {
      boolean ok = want[i] < 0 ? got[i] >= 1 : got[i] == want[i];
      if (!ok) {
        throw ServeException.badRequest("input '" + in.name() + "' has shape "
            + Arrays.toString(got) + " but the model expects " + Arrays.toString(want)
            + " (-1 = any batch size of at least 1)");
      }
    }
    long elements;
    try {
      elements = 1;
      for (long d : got) {
        elements = Math.multiplyExact(elements, d);
      }
    } catch (ArithmeticException e) {
      throw ServeException.badRequest("input '" + in.name() + "' has an impossibly large shape "
          + Arrays.toString(got));
    }
    if (elements != in.data().length) {
      throw ServeException.badRequest("input '" + in.name() + "' has shape "
          + Arrays.toString(got) + ", which needs " + elements + " values, but "
          + (in.binaryDataSize() >= 0 ? "its binary data gives " : "data holds ")
          + in.data().length);
    }
  }

  private static List<RequestedOutput> outputs(ModelSession model, InferRequest request) {
    if (request.outputs().isEmpty()) {
      return model.outputs().stream()
          .map(o -> new RequestedOutput(o.name(), request.binaryOutputs())).toList();
    }
    List<RequestedOutput> wanted = new ArrayList<>();
    for (RequestedOutput o : request.outputs()) {
      if (model.output(o.name()).isEmpty()) {
        throw ServeException.badRequest("unknown output '" + clip(o.name()) + "' for model "
            + model.name() + ", expected " + names(model.outputs()));
      }
      wanted.add(new RequestedOutput(o.name(), o.binary() || request.binaryOutputs(),
          o.classification()));
    }
    return wanted;
  }

  private static int indexOfOutput(ModelSession model, String name) {
    for (int i = 0; i < model.outputs().size(); i++) {
      if (model.outputs().get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException("no output " + name);
  }

  private static List<String> names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).toList();
  }
}
