package io.kebridge.serve.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.batching.Arrivals;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.grpc.proto.InferParameter;
import io.kebridge.serve.grpc.proto.ModelConfigRequest;
import io.kebridge.serve.grpc.proto.ModelInferRequest;
import io.kebridge.serve.grpc.proto.ModelMetadataRequest;
import io.kebridge.serve.grpc.proto.ModelReadyRequest;
import io.kebridge.serve.grpc.proto.ModelStatisticsRequest;
import io.kebridge.serve.grpc.proto.RepositoryModelLoadRequest;
import io.kebridge.serve.grpc.proto.RepositoryModelUnloadRequest;
import io.kebridge.serve.inference.V2Service;
import io.kebridge.serve.protocol.InferRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC face of the server: {@code inference.GRPCInferenceService} on grpc-java's Netty
 * transport, on the configured host and gRPC port. One interceptor does for every call what
 * REST's wrapper does: the bearer token from the {@code authorization} metadata (all but
 * ServerLive and ServerReady), refusing new calls while draining, counting calls in flight,
 * metrics, and announcing inference calls to the batchers while their message is read. Messages
 * larger than {@code max-request-bytes} are refused by gRPC with RESOURCE_EXHAUSTED.
 */
public final class GrpcApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcApi.class);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Set<String> HEALTH = Set.of("ServerLive", "ServerReady");

  private final Server server;
  private final Duration shutdownTimeout;

  /** Starts serving; fails with a clear message when the port is taken. */
  public GrpcApi(ServerConfig config, V2Service service, Arrivals arrivals) {
    this.shutdownTimeout = config.shutdownTimeout();
    this.server = NettyServerBuilder
        .forAddress(new InetSocketAddress(config.host(), config.grpcPort()))
        .maxInboundMessageSize((int) config.maxRequestBytes())
        .addService(ServerInterceptors.intercept(new InferenceGrpcService(service),
            new Guard(service, arrivals)))
        .build();
    try {
      server.start();
    } catch (IOException e) {
      server.shutdownNow();
      throw ServeException.internal("cannot listen for gRPC on " + config.host() + ":"
          + config.grpcPort() + ": " + e.getMessage() + " (is another server using the port?)",
          e);
    }
  }

  /** The port served on (the chosen one when the configured port was 0). */
  public int port() {
    return server.getPort();
  }

  /** Stops: calls in flight get up to the shutdown timeout to finish (drain the service first). */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(Math.max(1, shutdownTimeout.toMillis()),
          TimeUnit.MILLISECONDS)) {
        LOG.warn("gRPC calls still running after {}; stopping anyway", shutdownTimeout);
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** The per-call checks and bookkeeping. */
  private static final class Guard implements ServerInterceptor {
    private final V2Service service;
    private final Arrivals arrivals;

    Guard(V2Service service, Arrivals arrivals) {
      this.service = service;
      this.arrivals = arrivals;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      String method = call.getMethodDescriptor().getBareMethodName();
      long start = System.nanoTime();
      if (!HEALTH.contains(method)) {
        try {
          service.authorise(headers.get(AUTHORIZATION));
          service.requireOpen();
        } catch (ServeException e) {
          Status status = GrpcErrors.status(e);
          call.close(status, new Metadata());
          service.metrics().request("_unknown", endpoint(method), "grpc",
              status.getCode().name(), System.nanoTime() - start);
          return new ServerCall.Listener<>() { };
        }
      }
      Arrivals.Arrival arrival = "ModelInfer".equals(method) ? arrivals.announce() : null;
      service.enter();
      Tracked<Q, R> tracked = new Tracked<>(call, service, method, start, arrival);
      ServerCall.Listener<Q> listener;
      try {
        listener = next.startCall(tracked, headers);
      } catch (RuntimeException e) {
        tracked.finish("INTERNAL");
        throw e;
      }
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
        @Override
        public void onMessage(Q message) {
          tracked.message(message);
          super.onMessage(message);
        }

        @Override
        public void onCancel() {
          try {
            super.onCancel();
          } finally {
            tracked.finish("CANCELLED");
          }
        }
      };
    }
  }

  /** A call whose end is counted exactly once. */
  private static final class Tracked<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final V2Service service;
    private final String method;
    private final long start;
    private final Arrivals.Arrival arrival;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile String model = "_unknown";
    private volatile boolean warmup;

    Tracked(ServerCall<Q, R> call, V2Service service, String method, long start,
        Arrivals.Arrival arrival) {
      super(call);
      this.service = service;
      this.method = method;
      this.start = start;
      this.arrival = arrival;
    }

    void message(Object m) {
      if (arrival != null) {
        // Parsed: from here the model's own batcher is told (InferenceService.open).
        arrival.close();
      }
      String name = modelOf(m);
      model = service.metricTag(name);
      if (m instanceof ModelInferRequest r) {
        InferParameter p = r.getParametersMap().get(InferRequest.WARMUP_PARAMETER);
        warmup = p != null && p.getBoolParam();
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      try {
        super.close(status, trailers);
      } finally {
        finish(status.getCode().name());
      }
    }

    void finish(String status) {
      if (done.compareAndSet(false, true)) {
        if (arrival != null) {
          arrival.close();
        }
        service.exit();
        if (!warmup) {
          service.metrics().request(model, endpoint(method), "grpc", status,
              System.nanoTime() - start);
        }
      }
    }
  }

  private static String modelOf(Object m) {
    if (m instanceof ModelInferRequest r) {
      return r.getModelName();
    } else if (m instanceof ModelMetadataRequest r) {
      return r.getName();
    } else if (m instanceof ModelReadyRequest r) {
      return r.getName();
    } else if (m instanceof ModelConfigRequest r) {
      return r.getName();
    } else if (m instanceof ModelStatisticsRequest r) {
      return r.getName();
    } else if (m instanceof RepositoryModelLoadRequest r) {
      return r.getModelName();
    } else if (m instanceof RepositoryModelUnloadRequest r) {
      return r.getModelName();
    }
    return null;
  }

  /** The metrics' endpoint name of a method: ModelInfer -> infer, as REST's. */
  private static String endpoint(String method) {
    return switch (method) {
      case "ModelInfer" -> "infer";
      case "ServerLive", "ServerReady" -> "health";
      case "ModelReady" -> "model_ready";
      case "ServerMetadata" -> "server_metadata";
      case "ModelMetadata" -> "model_metadata";
      case "ModelConfig" -> "model_config";
      case "ModelStatistics" -> "statistics";
      case "RepositoryIndex" -> "repository_index";
      case "RepositoryModelLoad" -> "repository_load";
      case "RepositoryModelUnload" -> "repository_unload";
      default -> "other";
    };
  }
}
