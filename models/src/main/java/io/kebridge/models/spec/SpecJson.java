package io.kebridge.models.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.kebridge.models.ModelException;
import io.kebridge.models.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads and writes {@link NetworkSpec} as versioned JSON ({@code spec.json} in a run folder). */
public final class SpecJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private SpecJson() {}

  /** The spec as indented JSON text. */
  public static String toJson(NetworkSpec spec) {
    try {
      return MAPPER.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new ModelException("cannot write network spec: " + e.getOriginalMessage(), e);
    }
  }

  /** Parses JSON text; errors name what is wrong with the spec. */
  public static NetworkSpec fromJson(String json) {
    try {
      return MAPPER.readValue(json, NetworkSpec.class);
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ModelException me) {
        throw me;
      }
      throw new ModelException("invalid network spec: " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw new ModelException("invalid network spec JSON: " + describe(e), e);
    }
  }

  /**
   * Jackson's message without its source dump, with the line and column: what a person editing
   * the file needs.
   */
  public static String describe(JsonProcessingException e) {
    String m = e.getOriginalMessage().replaceAll("\\s*\\(start marker at .*$", "")
        .replaceAll("\\s*at \\[Source:.*$", "");
    var where = e.getLocation();
    return where == null || where.getLineNr() < 0 ? m
        : m + " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")";
  }

  /** Writes the spec atomically. */
  public static void write(NetworkSpec spec, Path file) {
    AtomicFiles.writeString(file, toJson(spec));
  }

  /** Reads a spec file, with an error that names the file. */
  public static NetworkSpec read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ModelException("network spec " + file + " does not exist");
    } catch (IOException e) {
      throw new ModelException("cannot read network spec " + file + ": " + e.getMessage(), e);
    }
    try {
      return fromJson(text);
    } catch (ModelException e) {
      throw new ModelException(file + ": " + e.getMessage(), e);
    }
  }
}
