package io.kebridge.serve.inference;

import static io.kebridge.serve.ServeException.clip;

import io.kebridge.serve.ServeException;
import io.kebridge.serve.batching.BatchRequest;
import io.kebridge.serve.batching.BatchResult;
import io.kebridge.serve.protocol.Datatype;
import io.kebridge.serve.protocol.EncodedBody;
import io.kebridge.serve.protocol.InferRequest;
import io.kebridge.serve.protocol.InferResponseWriter;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Answers inference requests: holds the model version for the request's lifetime, checks the
 * request against the model's inputs (names, datatypes, shapes, sizes) before anything reaches
 * ONNX Runtime, queues it on the version's batcher and encodes the answer.
 */
public final class InferenceService {
  private final ModelRepository repository;
  private final Duration timeout;

  /** A service over {@code repository} whose requests wait at most {@code timeout}. */
  public InferenceService(ModelRepository repository, Duration timeout) {
    this.repository = repository;
    this.timeout = timeout;
  }

  /** The repository requests are served from. */
  public ModelRepository repository() {
    return repository;
  }

  /** Runs a V2 request on model {@code name} ({@code version}, or the latest) and encodes it. */
  public EncodedBody infer(String name, Optional<Long> version, InferRequest request) {
    try (ModelHandle handle = repository.acquire(name, version)) {
      ModelSession model = handle.model().session();
      List<float[]> data = new ArrayList<>();
      List<long[]> shapes = new ArrayList<>();
      order(model, request, data, shapes);
      List<RequestedOutput> wanted = outputs(model, request);
      BatchResult result = run(handle.model(), data, shapes);
      List<OutputTensor> outputs = new ArrayList<>();
      for (RequestedOutput o : wanted) {
        int index = indexOfOutput(model, o.name());
        outputs.add(new OutputTensor(o.name(), result.shapes().get(index),
            result.outputs().get(index), o.binary()));
      }
      return InferResponseWriter.write(model.name(), model.version(), request.id(), outputs);
    }
  }

  /** Queues checked inputs on {@code model}'s batcher and waits for the outputs. */
  public BatchResult run(ServedModel model, List<float[]> data, List<long[]> shapes) {
    BatchRequest queued = model.batcher().submit(new BatchRequest(data, shapes));
    try {
      return queued.result().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw ServeException.unavailable("model " + model.session().name()
          + " did not answer within " + timeout.toMillis() + " ms; retry later", 1);
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

  /** Puts the request's inputs into the model's input order, checking each. */
  private static void order(ModelSession model, InferRequest request, List<float[]> data,
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
          + (in.binaryDataSize() >= 0 ? "binary_data_size gives " : "data holds ")
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
      wanted.add(new RequestedOutput(o.name(), o.binary() || request.binaryOutputs()));
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
