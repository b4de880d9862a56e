package io.kebridge.training.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.data.Datasets;
import io.kebridge.training.results.EpochMetrics;
import io.kebridge.training.results.KeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run in a separate JVM is killed with SIGKILL in the middle of a generation, then resumed here:
 * it must end with the metrics of an uninterrupted run.
 */
class KillAndResumeTest {

  static KeConfig config() {
    return KeTrainerTest.tiny().generations(2).epochs(3).build();
  }

  /** The child process: trains slowly (a pause after each epoch) until it is killed. */
  public static final class Child {
    public static void main(String[] args) {
      KeTrainer.create(config(), Datasets.load("digits"), Path.of(args[0]))
          .checkpointEvery(java.time.Duration.ZERO) // a resume point after every epoch
          .addListener(
              new TrainingListener() {
                @Override
                public void onEpochEnd(EpochMetrics m) {
                  try {
                    Thread.sleep(300);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }
              })
          .run();
    }
  }

  @Test
  void runKilledMidGenerationResumesToTheUninterruptedMetrics(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("killed");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb =
        new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
            Child.class.getName(), dir.toString());
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    pb.redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile());
    Process child = pb.start();
    Path latest = dir.resolve("checkpoints/latest.json");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline && child.isAlive()
        && !(Files.exists(latest) && Files.readString(latest).contains("g001-e0002"))) {
      Thread.sleep(20);
    }
    assertTrue(child.isAlive(), "the child is still training when it is killed: "
        + Files.readString(tmp.resolve("child.log")));
    child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no cleanup
    assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    assertFalse(Files.exists(dir.resolve("generations/gen-002")), "killed before generation 2");

    KeResult resumed = KeTrainer.resume(dir, Datasets.load("digits")).run();
    KeResult whole = KeTrainer.create(config(), Datasets.load("digits"), tmp.resolve("whole")).run();
    assertEquals(6, resumed.epochs().size());
    KeTrainerTest.assertSameMetrics(whole, resumed);
  }
}
