package io.kebridge.training.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.training.TrainingException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes {@code metrics.jsonl}: one JSON object per line, per epoch and per generation, in the
 * order they happened. The whole file is rewritten atomically each time (it is small), so after a
 * kill and resume it holds exactly the records of the checkpointed state, never duplicates.
 */
public final class MetricsLog {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MetricsLog() {}

  /** Writes the records, one line each. */
  public static void write(Path file, List<?> records) {
    StringBuilder b = new StringBuilder();
    try {
      for (Object r : records) {
        b.append(JSON.writeValueAsString(r)).append('\n');
      }
    } catch (JsonProcessingException e) {
      throw new TrainingException("cannot encode metrics: " + e.getMessage(), e);
    }
    AtomicFiles.writeString(file, b.toString());
  }
}
