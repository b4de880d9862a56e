package io.kebridge.models.data;

/** A dataset as training uses it: a training part and a held-out test part. */
public record DataSplits(Dataset train, Dataset test) {
  /** Name of the source (for reports and provenance). */
  public String name() {
    return train.name().replaceAll("\\[.*$", "");
  }
}
