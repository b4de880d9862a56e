package io.kebridge.serve.repository;

import io.kebridge.serve.ServeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two batching fields this server honours from a Triton {@code config.pbtxt}: {@code
 * max_batch_size} (0 = the model takes no batches; a positive value caps the server's setting)
 * and {@code dynamic_batching { max_queue_delay_microseconds }}. Everything else in the file (the
 * tensor blocks) is read from the ONNX file itself, which is the authority.
 */
public record ModelConfigFile(OptionalInt maxBatchSize, OptionalLong maxQueueDelayMicros) {
  private static final Pattern MAX_BATCH = Pattern.compile("(?m)^\\s*max_batch_size\\s*:\\s*(\\d+)");
  private static final Pattern DELAY =
      Pattern.compile("max_queue_delay_microseconds\\s*:\\s*(\\d+)");

  /** No config file: the server's settings apply. */
  public static ModelConfigFile none() {
    return new ModelConfigFile(OptionalInt.empty(), OptionalLong.empty());
  }

  /** Reads {@code file}, or {@link #none} when it does not exist. */
  public static ModelConfigFile read(Path file) {
    if (!Files.isRegularFile(file)) {
      return none();
    }
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw ServeException.internal("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses the text of a {@code config.pbtxt}. */
  public static ModelConfigFile parse(String text) {
    String noComments = text.replaceAll("(?m)#.*$", "");
    Matcher m = MAX_BATCH.matcher(noComments);
    OptionalInt batch = m.find() ? OptionalInt.of(Integer.parseInt(m.group(1)))
        : OptionalInt.empty();
    Matcher d = DELAY.matcher(noComments);
    OptionalLong delay = d.find() ? OptionalLong.of(Long.parseLong(d.group(1)))
        : OptionalLong.empty();
    return new ModelConfigFile(batch, delay);
  }
}
