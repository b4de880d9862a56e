package io.kebridge.models.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.CharConversionException;
import java.nio.charset.CharacterCodingException;

/**
 * One line that says what is wrong with a JSON or YAML document, for error messages that name
 * the file themselves. Jackson's own messages run over several lines (the source, a location, a
 * reference chain) and say "No content to map due to end-of-input" for an empty file; this keeps
 * the reason, the field path and the line and column, on one line.
 */
public final class JsonErrors {
  private JsonErrors() {}

  /**
   * The reason {@code e} gives, on one line: {@code "is empty"}, or its message followed by the
   * field it concerns ({@code "in rows[2].config"}) and where it happened ({@code "(line 3, column
   * 7)"}).
   */
  public static String describe(Exception e) {
    String reason = reason(e);
    if (e instanceof JsonProcessingException j && !reason.equals("is empty")) {
      JsonLocation at = j.getLocation();
      if (at != null && at.getLineNr() > 0) {
        return reason + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
      }
    }
    return reason;
  }

  /**
   * The whole message for a file that could not be read: {@code "the run's config /r/config.json
   * is empty"}, or {@code "... is not valid: Unexpected end-of-input ... (line 3, column 1)"}.
   *
   * @param what what the file is, for the reader ({@code the run's config})
   */
  public static String sentence(String what, Object file, Exception e) {
    String reason = describe(e);
    return what + " " + file + (reason.startsWith("is ") ? " " + reason
        : " is not valid: " + reason);
  }

  /** {@link #describe} without the line and column (for text whose lines are counted apart). */
  public static String reason(Exception e) {
    if (e instanceof MismatchedInputException m && isEndOfInput(m)) {
      return "is empty";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CharacterCodingException || t instanceof CharConversionException) {
        return "is not UTF-8 text";
      }
    }
    if (!(e instanceof JsonProcessingException j)) {
      return oneLine(e.getMessage() == null ? e.toString() : e.getMessage());
    }
    // the parser's own location dumps go: the line and column follow in describe()
    String m = String.valueOf(j.getOriginalMessage())
        .replaceAll("\\s*\\(start marker at [\\s\\S]*$", "")
        .replaceAll("\\s*at \\[Source:[\\s\\S]*$", "");
    StringBuilder b = new StringBuilder(oneLine(m));
    String path = e instanceof JsonMappingException jm ? path(jm) : "";
    if (!path.isEmpty()) {
      b.append(" in ").append(path);
    }
    return b.toString();
  }

  private static boolean isEndOfInput(MismatchedInputException m) {
    String msg = m.getOriginalMessage();
    return msg != null && msg.startsWith("No content to map due to end-of-input");
  }

  /** The path of fields and indices the error concerns: {@code rows[2].config.epochs}. */
  private static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  /**
   * {@code text} on one line: line breaks and other control characters become spaces, runs of
   * spaces one, and anything past 300 characters is cut ({@code ...}), so that a value quoted
   * from a hostile file cannot break the message up or flood the terminal.
   */
  public static String oneLine(String text) {
    StringBuilder b = new StringBuilder(Math.min(text.length(), 320));
    boolean space = false;
    int i = 0;
    for (; i < text.length() && b.length() < 300; i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) || Character.isWhitespace(c)) {
        if (!space && b.length() > 0) {
          b.append(' ');
        }
        space = true;
      } else {
        b.append(c);
        space = false;
      }
    }
    String s = b.toString().strip();
    return i < text.length() ? s + " ..." : s;
  }
}
