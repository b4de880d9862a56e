package io.kebridge.models.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.kebridge.models.ModelException;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.io.JsonErrors;
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

  /**
   * The most values one input image of a spec read from a file may hold (2^26: 4,096 x 4,096 x
   * 4), so that a damaged file cannot make a tool allocate images no machine holds.
   */
  public static final long MAX_INPUT_VALUES = 1L << 26;

  /** Parses JSON text; errors name what is wrong with the spec. */
  public static NetworkSpec fromJson(String json) {
    try {
      NetworkSpec spec = MAPPER.readValue(json, NetworkSpec.class);
      if (spec == null) {
        throw new ModelException("the network spec is null");
      }
      ActivationShape in = spec.input().shape();
      if (in.elements() > MAX_INPUT_VALUES) {
        throw new ModelException("the network's input " + in + " holds " + in.elements()
            + " values per image, more than the " + MAX_INPUT_VALUES + " ke-bridge takes");
      }
      return spec;
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ModelException me) {
        throw me;
      }
      throw new ModelException("invalid network spec: " + JsonErrors.describe(e), e);
    } catch (JsonProcessingException e) {
      String reason = JsonErrors.describe(e);
      throw new ModelException(reason.startsWith("is ") ? "the network spec " + reason
          : "invalid network spec JSON: " + reason, e);
    }
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
      throw new ModelException("cannot read network spec " + file + ": " + JsonErrors.describe(e),
          e);
    }
    try {
      return fromJson(text);
    } catch (ModelException e) {
      throw new ModelException(file + ": " + e.getMessage(), e);
    }
  }
}
