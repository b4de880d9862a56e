package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.config.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ke bench serve} loads a server and prints throughput, percentiles and the raw ratio. */
class BenchServeCommandTest {
  @TempDir Path repo;

  @Test
  void benchAgainstARunningServerPrintsPercentilesAndTheRawRatio() {
    ServeCommandTest.exportModel(repo, "digits");
    try (InferenceServer server = InferenceServer.start(ServerConfig.builder(repo).port(0).grpcPort(0)
        .pollInterval(Duration.ZERO).intraOpThreads(1).build())) {
      CliRun r = CliRun.of("bench", "serve", "--url", server.url(), "--model", "digits",
          "--concurrency", "1,2", "--duration", "300ms", "--warmup", "100ms",
          "--initial-warmup", "200ms",
          "--repository", repo.toString(), "--raw-batch", "4");
      assertEquals(0, r.exitCode(), r.err());
      assertTrue(r.out().contains("p99 ms"), r.out());
      assertTrue(r.out().contains("% of raw ONNX Runtime"), r.out());
      Matcher row = Pattern.compile("(?m)^\\s+2\\s+(\\d+)\\s+(\\d+)\\s").matcher(r.out());
      assertTrue(row.find(), r.out());
      assertTrue(Long.parseLong(row.group(1)) > 0, r.out());
      assertEquals("0", row.group(2), r.out());
    }
  }

  @Test
  void benchServesTheRepositoryInProcessWithBinaryTensors() {
    ServeCommandTest.exportModel(repo, "digits");
    CliRun r = CliRun.of("bench", "serve", "--repository", repo.toString(), "--model", "digits",
        "--binary", "--concurrency", "2", "--duration", "300ms", "--warmup", "100ms",
        "--initial-warmup", "0s",
        "--intra-op-threads", "1");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("(in-process)") && r.out().contains("binary"), r.out());
    assertTrue(r.out().contains("images/s"), r.out());
  }

  @Test
  void benchOverGrpcWithRawContentsAndTheFirstRequestMeasurement() {
    ServeCommandTest.exportModel(repo, "digits");
    CliRun r = CliRun.of("bench", "serve", "--repository", repo.toString(), "--model", "digits",
        "--protocol", "grpc", "--binary", "--concurrency", "2", "--duration", "300ms",
        "--warmup", "100ms", "--initial-warmup", "0s", "--intra-op-threads", "1",
        "--max-batch-size", "4");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("gRPC raw_input_contents"), r.out());
    assertTrue(r.out().contains("batch 4"), r.out());
    Matcher row = Pattern.compile("(?m)^\\s+2\\s+(\\d+)\\s+(\\d+)\\s").matcher(r.out());
    assertTrue(row.find(), r.out());
    assertEquals("0", row.group(2), r.out());

    try (InferenceServer server = InferenceServer.start(ServerConfig.builder(repo).port(0)
        .grpcPort(0).pollInterval(Duration.ZERO).build())) {
      CliRun first = CliRun.of("bench", "serve", "--grpc-target", server.grpcTarget(),
          "--protocol", "grpc", "--model", "digits", "--first-request", "--steady-requests", "20");
      assertEquals(0, first.exitCode(), first.err());
      assertTrue(first.out().matches("(?s).*first request [0-9.]+ ms; next 20 requests p50 .*"),
          first.out());
    }
    CliRun bad = CliRun.of("bench", "serve", "--repository", repo.toString(), "--model", "digits",
        "--protocol", "carrier-pigeon");
    assertEquals(2, bad.exitCode());
  }
}
