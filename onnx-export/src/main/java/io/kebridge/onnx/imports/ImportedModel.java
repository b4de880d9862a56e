package io.kebridge.onnx.imports;

import io.kebridge.models.card.ModelCard;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.SafeTensors;
import io.kebridge.models.weights.Weights;
import java.util.Map;
import java.util.Optional;

/**
 * A network read from an ONNX file: its spec, its weights in ke-bridge's canonical layouts and,
 * when the file carries {@code ke.*} metadata, its model card.
 *
 * @param card null when the file has no ke-bridge metadata (a model from another stack)
 * @param original the file as the import check runs it; null for a model built by other means
 */
public record ImportedModel(NetworkSpec spec, Weights weights, ModelCard card,
    OriginalModel original) {

  /** A model without its original file. */
  public ImportedModel(NetworkSpec spec, Weights weights, ModelCard card) {
    this(spec, weights, card, null);
  }

  /** The card, when the file had one. */
  public Optional<ModelCard> optionalCard() {
    return Optional.ofNullable(card);
  }

  /**
   * Writes {@code spec.json}, {@code weights.safetensors} and (when known) {@code card.json} into
   * a slim-style run directory, which every ke-bridge tool reads.
   *
   * @param provenance stored as the weights file's metadata (for example the source file)
   */
  public RunDirectory writeTo(RunDirectory dir, Map<String, String> provenance) {
    dir.writeSpec(spec);
    SafeTensors.write(dir.weightsFile(), weights, provenance);
    if (card != null) {
      dir.writeCard(card);
    }
    return dir;
  }
}
