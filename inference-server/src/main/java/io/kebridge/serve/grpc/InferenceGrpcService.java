package io.kebridge.serve.grpc;

import io.grpc.stub.StreamObserver;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.grpc.proto.GRPCInferenceServiceGrpc;
import io.kebridge.serve.grpc.proto.ModelConfigRequest;
import io.kebridge.serve.grpc.proto.ModelConfigResponse;
import io.kebridge.serve.grpc.proto.ModelInferRequest;
import io.kebridge.serve.grpc.proto.ModelInferResponse;
import io.kebridge.serve.grpc.proto.ModelMetadataRequest;
import io.kebridge.serve.grpc.proto.ModelMetadataResponse;
import io.kebridge.serve.grpc.proto.ModelReadyRequest;
import io.kebridge.serve.grpc.proto.ModelReadyResponse;
import io.kebridge.serve.grpc.proto.ModelStatisticsRequest;
import io.kebridge.serve.grpc.proto.ModelStatisticsResponse;
import io.kebridge.serve.grpc.proto.RepositoryIndexRequest;
import io.kebridge.serve.grpc.proto.RepositoryIndexResponse;
import io.kebridge.serve.grpc.proto.RepositoryModelLoadRequest;
import io.kebridge.serve.grpc.proto.RepositoryModelLoadResponse;
import io.kebridge.serve.grpc.proto.RepositoryModelUnloadRequest;
import io.kebridge.serve.grpc.proto.RepositoryModelUnloadResponse;
import io.kebridge.serve.grpc.proto.ServerLiveRequest;
import io.kebridge.serve.grpc.proto.ServerLiveResponse;
import io.kebridge.serve.grpc.proto.ServerMetadataRequest;
import io.kebridge.serve.grpc.proto.ServerMetadataResponse;
import io.kebridge.serve.grpc.proto.ServerReadyRequest;
import io.kebridge.serve.grpc.proto.ServerReadyResponse;
import io.kebridge.serve.inference.InferenceService;
import io.kebridge.serve.inference.V2Service;
import io.kebridge.serve.repository.ModelState;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code inference.GRPCInferenceService} on the shared {@link V2Service}: the same models,
 * batchers, limits and answers as REST, as protobuf messages. The token, draining, in-flight
 * counting and metrics are done by {@link GrpcApi}'s interceptor.
 */
final class InferenceGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  private final V2Service service;

  InferenceGrpcService(V2Service service) {
    this.service = service;
  }

  private static <T> void answer(StreamObserver<T> out, Supplier<T> body) {
    T value;
    try {
      value = body.get();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.of(e));
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }

  private static String required(String name, String what) {
    if (name.isEmpty()) {
      throw ServeException.badRequest(what + " is empty; name a model");
    }
    return name;
  }

  @Override
  public void serverLive(ServerLiveRequest r, StreamObserver<ServerLiveResponse> out) {
    answer(out, () -> ServerLiveResponse.newBuilder().setLive(true).build());
  }

  @Override
  public void serverReady(ServerReadyRequest r, StreamObserver<ServerReadyResponse> out) {
    answer(out, () -> ServerReadyResponse.newBuilder().setReady(service.ready()).build());
  }

  @Override
  public void modelReady(ModelReadyRequest r, StreamObserver<ModelReadyResponse> out) {
    answer(out, () -> ModelReadyResponse.newBuilder().setReady(service.modelReady(
        required(r.getName(), "name"), GrpcCodec.version(r.getName(), r.getVersion()))).build());
  }

  @Override
  public void serverMetadata(ServerMetadataRequest r,
      StreamObserver<ServerMetadataResponse> out) {
    answer(out, service::serverMetadata);
  }

  @Override
  public void modelMetadata(ModelMetadataRequest r, StreamObserver<ModelMetadataResponse> out) {
    answer(out, () -> service.modelMetadata(required(r.getName(), "name"),
        GrpcCodec.version(r.getName(), r.getVersion())));
  }

  @Override
  public void modelInfer(ModelInferRequest r, StreamObserver<ModelInferResponse> out) {
    answer(out, () -> {
      try (InferenceService.Call call = service.inference().open(
          required(r.getModelName(), "model_name"),
          GrpcCodec.version(r.getModelName(), r.getModelVersion()))) {
        return GrpcCodec.response(call.infer(GrpcCodec.request(r)));
      }
    });
  }

  @Override
  public void modelConfig(ModelConfigRequest r, StreamObserver<ModelConfigResponse> out) {
    answer(out, () -> ModelConfigResponse.newBuilder().setConfig(service.modelConfig(
        required(r.getName(), "name"), GrpcCodec.version(r.getName(), r.getVersion()))).build());
  }

  @Override
  public void modelStatistics(ModelStatisticsRequest r,
      StreamObserver<ModelStatisticsResponse> out) {
    answer(out, () -> service.statistics(
        r.getName().isEmpty() ? Optional.empty() : Optional.of(r.getName()),
        r.getName().isEmpty() ? Optional.empty() : GrpcCodec.version(r.getName(),
            r.getVersion())));
  }

  @Override
  public void repositoryIndex(RepositoryIndexRequest r,
      StreamObserver<RepositoryIndexResponse> out) {
    answer(out, () -> {
      RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
      for (ModelState s : service.index(r.getReady())) {
        b.addModels(RepositoryIndexResponse.ModelIndex.newBuilder().setName(s.name())
            .setVersion(s.version() == null ? "" : Long.toString(s.version()))
            .setState(s.state()).setReason(s.reason()));
      }
      return b.build();
    });
  }

  @Override
  public void repositoryModelLoad(RepositoryModelLoadRequest r,
      StreamObserver<RepositoryModelLoadResponse> out) {
    answer(out, () -> {
      service.load(required(r.getModelName(), "model_name"));
      return RepositoryModelLoadResponse.getDefaultInstance();
    });
  }

  @Override
  public void repositoryModelUnload(RepositoryModelUnloadRequest r,
      StreamObserver<RepositoryModelUnloadResponse> out) {
    answer(out, () -> {
      service.unload(required(r.getModelName(), "model_name"));
      return RepositoryModelUnloadResponse.getDefaultInstance();
    });
  }
}
