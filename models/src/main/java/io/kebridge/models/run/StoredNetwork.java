package io.kebridge.models.run;

import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.SourceFile;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.Weights;
import java.nio.file.Path;

/**
 * A network read from a folder ({@link RunDirectory#network}): its spec, weights and card, and
 * the file the weights came from, by path (to read it again) and as a {@link SourceFile} (to
 * record it).
 *
 * @param card the folder's card; null where it has none (an import made before cards were
 *     always written)
 * @param record what the trainer logged for the generation, or null for a slim or imported
 *     folder's own weights
 */
public record StoredNetwork(NetworkSpec spec, Weights weights, ModelCard card, Path weightsFile,
    SourceFile source, GenerationRecord record) {

  /** The generation the weights are, or null for a slim or imported folder's own weights. */
  public Integer generation() {
    return record == null ? null : record.generation();
  }
}
