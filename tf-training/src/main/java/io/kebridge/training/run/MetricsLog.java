package io.kebridge.training.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.training.TrainingException;
import io.kebridge.training.ke.GenerationResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
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

  /** The generation records of a {@code metrics.jsonl}, in order; errors name the file and line. */
  public static List<GenerationResult> generations(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      throw new TrainingException(file + " does not exist: is this a ke training run?");
    } catch (IOException e) {
      throw new TrainingException("cannot read " + file + ": " + e.getMessage(), e);
    }
    List<GenerationResult> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      try {
        JsonNode n = JSON.readTree(lines.get(i));
        if ("generation".equals(n.path("type").asText())) {
          out.add(JSON.treeToValue(n, GenerationResult.class));
        }
      } catch (JsonProcessingException e) {
        throw new TrainingException(file + " line " + (i + 1) + " is not a metrics record: "
            + e.getOriginalMessage(), e);
      }
    }
    return out;
  }
}
