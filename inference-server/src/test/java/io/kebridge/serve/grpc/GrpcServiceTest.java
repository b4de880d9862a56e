package io.kebridge.serve.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kebridge.modelconfig.proto.DataType;
import io.kebridge.modelconfig.proto.ModelConfig;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestModels;
import io.kebridge.serve.grpc.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.kebridge.serve.grpc.proto.InferParameter;
import io.kebridge.serve.grpc.proto.InferTensorContents;
import io.kebridge.serve.grpc.proto.ModelConfigRequest;
import io.kebridge.serve.grpc.proto.ModelInferRequest;
import io.kebridge.serve.grpc.proto.ModelInferResponse;
import io.kebridge.serve.grpc.proto.ModelMetadataRequest;
import io.kebridge.serve.grpc.proto.ModelMetadataResponse;
import io.kebridge.serve.grpc.proto.ModelReadyRequest;
import io.kebridge.serve.grpc.proto.ModelStatistics;
import io.kebridge.serve.grpc.proto.ModelStatisticsRequest;
import io.kebridge.serve.grpc.proto.RepositoryIndexRequest;
import io.kebridge.serve.grpc.proto.RepositoryIndexResponse;
import io.kebridge.serve.grpc.proto.RepositoryModelLoadRequest;
import io.kebridge.serve.grpc.proto.ServerLiveRequest;
import io.kebridge.serve.grpc.proto.ServerMetadataRequest;
import io.kebridge.serve.grpc.proto.ServerMetadataResponse;
import io.kebridge.serve.grpc.proto.ServerReadyRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every RPC of GRPCInferenceService through the generated client stubs, over a real Netty channel,
 * against a server serving two versions of an exported model; answers are compared with ONNX
 * Runtime run directly on the files.
 */
class GrpcServiceTest {
  @TempDir static Path repo;
  static Path v1;
  static Path v2;
  static InferenceServer server;
  static ManagedChannel channel;
  static GRPCInferenceServiceBlockingStub stub;

  @BeforeAll
  static void start() {
    v1 = TestModels.write(repo, "digits", 1, 11);
    v2 = TestModels.write(repo, "digits", 2, 22);
    server = InferenceServer.start(TestModels.config(repo).maxRequestBytes(64 * 1024).build());
    channel = GrpcClients.channel(server.grpcTarget());
    stub = GrpcClients.stub(channel, null);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    GrpcClients.close(channel);
    server.close();
  }

  static void assertClose(float[][] expected, float[][] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      for (int j = 0; j < expected[i].length; j++) {
        assertEquals(expected[i][j], actual[i][j], 1e-4 * Math.max(1, Math.abs(expected[i][j])),
            "row " + i + " class " + j);
      }
    }
  }

  static Status.Code code(Executable call) {
    return assertThrows(StatusRuntimeException.class, call).getStatus().getCode();
  }

  @Test
  void healthAndMetadataRpcsAnswer() {
    assertTrue(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
    assertTrue(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
    assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName("digits").build())
        .getReady());
    assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName("digits").setVersion("1")
        .build()).getReady());
    ServerMetadataResponse server = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
    assertEquals("ke-bridge", server.getName());
    assertTrue(server.getExtensionsList().containsAll(List.of("binary_tensor_data",
        "classification", "model_configuration", "model_repository", "statistics")));
    ModelMetadataResponse meta = stub.modelMetadata(ModelMetadataRequest.newBuilder()
        .setName("digits").build());
    assertEquals(List.of("1", "2"), meta.getVersionsList());
    assertEquals("onnx_onnxv1", meta.getPlatform());
    assertEquals("input", meta.getInputs(0).getName());
    assertEquals("FP32", meta.getInputs(0).getDatatype());
    assertEquals(List.of(-1L, 1L, 8L, 8L), meta.getInputs(0).getShapeList());
    assertEquals(List.of("logits", "probs"),
        meta.getOutputsList().stream().map(ModelMetadataResponse.TensorMetadata::getName)
            .toList());
  }

  @Test
  void typedAndRawContentsGiveOnnxRuntimesAnswerWithTheIdEchoed() {
    float[][] images = TestModels.images(3, 5);
    float[][] expected = TestModels.logits(v1, images);
    ModelInferResponse typed = stub.modelInfer(GrpcClients.typed("digits", images)
        .setModelVersion("1").setId("req-7").build());
    assertEquals("digits", typed.getModelName());
    assertEquals("1", typed.getModelVersion());
    assertEquals("req-7", typed.getId());
    assertEquals(List.of(3L, 10L), typed.getOutputs(0).getShapeList());
    assertEquals("FP32", typed.getOutputs(0).getDatatype());
    assertEquals(typed.getOutputsCount(), typed.getRawOutputContentsCount());
    assertClose(expected, GrpcClients.rows(typed, "logits", 10));
    ModelInferResponse raw = stub.modelInfer(GrpcClients.raw("digits", images)
        .setModelVersion("1").build());
    assertClose(expected, GrpcClients.rows(raw, "logits", 10));
    // Without a version: the latest.
    ModelInferResponse latest = stub.modelInfer(GrpcClients.raw("digits", images).build());
    assertEquals("2", latest.getModelVersion());
    assertClose(TestModels.logits(v2, images), GrpcClients.rows(latest, "logits", 10));
  }

  @Test
  void requestedOutputsAndClassificationAreHonoured() {
    float[][] images = TestModels.images(2, 9);
    ModelInferResponse probs = stub.modelInfer(GrpcClients.raw("digits", images)
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("probs"))
        .build());
    assertEquals(1, probs.getOutputsCount());
    assertEquals("probs", probs.getOutputs(0).getName());
    float[][] p = GrpcClients.rows(probs, "probs", 10);
    double sum = 0;
    for (float v : p[0]) {
      sum += v;
    }
    assertEquals(1.0, sum, 1e-4);

    ModelInferResponse top = stub.modelInfer(GrpcClients.raw("digits", images)
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("logits")
            .putParameters("classification", InferParameter.newBuilder().setInt64Param(3).build()))
        .build());
    assertEquals("BYTES", top.getOutputs(0).getDatatype());
    assertEquals(List.of(2L, 3L), top.getOutputs(0).getShapeList());
    List<String> classes = GrpcClients.strings(top, 0);
    float[][] logits = TestModels.logits(v2, images);
    for (int r = 0; r < 2; r++) {
      int best = 0;
      for (int i = 1; i < 10; i++) {
        best = logits[r][i] > logits[r][best] ? i : best;
      }
      String[] parts = classes.get(r * 3).split(":");
      assertEquals(Integer.toString(best), parts[1], classes.toString());
      assertEquals("digit-" + best, parts[2], classes.toString());
      assertEquals(logits[r][best], Float.parseFloat(parts[0]), 1e-4 * Math.abs(logits[r][best]));
      assertTrue(Float.parseFloat(parts[0])
          >= Float.parseFloat(classes.get(r * 3 + 1).split(":")[0]));
    }
  }

  @Test
  void configStatisticsAndIndexRpcsAnswerTritonsMessages() {
    ModelConfig config = stub.modelConfig(ModelConfigRequest.newBuilder().setName("digits")
        .build()).getConfig();
    assertEquals("digits", config.getName());
    assertEquals("onnxruntime_onnx", config.getPlatform());
    assertEquals(32, config.getMaxBatchSize());
    assertEquals(DataType.TYPE_FP32, config.getInput(0).getDataType());
    assertEquals(List.of(1L, 8L, 8L), config.getInput(0).getDimsList());
    assertEquals("labels.txt", config.getOutput(0).getLabelFilename());
    assertTrue(config.hasDynamicBatching());

    ModelStatisticsRequest one = ModelStatisticsRequest.newBuilder().setName("digits")
        .setVersion("1").build();
    long before = stub.modelStatistics(one).getModelStats(0).getInferenceCount();
    stub.modelInfer(GrpcClients.raw("digits", TestModels.images(4, 1)).setModelVersion("1")
        .build());
    ModelStatistics after = stub.modelStatistics(one).getModelStats(0);
    assertEquals("digits", after.getName());
    assertEquals("1", after.getVersion());
    assertEquals(before + 4, after.getInferenceCount());
    assertTrue(after.getExecutionCount() >= 1);
    assertTrue(after.getInferenceStats().getSuccess().getCount() >= 1);
    assertTrue(after.getInferenceStats().getComputeInfer().getNs() > 0);
    assertTrue(after.getLastInference() > 0);
    assertTrue(after.getBatchStatsList().stream().anyMatch(b -> b.getBatchSize() == 4));
    assertEquals(2, stub.modelStatistics(ModelStatisticsRequest.getDefaultInstance())
        .getModelStatsCount());

    RepositoryIndexResponse index = stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
    assertEquals(List.of("digits/1 READY", "digits/2 READY"), index.getModelsList().stream()
        .map(m -> m.getName() + "/" + m.getVersion() + " " + m.getState()).toList());
  }

  @Test
  void clientMistakesGetTheirStatusCodesNeverInternal() {
    float[][] one = TestModels.images(1, 1);
    // Unknown model, unknown version.
    assertEquals(Status.Code.NOT_FOUND, code(() -> stub.modelInfer(
        GrpcClients.raw("ghost", one).build())));
    assertEquals(Status.Code.NOT_FOUND, code(() -> stub.modelInfer(
        GrpcClients.raw("digits", one).setModelVersion("9").build())));
    assertEquals(Status.Code.NOT_FOUND, code(() -> stub.modelMetadata(
        ModelMetadataRequest.newBuilder().setName("ghost").build())));
    assertEquals(Status.Code.NOT_FOUND, code(() -> stub.modelReady(
        ModelReadyRequest.newBuilder().setName("digits").setVersion("x").build())));
    assertEquals(Status.Code.NOT_FOUND, code(() -> stub.modelConfig(
        ModelConfigRequest.newBuilder().setName("ghost").build())));
    // Bad shape, datatype, size, mixed encodings, missing model name.
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.modelInfer(
        ModelInferRequest.newBuilder().setModelName("digits").addInputs(
            GrpcClients.input(1).clearShape().addShape(1).addShape(64))
            .addRawInputContents(ByteString.copyFrom(new byte[256])).build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.modelInfer(
        ModelInferRequest.newBuilder().setModelName("digits").addInputs(
            GrpcClients.input(1).setDatatype("INT32"))
            .addRawInputContents(ByteString.copyFrom(new byte[256])).build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.modelInfer(
        ModelInferRequest.newBuilder().setModelName("digits").addInputs(GrpcClients.input(1))
            .addRawInputContents(ByteString.copyFrom(new byte[252])).build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.modelInfer(
        ModelInferRequest.newBuilder().setModelName("digits").addInputs(GrpcClients.input(1)
            .setContents(InferTensorContents.newBuilder().addIntContents(1)))
            .build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.modelInfer(
        GrpcClients.typed("digits", one).addRawInputContents(ByteString.copyFrom(new byte[256]))
            .build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.modelInfer(
        GrpcClients.raw("", one).build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.modelInfer(
        GrpcClients.raw("digits", one).addOutputs(ModelInferRequest.InferRequestedOutputTensor
            .newBuilder().setName("nope")).build())));
    // A message above max-request-bytes (64 KiB here): 512 images are 128 KiB.
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, code(() -> stub.modelInfer(
        GrpcClients.raw("digits", TestModels.images(512, 2)).build())));
    // Loading is for explicit mode only.
    assertEquals(Status.Code.FAILED_PRECONDITION, code(() -> stub.repositoryModelLoad(
        RepositoryModelLoadRequest.newBuilder().setModelName("digits").build())));
    // Nothing above broke the server.
    assertTrue(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
    assertFalse(stub.modelInfer(GrpcClients.raw("digits", one).build()).getRawOutputContents(0)
        .isEmpty());
  }
}
