package io.kebridge.serve;

import io.kebridge.serve.config.ConfigLoader;
import io.kebridge.serve.config.ServerCommandLine;
import io.kebridge.serve.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code ke-serve}, the standalone launcher: the server from this module's jar and its own
 * dependencies alone (no cli, no TensorFlow), with the same options as {@code ke serve} (picocli,
 * from {@link io.kebridge.serve.config.ServerSetting}, Triton's names as aliases). Settings come
 * from defaults, {@code --config FILE}, {@code KE_SERVE_*} environment variables and the options,
 * in that order. Stops gracefully on SIGTERM or Ctrl-C.
 *
 * <p>It never calls {@code System.exit}: {@link #run} returns the exit status (0, 1 failure, 2
 * usage) for embedding and tests; {@link #main} turns a non-zero status into a {@link Failure}
 * whose message has already been printed, which makes the JVM exit with status 1.
 */
public final class ServerMain {
  private ServerMain() {}

  /** A failure already reported on standard error; ends the JVM with a non-zero status. */
  public static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Failure(int status) {
      super("ke-serve failed with status " + status, null, false, false);
    }
  }

  /** Starts the server and blocks until the JVM is asked to stop. */
  public static void main(String[] args) {
    int status = run(args, System.getenv(), new PrintWriter(System.out, true),
        new PrintWriter(System.err, true));
    if (status != 0) {
      // The message is printed; keep the JVM from printing a stack trace on top of it.
      Thread.currentThread().setUncaughtExceptionHandler((t, e) -> { });
      throw new Failure(status);
    }
  }

  /**
   * Parses the command line and serves until the JVM shuts down (or the calling thread is
   * interrupted); returns 0, 1 (the server failed) or 2 (a usage error).
   */
  public static int run(String[] args, Map<String, String> env, PrintWriter out,
      PrintWriter err) {
    CommandLine cli = commandLine();
    cli.setOut(out);
    cli.setErr(err);
    ServerConfig config;
    try {
      ParseResult parsed = cli.parseArgs(args);
      if (CommandLine.printHelpIfRequested(parsed)) {
        return 0;
      }
      config = config(parsed, env);
    } catch (CommandLine.ParameterException e) {
      err.println("ke-serve: " + e.getMessage());
      err.println("Try 'ke-serve --help'.");
      return 2;
    } catch (ServeException e) {
      err.println("ke-serve: " + e.getMessage());
      return 2;
    }
    InferenceServer server;
    try {
      server = InferenceServer.start(config);
    } catch (ServeException e) {
      err.println("ke-serve: error: " + e.getMessage());
      return 1;
    }
    out.println("ke-serve: listening on " + server.url()
        + (server.grpcPort() > 0 ? " and grpc://" + config.host() + ":" + server.grpcPort() : ""));
    server.awaitStop();
    return 0;
  }

  /** The configuration {@code args} and {@code env} give, without starting anything. */
  public static ServerConfig parse(String[] args, Map<String, String> env) {
    try {
      return config(commandLine().parseArgs(args), env);
    } catch (CommandLine.ParameterException e) {
      throw ServeException.invalidSetting(e.getMessage());
    }
  }

  /** The launcher's command line: REPO, --config and every server setting. */
  public static CommandLine commandLine() {
    CommandSpec spec = CommandSpec.create().name("ke-serve").mixinStandardHelpOptions(true);
    spec.usageMessage().description(
        "Serve a model repository (REPO/NAME/VERSION/model.onnx + REPO/NAME/config.pbtxt) over",
        "the Open Inference Protocol V2: REST and gRPC (GRPCInferenceService), Triton's model",
        "configuration, statistics, repository and classification extensions, /metrics.",
        "Settings: defaults < --config FILE (JSON) < KE_SERVE_* environment < options.");
    spec.addPositional(PositionalParamSpec.builder().index("0").arity("0..1").paramLabel("REPO")
        .type(Path.class).description("Model repository folder.").build());
    spec.addOption(OptionSpec.builder("--config").paramLabel("FILE").type(Path.class)
        .description("JSON file of settings, keys as the long options.").build());
    ServerCommandLine.addOptions(spec);
    CommandLine cli = new CommandLine(spec);
    cli.setUsageHelpWidth(100);
    return cli;
  }

  private static ServerConfig config(ParseResult parsed, Map<String, String> env) {
    ServerConfig.Builder b = ServerConfig.builder(null);
    Path file = parsed.matchedOptionValue("--config", null);
    ConfigLoader.apply(b, file, env);
    Path repo = parsed.matchedPositionalValue(0, null);
    if (repo != null) {
      b.repository(repo);
    }
    ServerCommandLine.apply(parsed, b);
    return b.build();
  }
}
