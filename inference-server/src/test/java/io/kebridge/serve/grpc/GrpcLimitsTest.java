package io.kebridge.serve.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestModels;
import io.kebridge.serve.grpc.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.kebridge.serve.grpc.proto.ModelInferRequest;
import io.kebridge.serve.grpc.proto.ModelMetadataRequest;
import io.kebridge.serve.grpc.proto.ServerLiveRequest;
import io.kebridge.serve.grpc.proto.ServerReadyRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bearer token as gRPC metadata, a full queue, and the shared metrics. */
class GrpcLimitsTest {
  @TempDir Path repo;

  @Test
  void theTokenIsRequiredOnEveryRpcButServerHealth() throws Exception {
    TestModels.write(repo, "digits", 1, 1);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .token("s3cret").build())) {
      ManagedChannel channel = GrpcClients.channel(server.grpcTarget());
      try {
        GRPCInferenceServiceBlockingStub anonymous = GrpcClients.stub(channel, null);
        GRPCInferenceServiceBlockingStub wrong = GrpcClients.stub(channel, "Bearer guess");
        GRPCInferenceServiceBlockingStub right = GrpcClients.stub(channel, "Bearer s3cret");
        assertTrue(anonymous.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertTrue(anonymous.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        ModelInferRequest infer = GrpcClients.raw("digits", TestModels.images(1, 1)).build();
        for (GRPCInferenceServiceBlockingStub s : List.of(anonymous, wrong)) {
          StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
              () -> s.modelInfer(infer));
          assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
          assertTrue(e.getStatus().getDescription().contains("token"));
          assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
              () -> s.modelMetadata(ModelMetadataRequest.newBuilder().setName("digits").build()))
              .getStatus().getCode());
        }
        assertEquals(1, right.modelInfer(infer).getOutputs(0).getShape(0));
      } finally {
        GrpcClients.close(channel);
      }
    }
  }

  @Test
  void aFullQueueIsResourceExhaustedAndRestAndGrpcShareTheMetrics() throws Exception {
    TestModels.write(repo, "digits", 1, 3);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .maxBatchSize(1).maxQueueSize(1).build())) {
      ManagedChannel channel = GrpcClients.channel(server.grpcTarget());
      int clients = 24;
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      try {
        GRPCInferenceServiceBlockingStub stub = GrpcClients.stub(channel, null);
        ModelInferRequest big = GrpcClients.raw("digits", TestModels.images(256, 1)).build();
        CyclicBarrier start = new CyclicBarrier(clients);
        List<Future<Status.Code>> answers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
          answers.add(pool.submit(() -> {
            start.await();
            try {
              stub.modelInfer(big);
              return Status.Code.OK;
            } catch (StatusRuntimeException e) {
              return e.getStatus().getCode();
            }
          }));
        }
        int refused = 0;
        for (Future<Status.Code> f : answers) {
          Status.Code c = f.get();
          if (c == Status.Code.RESOURCE_EXHAUSTED) {
            refused++;
          } else {
            assertEquals(Status.Code.OK, c);
          }
        }
        assertTrue(refused > 0, "a queue of one never overflowed under " + clients + " clients");
        String metrics = new String(new io.kebridge.serve.TestClient(server.url(), null)
            .get("/metrics").body(), StandardCharsets.UTF_8);
        assertTrue(metrics.contains("protocol=\"grpc\",status=\"RESOURCE_EXHAUSTED\""), metrics);
        assertTrue(metrics.contains("endpoint=\"infer\",model=\"digits\",protocol=\"grpc\","
            + "status=\"OK\""), metrics);
      } finally {
        pool.shutdown();
        GrpcClients.close(channel);
      }
    }
  }
}
