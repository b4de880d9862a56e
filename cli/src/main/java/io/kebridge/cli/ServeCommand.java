package io.kebridge.cli;

import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.config.ConfigLoader;
import io.kebridge.serve.config.ServerCommandLine;
import io.kebridge.serve.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ke serve}: the Open Inference Protocol V2 server (REST and gRPC) over a model repository,
 * until SIGTERM or Ctrl-C, which shut it down gracefully. Its options are the server's settings
 * ({@link io.kebridge.serve.config.ServerSetting}, added by {@link ServerCommandLine}), the same
 * as the standalone {@code ke-serve}'s. Settings layer as defaults, {@code --config} file, {@code
 * KE_SERVE_*} environment variables, then these options.
 */
@Command(
    name = "serve",
    header = "Serve a model repository over the Open Inference Protocol V2 (REST, gRPC).",
    mixinStandardHelpOptions = true,
    modelTransformer = ServerCommandLine.Transformer.class,
    description = {
      "Serve a model repository (REPO/NAME/VERSION/model.onnx and REPO/NAME/config.pbtxt, as",
      "written by 'ke export --repository') over the Open Inference Protocol V2: REST and gRPC",
      "(GRPCInferenceService), dynamic batching, warm-up before ready, hot reload, binary tensors,",
      "Triton's model configuration, statistics, repository and classification extensions,",
      "/v2/models/NAME/classify for PNG/JPEG images, /metrics. Settings: defaults < --config",
      "FILE (JSON) < KE_SERVE_* environment < options. SIGTERM/Ctrl-C stop it gracefully."
    })
public final class ServeCommand implements Runnable {

  @Parameters(index = "0", arity = "0..1", paramLabel = "REPO",
      description = "Model repository folder (or 'repository' in the config file).")
  Path repository;

  @Option(names = "--config", paramLabel = "FILE",
      description = "JSON file of settings, keys as the long options (e.g. {\"port\": 8080}).")
  Path config;

  @Spec picocli.CommandLine.Model.CommandSpec command;

  @Override
  public void run() {
    ServerConfig.Builder b = ServerConfig.builder(null);
    ConfigLoader.apply(b, config, System.getenv());
    if (repository != null) {
      b.repository(repository);
    }
    ServerCommandLine.apply(command.commandLine().getParseResult(), b);
    ServerConfig settings = b.build();
    PrintWriter out = command.commandLine().getOut();
    InferenceServer server = InferenceServer.start(settings);
    out.printf("ke serve: %d model(s) from %s on %s%s%s%n", server.repository().models().size(),
        settings.repository(), server.url(),
        server.grpcTarget() == null ? "" : " and grpc " + server.grpcTarget(),
        settings.token() == null ? "" : " (bearer token required)");
    out.flush();
    server.awaitStop();
    if (Thread.currentThread().isInterrupted()) {
      out.println("ke serve: stopped");
      out.flush();
    }
  }
}
