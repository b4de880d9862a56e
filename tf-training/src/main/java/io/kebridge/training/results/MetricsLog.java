package io.kebridge.training.results;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.io.JsonErrors;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.TrainingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per line, first the starting weights of a run that
 * started from another network's ({@link InitRecord}), then per epoch ({@link EpochMetrics}) and
 * per generation ({@link GenerationRecord}) in the order they happened, and a last {@code
 * {"type":"finished"}} line once the run trained everything it was asked for. The whole file is
 * rewritten atomically each time (it is small), so after a kill and resume it holds exactly the
 * records of the checkpointed state, never duplicates.
 */
public final class MetricsLog {
  /** The file's name inside a run directory. */
  public static final String FILE = "metrics.jsonl";

  private static final ObjectMapper JSON = new ObjectMapper();

  private MetricsLog() {}

  /**
   * What a metrics file holds.
   *
   * @param finished true when its last line says the run finished
   * @param seconds the run's wall time: from the finished line, else the sum of what is logged
   * @param init how the run started from another network's weights, or null
   */
  public record Contents(
      List<EpochMetrics> epochs, List<GenerationRecord> generations, boolean finished,
      double seconds, InitRecord init) {
    public Contents {
      epochs = List.copyOf(epochs);
      generations = List.copyOf(generations);
    }
  }

  /**
   * Writes the records in the order they happened (each generation after its last epoch), then
   * the finished line when {@code finishedSeconds} is not null.
   */
  public static void write(
      Path file, List<EpochMetrics> epochs, List<GenerationRecord> generations,
      Double finishedSeconds) {
    write(file, null, epochs, generations, finishedSeconds);
  }

  /** Writes the records, the starting weights' record {@code init} (when not null) first. */
  public static void write(
      Path file, InitRecord init, List<EpochMetrics> epochs, List<GenerationRecord> generations,
      Double finishedSeconds) {
    StringBuilder b = new StringBuilder();
    try {
      if (init != null) {
        b.append(JSON.writeValueAsString(init)).append('\n');
      }
      for (Object r : ordered(epochs, generations)) {
        b.append(JSON.writeValueAsString(r)).append('\n');
      }
      if (finishedSeconds != null) {
        b.append(JSON.writeValueAsString(Map.of("type", "finished", "seconds", finishedSeconds)))
            .append('\n');
      }
    } catch (JsonProcessingException e) {
      throw new TrainingException("cannot encode metrics: " + e.getMessage(), e);
    }
    AtomicFiles.writeString(file, b.toString());
  }

  private static List<Object> ordered(List<EpochMetrics> epochs, List<GenerationRecord> gens) {
    List<Object> out = new ArrayList<>();
    int gi = 0;
    for (EpochMetrics e : epochs) {
      while (gi < gens.size() && gens.get(gi).generation() < e.generation()) {
        out.add(gens.get(gi++));
      }
      out.add(e);
    }
    while (gi < gens.size()) {
      out.add(gens.get(gi++));
    }
    return out;
  }

  /** Reads a metrics file; errors name the file and line. */
  public static Contents read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      throw new TrainingException(file + " does not exist: is this a ke training run?");
    } catch (IOException e) {
      throw new TrainingException("cannot read " + file + ": " + JsonErrors.describe(e), e);
    }
    List<EpochMetrics> epochs = new ArrayList<>();
    List<GenerationRecord> gens = new ArrayList<>();
    InitRecord init = null;
    Double finished = null;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      try {
        JsonNode n = JSON.readTree(lines.get(i));
        switch (n.path("type").asText()) {
          case "epoch" -> epochs.add(JSON.treeToValue(n, EpochMetrics.class));
          case "generation" -> gens.add(JSON.treeToValue(n, GenerationRecord.class));
          case "init" -> init = JSON.treeToValue(n, InitRecord.class);
          case "finished" -> finished = n.path("seconds").asDouble();
          default -> throw new TrainingException(file + " line " + (i + 1)
              + " is not a metrics record (type '" + n.path("type").asText() + "')");
        }
      } catch (JsonProcessingException | RuntimeException e) {
        if (e instanceof TrainingException t) {
          throw t;
        }
        throw new TrainingException(file + " line " + (i + 1) + " is not a metrics record: "
            + JsonErrors.reason(e), e);
      }
    }
    double seconds = finished != null
        ? finished
        : epochs.stream().mapToDouble(EpochMetrics::seconds).sum()
            + gens.stream().mapToDouble(GenerationRecord::keStepSeconds).sum();
    return new Contents(epochs, gens, finished != null, seconds, init);
  }

  /** The generation records of a {@code metrics.jsonl}, in order. */
  public static List<GenerationRecord> generations(Path file) {
    return read(file).generations();
  }
}
