package io.kebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The server must run next to models trained anywhere, so TensorFlow may never reach its class
 * path. Surefire's class path is this module's whole dependency tree, test scope included, so a
 * TensorFlow artifact pulled in by any dependency shows up here.
 */
class NoTensorFlowOnClassPathTest {
  @Test
  void noTensorFlowArtifactIsOnTheClassPath() {
    List<String> tf = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> e.toLowerCase(Locale.ROOT).contains("tensorflow"))
        .toList();
    assertEquals(List.of(), tf, "TensorFlow artifacts on the server's class path");
  }

  @Test
  void tensorFlowClassesCannotBeLoaded() {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("org.tensorflow.Tensor"));
    assertThrows(ClassNotFoundException.class, () -> Class.forName("org.tensorflow.Session"));
  }
}
