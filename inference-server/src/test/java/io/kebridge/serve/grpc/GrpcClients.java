package io.kebridge.serve.grpc;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.kebridge.serve.grpc.proto.GRPCInferenceServiceGrpc;
import io.kebridge.serve.grpc.proto.InferTensorContents;
import io.kebridge.serve.grpc.proto.ModelInferRequest;
import io.kebridge.serve.grpc.proto.ModelInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/** Generated-stub clients and request builders for the gRPC tests. */
final class GrpcClients {
  private GrpcClients() {}

  static ManagedChannel channel(String target) {
    return NettyChannelBuilder.forTarget(target).usePlaintext().build();
  }

  static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(ManagedChannel channel,
      String token) {
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub s =
        GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    if (token != null) {
      Metadata m = new Metadata();
      m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), token);
      s = s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }
    return s;
  }

  static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
  }

  static ModelInferRequest.InferInputTensor.Builder input(int rows) {
    return ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
        .addShape(rows).addShape(1).addShape(8).addShape(8);
  }

  /** {@code images} as typed fp32_contents. */
  static ModelInferRequest.Builder typed(String model, float[][] images) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (float[] im : images) {
      for (float v : im) {
        c.addFp32Contents(v);
      }
    }
    return ModelInferRequest.newBuilder().setModelName(model)
        .addInputs(input(images.length).setContents(c));
  }

  /** {@code images} as raw_input_contents. */
  static ModelInferRequest.Builder raw(String model, float[][] images) {
    ByteBuffer b = ByteBuffer.allocate(images.length * images[0].length * 4)
        .order(ByteOrder.LITTLE_ENDIAN);
    for (float[] im : images) {
      for (float v : im) {
        b.putFloat(v);
      }
    }
    return ModelInferRequest.newBuilder().setModelName(model).addInputs(input(images.length))
        .addRawInputContents(ByteString.copyFrom(b.array()));
  }

  /** Output {@code name} of a response as rows of {@code classes} FP32 values. */
  static float[][] rows(ModelInferResponse r, String name, int classes) {
    for (int i = 0; i < r.getOutputsCount(); i++) {
      if (r.getOutputs(i).getName().equals(name)) {
        ByteBuffer b = r.getRawOutputContents(i).asReadOnlyByteBuffer()
            .order(ByteOrder.LITTLE_ENDIAN);
        float[][] out = new float[b.remaining() / 4 / classes][classes];
        for (float[] row : out) {
          for (int j = 0; j < classes; j++) {
            row[j] = b.getFloat();
          }
        }
        return out;
      }
    }
    throw new AssertionError("no output " + name + " in " + r);
  }

  /** A BYTES output of a response: each element after its 4-byte little-endian length. */
  static java.util.List<String> strings(ModelInferResponse r, int output) {
    ByteBuffer b = r.getRawOutputContents(output).asReadOnlyByteBuffer()
        .order(ByteOrder.LITTLE_ENDIAN);
    java.util.List<String> out = new java.util.ArrayList<>();
    while (b.hasRemaining()) {
      byte[] s = new byte[b.getInt()];
      b.get(s);
      out.add(new String(s, java.nio.charset.StandardCharsets.UTF_8));
    }
    return out;
  }
}
