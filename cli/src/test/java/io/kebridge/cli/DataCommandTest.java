package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DataCommandTest {

  @Test
  void dataDescribesTheEmbeddedDefault() {
    CliRun r = CliRun.of("data");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("fashion-mnist-small: 10 classes, images 1x28x28"), r.out());
    assertTrue(r.out().contains("1000 images"), r.out());
    assertTrue(r.out().contains("Ankle boot"), r.out());
  }

  @Test
  void aMissingDatasetIsAOneLineError() {
    CliRun r = CliRun.of("data", "/no/such/folder");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().startsWith("ke: error: dataset /no/such/folder does not exist"), r.err());
  }
}
