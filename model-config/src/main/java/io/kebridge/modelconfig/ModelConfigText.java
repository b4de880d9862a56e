package io.kebridge.modelconfig;

import com.google.protobuf.TextFormat;
import io.kebridge.modelconfig.proto.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes Triton's {@code config.pbtxt} (protobuf text format) with protobuf's own
 * {@link TextFormat}, into and from the {@link ModelConfig} messages of {@code model_config.proto}.
 * A field outside ke-bridge's subset does not fail the read: it is skipped and reported in {@link
 * Parsed#ignored()} so that the caller can warn about it; a syntax error, a wrong type or an unknown
 * enum value fails with the line and column.
 */
public final class ModelConfigText {
  /** Protobuf logs skipped fields through java.util.logging; {@link Parsed#ignored} reports them. */
  private static final Logger PROTOBUF_LOG = Logger.getLogger(TextFormat.class.getName());
  private static final Pattern UNKNOWN =
      Pattern.compile("(?m)^(\\d+):(\\d+):\\s*inference\\.([A-Za-z0-9_.]+)$");
  private static final TextFormat.Parser STRICT = TextFormat.Parser.newBuilder().build();
  private static final TextFormat.Parser LENIENT =
      TextFormat.Parser.newBuilder().setAllowUnknownFields(true).build();

  static {
    PROTOBUF_LOG.setLevel(Level.SEVERE);
  }

  private ModelConfigText() {}

  /**
   * A parsed file: the configuration and the fields that were skipped, each as {@code
   * Message.field (line L)}, e.g. {@code ModelConfig.sequence_batching (line 7)}.
   */
  public record Parsed(ModelConfig config, List<String> ignored) {
    /** Keeps the list unmodifiable. */
    public Parsed {
      ignored = List.copyOf(ignored);
    }
  }

  /** Parses the text of a {@code config.pbtxt}; {@code source} names it in error messages. */
  public static Parsed parse(String text, String source) {
    ModelConfig.Builder b = ModelConfig.newBuilder();
    try {
      STRICT.merge(text, b);
      return new Parsed(b.build(), List.of());
    } catch (TextFormat.ParseException strict) {
      List<String> ignored = unknownFields(strict.getMessage());
      if (ignored.isEmpty()) {
        throw new ModelConfigException(source + ": " + strict.getMessage(), strict);
      }
      ModelConfig.Builder lenient = ModelConfig.newBuilder();
      try {
        LENIENT.merge(text, lenient);
      } catch (TextFormat.ParseException e) {
        throw new ModelConfigException(source + ": " + e.getMessage(), e);
      }
      return new Parsed(lenient.build(), ignored);
    }
  }

  /** Text format of {@code config}, as protobuf prints it, after a one-line comment. */
  public static String print(ModelConfig config, String comment) {
    StringBuilder s = new StringBuilder();
    if (comment != null && !comment.isBlank()) {
      for (String line : comment.split("\n")) {
        s.append("# ").append(line).append('\n');
      }
    }
    return s.append(TextFormat.printer().printToString(config)).toString();
  }

  private static List<String> unknownFields(String message) {
    List<String> out = new ArrayList<>();
    if (message == null || !message.contains("unknown fields")) {
      return out;
    }
    Matcher m = UNKNOWN.matcher(message);
    while (m.find()) {
      out.add(m.group(3) + " (line " + m.group(1) + ")");
    }
    return out;
  }
}
