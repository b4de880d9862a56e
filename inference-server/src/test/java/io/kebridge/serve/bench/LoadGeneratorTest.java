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
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo).build())) {
      URI uri = URI.create(server.url() + "/v2/models/digits/infer");
      for (boolean binary : new boolean[] {false, true}) {
        LoadReport r = LoadGenerator.run(
            new LoadSettings(uri, 2, Duration.ofMillis(100), Duration.ofMillis(400), 1, null),
            PreparedRequest.of("input", new long[] {1, 1, 8, 8}, binary, 1));
        assertEquals(0, r.errors(), r.firstError());
        assertTrue(r.requests() > 0);
        assertTrue(r.p50Ms() <= r.p99Ms());
      }
    }
    RawThroughput.Result raw = RawThroughput.measure(file, SessionSettings.defaults(), 4,
        Duration.ofMillis(200));
    assertEquals(4, raw.batch());
    assertTrue(raw.imagesPerSecond() > 0 && raw.minMs() <= raw.medianMs());
  }
}
