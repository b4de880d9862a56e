package io.kebridge.models.card;

import io.kebridge.models.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Where a model came from, in terms that hold on any machine: a file's name (with the folder it
 * sits in, never an absolute path) and the SHA-256 of its bytes. Cards, exported metadata and run
 * configs record sources so ({@code sha256sum FILE} checks one), instead of paths of the machine
 * that produced them.
 *
 * @param name the file's name, for a file inside a model or run folder that folder's name and the
 *     path inside it ({@code digits/generations/gen-003/weights.safetensors})
 * @param sha256 64 lower-case hex digits
 */
public record SourceFile(String name, String sha256) {

  public SourceFile {
    Objects.requireNonNull(name, "name");
    if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
      throw new ModelException("a SHA-256 is 64 lower-case hex digits, got '" + sha256 + "'");
    }
  }

  /** {@code file} by its own name. */
  public static SourceFile of(Path file) {
    return new SourceFile(String.valueOf(file.toAbsolutePath().normalize().getFileName()),
        sha256(file));
  }

  /**
   * {@code file} named by the folder {@code root} it belongs to: the folder's name and the path
   * from it ({@code run/generations/gen-002/weights.safetensors}).
   */
  public static SourceFile of(Path file, Path root) {
    Path r = root.toAbsolutePath().normalize();
    Path f = file.toAbsolutePath().normalize();
    String name = f.startsWith(r)
        ? r.getFileName() + "/" + r.relativize(f).toString().replace('\\', '/')
        : String.valueOf(f.getFileName());
    return new SourceFile(name, sha256(file));
  }

  /** The first 12 hex digits: enough to tell files apart in a console line. */
  public String shortHash() {
    return sha256.substring(0, 12);
  }

  /** {@code name (sha256 0123456789ab...)}. */
  public String describe() {
    return name + " (sha256 " + shortHash() + "...)";
  }

  /** The SHA-256 of {@code bytes}, as 64 lower-case hex digits. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /** The SHA-256 of a file's bytes, streamed. */
  public static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchFileException e) {
      throw new ModelException(file + " does not exist", e);
    } catch (IOException e) {
      throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
