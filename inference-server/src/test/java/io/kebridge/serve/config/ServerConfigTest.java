package io.kebridge.serve.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.serve.ServeException;
import io.kebridge.serve.ServerMain;
import io.kebridge.serve.repository.ModelConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings come from defaults, a file, the environment and options, later ones winning. */
class ServerConfigTest {
  @TempDir Path dir;

  @Test
  void defaultsBindLoopbackWithoutSpinning() {
    ServerConfig c = ServerConfig.builder(dir).build();
    assertEquals("127.0.0.1", c.host());
    assertEquals(8000, c.port());
    assertEquals(32, c.maxBatchSize());
    assertEquals(Duration.ofMillis(2), c.maxQueueDelay());
    assertEquals("all", c.optimizationLevel());
    assertEquals(false, c.spinning());
    assertEquals(null, c.token());
  }

  @Test
  void fileThenEnvironmentThenOptionsOverrideEachOther() throws Exception {
    Path file = dir.resolve("serve.json");
    Files.writeString(file, "{\"repository\": \"models\", \"port\": 9000, \"max-batch-size\": 8,"
        + " \"token\": \"from-file\", \"spinning\": true}");
    ServerConfig c = ServerMain.parse(
        new String[] {"--config", file.toString(), "--max-batch-size=4", "--max-queue-delay-ms",
            "0.5"},
        Map.of("KE_SERVE_PORT", "9100", "KE_SERVE_TOKEN", "from-env"));
    assertEquals(dir.resolve("models"), c.repository());
    assertEquals(9100, c.port());
    assertEquals(4, c.maxBatchSize());
    assertEquals(Duration.ofNanos(500_000), c.maxQueueDelay());
    assertEquals("from-env", c.token());
    assertTrue(c.spinning());
  }

  @Test
  void badSettingsAreRefusedWithTheirName() {
    ServeException e = assertThrows(ServeException.class,
        () -> ServerMain.parse(new String[] {dir.toString(), "--max-batch-size", "0"}, Map.of()));
    assertTrue(e.getMessage().contains("max-batch-size"), e.getMessage());
    e = assertThrows(ServeException.class,
        () -> ServerMain.parse(new String[] {dir.toString(), "--colour", "red"}, Map.of()));
    assertTrue(e.getMessage().contains("unknown server setting 'colour'"), e.getMessage());
    e = assertThrows(ServeException.class,
        () -> ServerMain.parse(new String[] {"--port", "80"}, Map.of()));
    assertTrue(e.getMessage().contains("repository"), e.getMessage());
  }

  @Test
  void tritonConfigCapsTheBatchAndSetsTheDelay() {
    ModelConfigFile c = ModelConfigFile.parse("name: \"m\"\n# max_batch_size: 99\n"
        + "max_batch_size: 16\ndynamic_batching {\n  max_queue_delay_microseconds: 500\n}\n");
    assertEquals(16, c.maxBatchSize().getAsInt());
    assertEquals(500, c.maxQueueDelayMicros().getAsLong());
    assertTrue(ModelConfigFile.parse("name: \"m\"").maxBatchSize().isEmpty());
  }
}
