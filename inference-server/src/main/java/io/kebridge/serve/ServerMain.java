package io.kebridge.serve;

import io.kebridge.serve.config.ConfigLoader;
import io.kebridge.serve.config.ServerConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The standalone launcher: runs the server from this module's jar and its own dependencies alone
 * (no cli, no TensorFlow). Usage: {@code ServerMain REPO [--config FILE] [--KEY VALUE ...]} with
 * the keys of {@link ServerConfig#KEYS} ({@code --port 8000 --max-batch-size 32 ...}); settings
 * come from defaults, the file, {@code KE_SERVE_*} environment variables and the options, in that
 * order. Stops gracefully on SIGTERM or Ctrl-C.
 */
public final class ServerMain {
  private ServerMain() {}

  /** Starts the server and blocks until the JVM is asked to stop. */
  public static void main(String[] args) throws InterruptedException {
    ServerConfig config;
    try {
      config = parse(args, System.getenv());
    } catch (ServeException e) {
      usage(System.err, e.getMessage());
      System.exit(2);
      return;
    }
    InferenceServer server;
    try {
      server = InferenceServer.start(config);
    } catch (ServeException e) {
      System.err.println("ke-serve: error: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "graceful-shutdown"));
    System.out.println("ke-serve: listening on " + server.url());
    stopped.await();
  }

  /** Builds the configuration from the arguments and the environment. */
  public static ServerConfig parse(String[] args, Map<String, String> env) {
    Path configFile = null;
    List<String> positional = new ArrayList<>();
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        positional.add(a);
        continue;
      }
      String key = a.substring(2);
      String value;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw ServeException.badRequest("option --" + key + " needs a value");
      }
      if (key.equals("config")) {
        configFile = Path.of(value);
      } else {
        options.put(key, value);
      }
    }
    if (positional.size() > 1) {
      throw ServeException.badRequest("one model repository expected, got " + positional);
    }
    ServerConfig.Builder b = ServerConfig.builder(null);
    ConfigLoader.apply(b, configFile, env);
    if (!positional.isEmpty()) {
      b.repository(Path.of(positional.get(0)));
    }
    options.forEach(b::set);
    return b.build();
  }

  private static void usage(PrintStream err, String problem) {
    err.println("ke-serve: " + problem);
    err.println("usage: ServerMain REPO [--config FILE.json] [--KEY VALUE ...]");
    err.println("keys: " + String.join(", ", ServerConfig.KEYS));
  }
}
