package io.kebridge.serve.protocol;

/**
 * An output the client asked for: whether it wants it in the binary part of the answer, and
 * whether it asked for Triton's classification of it ({@code classification}: the top K classes as
 * {@code score:index:label} strings; 0 = the tensor itself).
 */
public record RequestedOutput(String name, boolean binary, int classification) {
  /** The tensor itself. */
  public RequestedOutput(String name, boolean binary) {
    this(name, binary, 0);
  }
}
