package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kebridge.cli.ReadmeBlocks.Block;
import io.kebridge.cli.ReadmeBlocks.Kind;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The README as a newcomer follows it: every command block of README.md, in order, in a fresh
 * working directory that stands for a fresh clone, against real servers. A block fails the test
 * when any of its commands exits non-zero (a {@code curl} on an HTTP error included). What the
 * marker above each block means is in {@link ReadmeBlocks}; a block without one fails the test,
 * so a new block is either walked through or says why not.
 *
 * <p>The clone's {@code ./ke} is a wrapper that runs this test's class path (the classes Maven
 * just built) instead of the launcher's own Maven build, {@code cli/target/classpath.txt} (the
 * launcher's class path file, which the Java example compiles against) holds the same class path,
 * and the {@code .proto} files the gRPC example compiles are copied in. {@code curl}, Python's
 * grpcio and the like are the machine's: a block that needs one that is missing is skipped with a
 * note on standard error. Ports the README's servers use that are taken on this machine are
 * replaced by free ones in every block, with a note.
 */
class ReadmeWalkthroughTest {
  /** The embedded data set, which the PyTorch script of "Bring your own model" reads as files. */
  private static final String EMBEDDED =
      "models/src/main/resources/io/kebridge/models/data/fashion-mnist-small/";

  /** What a fresh clone has that the blocks read, copied from the repository. */
  private static final List<String> FROM_THE_CLONE = List.of(
      ".gitignore",
      "docs/byom/train_torchvision.py",
      EMBEDDED + "train-images-idx3-ubyte.gz",
      EMBEDDED + "train-labels-idx1-ubyte.gz",
      EMBEDDED + "t10k-images-idx3-ubyte.gz",
      EMBEDDED + "t10k-labels-idx1-ubyte.gz",
      "inference-server/src/main/proto/grpc_service.proto",
      "model-config/src/main/proto/model_config.proto");

  /** {@code -Dke.walkthrough.dir=DIR}: walk through in DIR and keep it, to read every output. */
  static final String KEEP_PROPERTY = "ke.walkthrough.dir";

  private static final Duration BLOCK_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration SERVER_READY_TIMEOUT = Duration.ofMinutes(2);

  @Test
  void everyCommandBlockIsMarked() throws Exception {
    ReadmeBlocks readme = ReadmeBlocks.read();
    List<String> unmarked = readme.blocks().stream().filter(b -> b.kind() == Kind.UNMARKED)
        .map(b -> b.where() + (b.argument() == null ? "" : " (marker " + b.argument() + ")"))
        .toList();
    assertEquals(List.of(), unmarked, "README blocks need a marker: <!-- walkthrough -->, "
        + "<!-- walkthrough: needs|server|file ... -->, <!-- not run: why --> or ```text");
    for (Block b : readme.blocks()) {
      if (b.kind() == Kind.NOT_RUN) {
        assertFalse(b.argument().isBlank(), b.where() + ": say why it is not run");
      }
      if (b.kind() == Kind.SERVER) {
        assertFalse(b.ports().isEmpty(), b.where() + ": a server block names its ports");
        assertEquals(1, b.text().strip().lines().count(),
            b.where() + ": a server block is the one command that keeps serving");
      }
    }
    assertTrue(readme.blocks().stream().anyMatch(b -> b.kind() == Kind.SERVER),
        "the walk-through serves");
  }

  /**
   * Also the blocks that are not run, and those of the documents the README links for the
   * figures: a renamed command or option breaks the build.
   */
  @Test
  void everyKeCommandInTheReadmeParses() throws Exception {
    List<String[]> commands = new ArrayList<>(ReadmeBlocks.read().keCommands());
    assertTrue(commands.size() > 20, "the README shows few ./ke commands: " + commands.size());
    int readmeCommands = commands.size();
    commands.addAll(ReadmeBlocks.read(Path.of("..", "docs", "bench.md")).keCommands());
    assertTrue(commands.size() > readmeCommands, "docs/bench.md shows no ./ke commands");
    for (String[] args : commands) {
      assertDoesNotThrow(() -> new CommandLine(new Main()).parseArgs(args),
          "README command does not parse: ke " + String.join(" ", args));
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void theReadmeRunsAsWrittenInOrder(@TempDir Path tempDir) throws Exception {
    ReadmeBlocks readme = ReadmeBlocks.read();
    Path tmp = tempDir;
    String keep = System.getProperty(KEEP_PROPERTY);
    if (keep != null && !keep.isBlank()) {
      tmp = Path.of(keep).toAbsolutePath();
      if (Files.exists(tmp)) {
        try (var entries = Files.list(tmp)) {
          assertTrue(entries.findAny().isEmpty(), KEEP_PROPERTY + " must name a new or empty "
              + "folder: " + tmp);
        }
      }
      note("walking through in " + tmp + " (kept: clone/, logs/line-N.log)");
    }
    Path clone = Files.createDirectories(tmp.resolve("clone"));
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path logs = Files.createDirectories(tmp.resolve("logs"));
    prepareClone(clone, bin);
    Map<Integer, Integer> ports = freePortsFor(readme);

    List<Process> servers = new ArrayList<>();
    List<String> ran = new ArrayList<>();
    try {
      for (Block b : readme.blocks()) {
        switch (b.kind()) {
          case OUTPUT, UNMARKED -> { }
          case NOT_RUN -> note(b.where() + ": not run (" + b.argument() + ")");
          case FILE -> Files.writeString(clone.resolve(b.argument()), b.text());
          case SERVER -> {
            String missing = missing(b.needs());
            if (missing != null) {
              note(b.where() + ": SKIPPED: needs " + missing + ", which this machine lacks");
            } else {
              servers.add(startServer(b, b.text(ports), ports, clone, bin, logs));
              ran.add(b.where());
            }
          }
          case RUN -> {
            String missing = missing(b.needs());
            if (missing != null) {
              note(b.where() + ": SKIPPED: needs " + missing + ", which this machine lacks");
            } else {
              run(b, b.text(ports), clone, bin, logs);
              ran.add(b.where());
            }
          }
        }
      }
    } finally {
      for (Process p : servers) {
        stop(p);
      }
    }
    note("walked through " + ran.size() + " README blocks");
    assertTrue(ran.size() >= 10, "the walk-through ran only " + ran);
    assertNothingUntracked(clone);
  }

  /**
   * A reader who walks through the README in their clone keeps a clean {@code git status}: what
   * the blocks write is under a folder or a name that .gitignore lists.
   */
  private static void assertNothingUntracked(Path clone) throws Exception {
    if (onPath("git") == null) {
      note("SKIPPED the git status check: git is not installed");
      return;
    }
    Process p = new ProcessBuilder("git", "status", "--porcelain").directory(clone.toFile())
        .redirectErrorStream(true).start();
    String status = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, status);
    List<String> untracked = status.lines().filter(l -> l.startsWith("??")).toList();
    assertEquals(List.of(), untracked, "the walk-through leaves files that .gitignore does not "
        + "cover: list them there, or write them under runs/ or ke-demo/");
  }

  /**
   * The fresh clone: the wrapper {@code ./ke}, the launcher's class path file, and the files the
   * blocks read; a {@code bin} folder first on the PATH with this JDK's {@code java} and a
   * {@code curl} that fails on an HTTP error status, as a reader would notice one.
   */
  private static void prepareClone(Path clone, Path bin) throws Exception {
    Path repo = Path.of("..").toAbsolutePath().normalize();
    String classPath = System.getProperty("java.class.path");
    Path cpFile = clone.resolve("cli/target/classpath.txt");
    Files.createDirectories(cpFile.getParent());
    Files.writeString(cpFile, classPath);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    executable(clone.resolve("ke"), String.join("\n",
        "#!/usr/bin/env bash",
        "# ReadmeWalkthroughTest's ./ke: the classes Maven built, not the launcher's own build.",
        "set -euo pipefail",
        "root=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")\" && pwd)\"",
        "export KE_PROGRAM=\"${KE_PROGRAM:-$0}\"",
        "exec " + quote(java.toString()) + " ${KE_JAVA_OPTS:-} -cp \"$(cat \"$root/"
            + "cli/target/classpath.txt\")\" io.kebridge.cli.Main \"$@\"",
        ""));
    for (String path : FROM_THE_CLONE) {
      Path target = clone.resolve(path);
      Files.createDirectories(target.toAbsolutePath().getParent());
      Files.copy(repo.resolve(path), target);
    }
    if (onPath("git") != null) {
      // What the clone holds counts as tracked; the walk-through's own files must be ignored.
      git(clone, "init", "-q");
      git(clone, "add", "-A");
    }
    Files.createSymbolicLink(bin.resolve("java"), java);
    String curl = onPath("curl");
    if (curl != null) {
      executable(bin.resolve("curl"), String.join("\n",
          "#!/usr/bin/env bash",
          "# curl -s prints an error body and exits 0: here an HTTP error status fails the block.",
          "exec " + quote(curl) + " --fail-with-body \"$@\"",
          ""));
    }
  }

  /** The README's server ports, each mapped to itself when free, else to a free one. */
  private static Map<Integer, Integer> freePortsFor(ReadmeBlocks readme) throws IOException {
    Map<Integer, Integer> map = new LinkedHashMap<>();
    for (Block b : readme.blocks()) {
      for (int port : b.ports()) {
        if (!map.containsKey(port) && !free(port)) {
          int other;
          try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            other = s.getLocalPort();
          }
          note("port " + port + " is taken on this machine: the walk-through uses " + other
              + " in its place");
          map.put(port, other);
        }
      }
    }
    return map;
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Runs a block as one bash script that stops at the first failing command and names it. */
  private static void run(Block b, String text, Path clone, Path bin, Path logs)
      throws Exception {
    Path script = logs.resolve("line-" + b.line() + ".sh");
    Files.writeString(script, "set -eo pipefail\n"
        + "trap 'printf \"\\nwalkthrough: failed: %s\\n\" \"$BASH_COMMAND\" >&2' ERR\n" + text);
    Path log = logs.resolve("line-" + b.line() + ".log");
    long t0 = System.nanoTime();
    Process p = process(List.of("bash", script.toString()), clone, bin, log);
    if (!p.waitFor(BLOCK_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      kill(p);
      fail(b.where() + " did not finish within " + BLOCK_TIMEOUT + ":\n" + text + "\n"
          + tail(log));
    }
    if (p.exitValue() != 0) {
      fail(b.where() + " failed (exit " + p.exitValue() + "):\n" + text + "\n--- output:\n"
          + tail(log));
    }
    note(String.format(Locale.ROOT, "%s: ran in %.1f s", b.where(),
        (System.nanoTime() - t0) / 1e9));
  }

  /** Starts a server block in the background and waits until its REST port says ready. */
  private static Process startServer(Block b, String text, Map<Integer, Integer> ports,
      Path clone, Path bin, Path logs) throws Exception {
    int port = ports.getOrDefault(b.ports().get(0), b.ports().get(0));
    Path log = logs.resolve("line-" + b.line() + ".log");
    Process p = process(List.of("bash", "-c", text.strip()), clone, bin, log);
    URI ready = URI.create("http://127.0.0.1:" + port + "/v2/health/ready");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + SERVER_READY_TIMEOUT.toNanos();
    long t0 = System.nanoTime();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        fail(b.where() + ": the server exited (" + p.exitValue() + ") before it was ready:\n"
            + text + "\n--- output:\n" + tail(log));
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready)
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          note(String.format(Locale.ROOT, "%s: serving on %d, ready after %.1f s", b.where(),
              port, (System.nanoTime() - t0) / 1e9));
          return p;
        }
      } catch (IOException notYet) {
        // the port is not open yet
      }
      Thread.sleep(200);
    }
    kill(p);
    fail(b.where() + ": the server was not ready within " + SERVER_READY_TIMEOUT + ":\n" + text
        + "\n--- output:\n" + tail(log));
    return p;
  }

  private static Process process(List<String> command, Path clone, Path bin, Path log)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(clone.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
    // A newcomer's shell: none of this machine's ke settings (KE_SERVE_PORT, a token, ...).
    pb.environment().keySet().removeIf(k -> k.startsWith("KE_"));
    return pb.start();
  }

  /** SIGTERM, as Ctrl-C or a pod's stop would: the server drains and exits. */
  private static void stop(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroy);
    p.destroy();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      kill(p);
    }
  }

  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  /** The first of {@code needs} this machine lacks, or null. */
  private static String missing(List<String> needs) throws InterruptedException {
    for (String need : needs) {
      if (need.startsWith("python:")) {
        String module = need.substring("python:".length());
        if (onPath("python3") == null || !succeeds("python3", "-c", "import " + module)) {
          return "Python's " + module;
        }
      } else if (onPath(need) == null) {
        return need;
      }
    }
    return null;
  }

  private static void git(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, command + ": " + out);
  }

  private static boolean succeeds(String... command) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static String onPath(String command) {
    for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
      Path p = Path.of(dir, command);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return p.toString();
      }
    }
    return null;
  }

  private static void executable(Path file, String text) throws IOException {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.exists(log)
        ? Arrays.asList(Files.readString(log, StandardCharsets.UTF_8).split("\n")) : List.of();
    return lines.subList(Math.max(0, lines.size() - 80), lines.size()).stream()
        .collect(Collectors.joining("\n"));
  }

  private static void note(String line) {
    System.err.println("ReadmeWalkthroughTest: " + line);
  }
}
