package io.kebridge.serve.repository;

/**
 * One entry of the repository index (Triton's repository extension): a model, or one version of
 * it, with its state ({@code READY}, {@code LOADING}, {@code UNAVAILABLE}) and why it is in it.
 *
 * @param version the version, or null for a model none of whose versions is known
 */
public record ModelState(String name, Long version, String state, String reason) {
  /** Served and taking requests. */
  public static final String READY = "READY";
  /** Being loaded and warmed up. */
  public static final String LOADING = "LOADING";
  /** Not served: failed, unloaded or not loaded yet. */
  public static final String UNAVAILABLE = "UNAVAILABLE";
}
