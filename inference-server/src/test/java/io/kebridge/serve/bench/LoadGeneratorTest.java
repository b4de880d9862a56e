package io.kebridge.serve.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestModels;
import io.kebridge.serve.session.SessionSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load generator and the raw ONNX Runtime measurement work against a real server and file;
 * the figures themselves come from {@code ke bench serve}, not from here. */
class LoadGeneratorTest {
  @TempDir Path repo;

  @Test
  void jsonAndBinaryLoadIsAnsweredWithoutErrors() {
    Path file = TestModels.write(repo, "digits", 1, 1);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo).grpcPort(0)
        .build())) {
      URI uri = URI.create(server.url() + "/v2/models/digits/infer");
      for (boolean binary : new boolean[] {false, true}) {
        LoadReport r = LoadGenerator.run(
            new LoadSettings(2, Duration.ofMillis(100), Duration.ofMillis(400), 1),
            new HttpLoad(uri, PreparedRequest.of("input", new long[] {1, 1, 8, 8}, binary, 1), null));
        assertEquals(0, r.errors(), r.firstError());
        assertTrue(r.requests() > 0);
        assertTrue(r.p50Ms() <= r.p99Ms());
      }
      for (boolean raw : new boolean[] {false, true}) {
        try (GrpcLoad grpc = new GrpcLoad(server.grpcTarget(), GrpcLoad.request("digits", 1L,
            "input", new long[] {1, 1, 8, 8}, raw, 1), null)) {
          LoadReport r = LoadGenerator.run(
              new LoadSettings(2, Duration.ofMillis(100), Duration.ofMillis(400), 1), grpc);
          assertEquals(0, r.errors(), r.firstError());
          assertTrue(r.requests() > 0);
          FirstRequest.Result first = FirstRequest.measure(grpc, 20);
          assertEquals(null, first.error());
          assertTrue(first.firstMs() > 0 && first.p50Ms() > 0 && first.p50Ms() <= first.p99Ms());
          assertTrue(first.serverFirstMs() > 0 && first.serverMeanMs() > 0, first.toString());
          assertTrue(first.serverMeanMs() <= first.p99Ms(), first.toString());
          assertTrue(first.afterIdleMs() > 0 && first.serverAfterIdleMs() > 0, first.toString());
        }
      }
    }
    RawThroughput.Result raw = RawThroughput.measure(file, SessionSettings.defaults(), 4,
        Duration.ofMillis(200));
    assertEquals(4, raw.batch());
    assertTrue(raw.imagesPerSecond() > 0 && raw.minMs() <= raw.medianMs());
  }
}
