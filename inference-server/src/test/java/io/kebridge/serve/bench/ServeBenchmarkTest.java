package io.kebridge.serve.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestModels;
import io.kebridge.serve.session.SessionSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared serving benchmark measures every client count in order, bracketed by raw runs. */
class ServeBenchmarkTest {
  @TempDir Path repo;

  @Test
  void everyClientCountIsMeasuredInOrderAndComparedWithRaw() {
    Path file = TestModels.write(repo, "digits", 1, 1);
    PreparedRequest request = PreparedRequest.of("input", new long[] {1, 1, 8, 8}, true, 1);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo).build())) {
      URI uri = URI.create(server.url() + "/v2/models/digits/infer");
      List<Integer> seen = new ArrayList<>();
      ServeBenchmark.Result r = ServeBenchmark.run(new ServeBenchmark.Settings(
          new HttpLoad(uri, request, null), List.of(1, 3), Duration.ofMillis(200),
          Duration.ofMillis(50), Duration.ofMillis(300), 1, file, SessionSettings.defaults(), 4),
          load -> seen.add(load.concurrency()));
      assertEquals(List.of(1, 3), seen);
      assertEquals(2, r.loads().size());
      assertNotNull(r.before());
      assertNotNull(r.after());
      for (LoadReport load : r.loads()) {
        assertEquals(0, load.errors(), load.firstError());
        double expected = 100 * load.imagesPerSecond()
            / ((r.before().imagesPerSecond() + r.after().imagesPerSecond()) / 2);
        assertEquals(expected, r.percentOfRaw(load), 1e-9);
        assertTrue(r.percentOfRaw(load) > 0);
      }

      ServeBenchmark.Result noRaw = ServeBenchmark.run(new ServeBenchmark.Settings(
          new HttpLoad(uri, request, null), List.of(2), Duration.ZERO, Duration.ZERO,
          Duration.ofMillis(200), 1, null, SessionSettings.defaults(), 4), load -> { });
      assertNull(noRaw.before());
      assertTrue(Double.isNaN(noRaw.rawImagesPerSecond()));
    }
  }

  @Test
  void nonsenseSettingsAreRefused() {
    LoadClient uri = new LoadClient() {
      @Override
      public String send() {
        return null;
      }

      @Override
      public String probe() {
        return null;
      }

      @Override
      public long serverSuccessNanos() {
        return -1;
      }
    };
    assertThrows(IllegalArgumentException.class, () -> new ServeBenchmark.Settings(uri,
        List.of(0), Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), 1, null,
        SessionSettings.defaults(), 4));
    assertThrows(IllegalArgumentException.class, () -> new ServeBenchmark.Settings(uri,
        List.of(1), Duration.ofSeconds(-1), Duration.ZERO, Duration.ofSeconds(1), 1, null,
        SessionSettings.defaults(), 4));
  }
}
