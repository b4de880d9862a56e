package io.kebridge.serve.bench;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.kebridge.serve.grpc.proto.GRPCInferenceServiceGrpc;
import io.kebridge.serve.grpc.proto.InferTensorContents;
import io.kebridge.serve.grpc.proto.ModelInferRequest;
import io.kebridge.serve.grpc.proto.ModelStatisticsRequest;
import io.kebridge.serve.grpc.proto.ServerReadyRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's request over gRPC: one plaintext channel (HTTP/2, calls multiplexed) shared by
 * every client thread, as a Triton client process has, with inputs as {@code raw_input_contents}
 * or typed {@code fp32_contents}.
 */
public final class GrpcLoad implements LoadClient {
  private final ManagedChannel channel;
  private final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
  private final ModelInferRequest request;

  /** Sends {@code request} to {@code target} ({@code host:port}) with the bearer {@code token}. */
  public GrpcLoad(String target, ModelInferRequest request, String token) {
    this.channel = NettyChannelBuilder.forTarget(target).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub s =
        GRPCInferenceServiceGrpc.newBlockingStub(channel);
    if (token != null) {
      Metadata m = new Metadata();
      m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
      s = s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }
    this.stub = s;
    this.request = request;
  }

  /**
   * A request for one input of {@code shape} (batch first) with reproducible random values, as
   * raw little-endian bytes when {@code raw}, else as {@code fp32_contents}.
   */
  public static ModelInferRequest request(String model, Long version, String input, long[] shape,
      boolean raw, long seed) {
    long n = 1;
    ModelInferRequest.InferInputTensor.Builder in = ModelInferRequest.InferInputTensor.newBuilder()
        .setName(input).setDatatype("FP32");
    for (long d : shape) {
      n *= d;
      in.addShape(d);
    }
    SplittableRandom r = new SplittableRandom(seed);
    float[] values = new float[Math.toIntExact(n)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (r.nextDouble() * 2 - 1);
    }
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(model)
        .setModelVersion(version == null ? "" : Long.toString(version));
    if (raw) {
      ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      bytes.asFloatBuffer().put(values);
      b.addInputs(in).addRawInputContents(UnsafeByteOperations.unsafeWrap(bytes.array()));
    } else {
      InferTensorContents.Builder c = InferTensorContents.newBuilder();
      for (float v : values) {
        c.addFp32Contents(v);
      }
      b.addInputs(in.setContents(c));
    }
    return b.build();
  }

  @Override
  public String send() {
    try {
      stub.withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(request);
      return null;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + " " + e.getStatus().getDescription();
    }
  }

  @Override
  public long serverSuccessNanos() {
    try {
      long ns = 0;
      for (var m : stub.withDeadlineAfter(10, TimeUnit.SECONDS).modelStatistics(
          ModelStatisticsRequest.newBuilder().setName(request.getModelName())
              .setVersion(request.getModelVersion()).build()).getModelStatsList()) {
        ns += m.getInferenceStats().getSuccess().getNs();
      }
      return ns;
    } catch (StatusRuntimeException e) {
      return -1;
    }
  }

  @Override
  public String probe() {
    try {
      return stub.withDeadlineAfter(10, TimeUnit.SECONDS)
          .serverReady(ServerReadyRequest.getDefaultInstance()).getReady() ? null : "not ready";
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + " " + e.getStatus().getDescription();
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
