package io.kebridge.serve.warmup;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kebridge.serve.grpc.proto.GRPCInferenceServiceGrpc;
import io.kebridge.serve.grpc.proto.InferParameter;
import io.kebridge.serve.grpc.proto.InferTensorContents;
import io.kebridge.serve.grpc.proto.ModelInferRequest;
import io.kebridge.serve.protocol.InferRequest;
import io.kebridge.serve.repository.ServedModel;
import io.kebridge.serve.session.TensorSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before the server reports ready, sends each served model a few batch-1 requests through the
 * server's own ports, the way clients will: REST with JSON and with binary tensors, gRPC with
 * typed contents and with raw contents. A fresh JVM loads, links and interprets every class of
 * those paths on first use (Jetty, Jackson, Netty, protobuf, the codecs); doing that here keeps
 * the first client's request from paying for it. The requests carry the {@code ke_warmup}
 * parameter and are left out of metrics and statistics. Failures are logged, never fatal.
 */
public final class ServingPathWarmup {
  private static final Logger LOG = LoggerFactory.getLogger(ServingPathWarmup.class);

  private ServingPathWarmup() {}

  /**
   * Runs {@code requests} requests per path for each model; {@code grpcPort} 0 skips gRPC.
   * Returns how many were answered.
   *
   * @param host the address the server listens on (a wildcard is reached through loopback)
   */
  public static int run(Collection<ServedModel> models, String host, int httpPort, int grpcPort,
      String token, int requests) {
    if (requests <= 0 || models.isEmpty()) {
      return 0;
    }
    long t0 = System.nanoTime();
    String target = host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")
        ? "127.0.0.1" : host;
    String hostPart = target.contains(":") ? "[" + target + "]" : target;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    ManagedChannel channel = grpcPort > 0
        ? NettyChannelBuilder.forAddress(target, grpcPort).usePlaintext().build() : null;
    int sent = 0;
    try {
      GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = null;
      if (channel != null) {
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        if (token != null) {
          Metadata m = new Metadata();
          m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
              "Bearer " + token);
          stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
        }
      }
      for (ServedModel model : models) {
        Sample s = sample(model);
        if (s == null) {
          continue;
        }
        URI uri = URI.create("http://" + hostPart + ":" + httpPort + "/v2/models/"
            + model.session().name() + "/versions/" + model.session().version() + "/infer");
        for (int i = 0; i < requests; i++) {
          sent += rest(http, uri, token, s.json, -1);
          sent += rest(http, uri, token, s.binary, s.binaryJsonLength);
          if (stub != null) {
            sent += grpc(stub, s.typed);
            sent += grpc(stub, s.raw);
          }
        }
      }
    } finally {
      if (channel != null) {
        channel.shutdownNow();
        try {
          channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    LOG.info("warmed up the serving paths with {} request(s) in {} ms", sent,
        (System.nanoTime() - t0) / 1_000_000);
    return sent;
  }

  /** One model's batch-1 request in the four encodings. */
  private record Sample(byte[] json, byte[] binary, int binaryJsonLength,
      ModelInferRequest typed, ModelInferRequest raw) {}

  private static Sample sample(ServedModel model) {
    List<TensorSpec> inputs = model.session().inputs();
    SplittableRandom r = new SplittableRandom(7);
    StringBuilder json = new StringBuilder("{\"parameters\":{\"" + InferRequest.WARMUP_PARAMETER
        + "\":true},\"inputs\":[");
    StringBuilder header = new StringBuilder("{\"parameters\":{\"" + InferRequest.WARMUP_PARAMETER
        + "\":true,\"binary_data_output\":true},\"inputs\":[");
    List<float[]> data = new ArrayList<>();
    ModelInferRequest.Builder typed = ModelInferRequest.newBuilder()
        .setModelName(model.session().name())
        .setModelVersion(Long.toString(model.session().version()))
        .putParameters(InferRequest.WARMUP_PARAMETER,
            InferParameter.newBuilder().setBoolParam(true).build());
    ModelInferRequest.Builder raw = typed.clone();
    for (int i = 0; i < inputs.size(); i++) {
      TensorSpec t = inputs.get(i);
      long[] shape = t.shape();
      long n = 1;
      for (int d = 0; d < shape.length; d++) {
        shape[d] = d == 0 && t.batched() ? 1 : Math.max(shape[d], 1);
        n *= shape[d];
      }
      if (n > 4_000_000) {
        return null;
      }
      float[] v = new float[(int) n];
      for (int k = 0; k < v.length; k++) {
        v[k] = (float) (r.nextDouble() * 2 - 1);
      }
      data.add(v);
      String dims = java.util.Arrays.toString(shape).replace(" ", "");
      String sep = i == 0 ? "" : ",";
      json.append(sep).append("{\"name\":\"").append(t.name()).append("\",\"datatype\":\"FP32\","
          + "\"shape\":").append(dims).append(",\"data\":[");
      for (int k = 0; k < v.length; k++) {
        json.append(k == 0 ? "" : ",").append(v[k]);
      }
      json.append("]}");
      header.append(sep).append("{\"name\":\"").append(t.name()).append("\",\"datatype\":\"FP32\","
          + "\"shape\":").append(dims).append(",\"parameters\":{\"binary_data_size\":")
          .append(v.length * 4L).append("}}");
      ModelInferRequest.InferInputTensor.Builder in = ModelInferRequest.InferInputTensor
          .newBuilder().setName(t.name()).setDatatype("FP32");
      for (long d : shape) {
        in.addShape(d);
      }
      InferTensorContents.Builder contents = InferTensorContents.newBuilder();
      for (float x : v) {
        contents.addFp32Contents(x);
      }
      typed.addInputs(in.clone().setContents(contents));
      raw.addInputs(in);
      ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(v);
      raw.addRawInputContents(UnsafeByteOperations.unsafeWrap(b.array()));
    }
    json.append("]}");
    header.append("]}");
    byte[] head = header.toString().getBytes(StandardCharsets.UTF_8);
    int total = head.length + data.stream().mapToInt(v -> v.length * 4).sum();
    ByteBuffer binary = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    binary.put(head);
    data.forEach(v -> {
      for (float x : v) {
        binary.putFloat(x);
      }
    });
    return new Sample(json.toString().getBytes(StandardCharsets.UTF_8), binary.array(),
        head.length, typed.build(), raw.build());
  }

  private static int rest(HttpClient http, URI uri, String token, byte[] body, int jsonLength) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (jsonLength >= 0) {
      b.header("Inference-Header-Content-Length", Integer.toString(jsonLength));
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        LOG.warn("warm-up request to {} answered {}: {}", uri, r.statusCode(),
            new String(r.body(), 0, Math.min(200, r.body().length), StandardCharsets.UTF_8));
        return 0;
      }
      return 1;
    } catch (IOException e) {
      LOG.warn("warm-up request to {} failed: {}", uri, e.toString());
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private static int grpc(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub,
      ModelInferRequest request) {
    try {
      stub.withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(request);
      return 1;
    } catch (RuntimeException e) {
      LOG.warn("gRPC warm-up request to {} failed: {}", request.getModelName(), e.toString());
      return 0;
    }
  }
}
