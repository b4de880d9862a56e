package io.kebridge.serve.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.serve.ServeException;
import io.kebridge.serve.ServerMain;
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
    assertTrue(e.getMessage().contains("--colour"), e.getMessage());
    e = assertThrows(ServeException.class,
        () -> ServerMain.parse(new String[] {"--port", "80"}, Map.of()));
    assertTrue(e.getMessage().contains("repository"), e.getMessage());
  }

  @Test
  void tritonNamesAreAliasesAndFlagsNegate() {
    ServerConfig c = ServerMain.parse(new String[] {"--model-repository", dir.toString(),
        "--http-port", "9001", "--grpc-port", "9002", "--no-grpc", "--model-control-mode",
        "explicit", "--load-model", "a", "--load-model", "b,c"}, Map.of());
    assertEquals(dir, c.repository());
    assertEquals(9001, c.port());
    assertEquals(9002, c.grpcPort());
    assertEquals(false, c.grpc());
    assertEquals(ModelControlMode.EXPLICIT, c.controlMode());
    assertEquals(java.util.List.of("a", "b", "c"), c.loadModels());
    assertEquals(true, ServerMain.parse(new String[] {dir.toString(), "--allow-grpc=true"},
        Map.of()).grpc());
    assertEquals(true, ServerMain.parse(new String[] {dir.toString(), "--spinning"}, Map.of())
        .spinning());
  }

  @Test
  void everySettingHasOneDefinitionReadByFileEnvironmentAndOptions() throws Exception {
    // Every key is an option, an environment variable and a file key; the defaults of the
    // builder are the table's.
    ServerConfig defaults = ServerConfig.builder(dir).build();
    for (ServerSetting s : ServerSetting.values()) {
      if (s == ServerSetting.REPOSITORY) {
        continue;
      }
      String option = "--" + s.key();
      assertTrue(ServerMain.commandLine().getCommandSpec().findOption(option) != null, option);
      assertTrue(s.envName().startsWith("KE_SERVE_"), s.envName());
      ServerConfig.Builder b = ServerConfig.builder(dir);
      s.apply(b, s.defaultValue());
      assertEquals(defaults, b.build(), "default of " + s.key());
    }
    Path file = dir.resolve("serve.json");
    Files.writeString(file, "{\"load-model\": [\"x\", \"y\"], \"model-control-mode\": "
        + "\"explicit\", \"grpc\": false}");
    ServerConfig c = ServerMain.parse(new String[] {dir.toString(), "--config", file.toString()},
        Map.of("KE_SERVE_GRPC_PORT", "7001"));
    assertEquals(java.util.List.of("x", "y"), c.loadModels());
    assertEquals(7001, c.grpcPort());
    assertEquals(false, c.grpc());
  }

  @Test
  void theTokenNeverAppearsInTheTextOfAConfiguration() {
    ServerConfig c = ServerConfig.builder(dir).token("s3cr3t-t0ken").build();
    assertTrue(!c.toString().contains("s3cr3t"), c.toString());
    assertTrue(c.toString().contains("token=****"), c.toString());
    assertTrue(ServerConfig.builder(dir).build().toString().contains("token=none"));
  }

  @Test
  void loadModelNeedsExplicitMode() {
    ServeException e = assertThrows(ServeException.class,
        () -> ServerMain.parse(new String[] {dir.toString(), "--load-model", "a"}, Map.of()));
    assertTrue(e.getMessage().contains("explicit"), e.getMessage());
  }
}
