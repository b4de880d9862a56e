package io.kebridge.prune.store;

import io.kebridge.models.ModelException;
import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.card.SourceFile;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.io.Folders;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.weights.SafeTensors;
import io.kebridge.prune.PruneException;
import io.kebridge.prune.cost.CostComparison;
import io.kebridge.prune.cost.Latency;
import io.kebridge.prune.cut.SlimNetwork;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Writes a slim network as a {@link RunDirectory} ({@code spec.json}, {@code weights.safetensors},
 * {@code card.json}) plus {@code cost.json} and {@code cost.md}. All files go to a hidden staging
 * folder beside the target that is renamed into place at the end, so a failure leaves nothing
 * behind and a reader never sees a half-written slim folder.
 */
public final class SlimFolder {
  /** The cost report's JSON file in a slim folder. */
  public static final String COST_JSON = "cost.json";

  /** The cost report's Markdown file in a slim folder. */
  public static final String COST_MD = "cost.md";

  private SlimFolder() {}

  /**
   * The card of a slim network cut from a dense network: the same labels, input, normalisation
   * and properties, network {@code slim} with {@code split}, the given generation and accuracy,
   * the dense network's accuracy as {@code ke.dense_accuracy} and the weights it was cut from as
   * {@code ke.pruned_from} (file name and SHA-256).
   *
   * @param accuracy the slim network's test accuracy, or null when unknown
   */
  public static ModelCard slimCard(ModelCard dense, String split, int generation, Double accuracy,
      SourceFile cutFrom) {
    ModelCard.Builder b = dense.toBuilder().network(NetworkKind.SLIM).split(split)
        .generation(generation).accuracy(accuracy).source(CardKey.PRUNED_FROM, cutFrom);
    if (dense.accuracy() != null) {
      b.set(CardKey.DENSE_ACCURACY, Double.toString(dense.accuracy()));
    }
    return b.build();
  }

  /**
   * Checks that {@code target} can receive a slim folder: it must not exist, or be an empty
   * directory. Call it before expensive work so that a bad target fails first.
   */
  public static void checkTarget(Path target) {
    try {
      RunDirectory.requireNewOrEmpty(target);
    } catch (ModelException e) {
      throw new PruneException(e.getMessage(), e);
    }
  }

  /**
   * Writes the slim folder.
   *
   * @param weightsMetadata string metadata stored in {@code weights.safetensors} (accuracies)
   * @throws PruneException when the target is not empty or a file cannot be written; nothing is
   *     left behind then
   */
  public static RunDirectory write(Path target, SlimNetwork slim, ModelCard card,
      CostComparison cost, Map<String, String> weightsMetadata) {
    checkTarget(target);
    Path abs = target.toAbsolutePath();
    Path staging = abs.resolveSibling("." + abs.getFileName() + ".staging-" + ProcessHandle
        .current().pid() + "-" + System.nanoTime());
    try {
      RunDirectory dir = RunDirectory.create(staging);
      dir.writeSpec(slim.spec());
      SafeTensors.write(dir.weightsFile(), slim.weights(), weightsMetadata);
      dir.writeCard(card);
      AtomicFiles.writeString(staging.resolve(COST_JSON), cost.toJson());
      AtomicFiles.writeString(staging.resolve(COST_MD), cost.toMarkdown());
      moveIntoPlace(staging, abs);
      return RunDirectory.open(abs);
    } catch (ModelException | PruneException e) {
      deleteTree(staging, e);
      throw e instanceof PruneException p ? p : new PruneException(e.getMessage(), e);
    } catch (IOException e) {
      deleteTree(staging, e);
      throw new PruneException("cannot move the slim folder into " + target + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * Adds measured latency to the cost report of an existing slim folder (both {@code cost.json}
   * and {@code cost.md}, each rewritten atomically): the hook for benchmarks that time the dense
   * and the slim network.
   *
   * @return the updated comparison
   */
  public static CostComparison recordLatency(Path slimFolder, Latency latency) {
    Path json = slimFolder.resolve(COST_JSON);
    if (!Files.isRegularFile(json)) {
      throw new PruneException(slimFolder + " has no " + COST_JSON + "; is it a folder written by"
          + " 'ke prune'?");
    }
    CostComparison updated = CostComparison.read(json).withLatency(latency);
    AtomicFiles.writeString(json, updated.toJson());
    AtomicFiles.writeString(slimFolder.resolve(COST_MD), updated.toMarkdown());
    return updated;
  }

  private static void moveIntoPlace(Path staging, Path target) throws IOException {
    if (Files.isDirectory(target)) {
      try {
        Files.delete(target); // checked empty above; a race with another writer fails here
      } catch (DirectoryNotEmptyException e) {
        throw new PruneException(target + " was filled while the slim folder was written", e);
      }
    }
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(staging, target);
    }
  }

  /** Removes a staging folder after a failure; problems go onto the original exception. */
  static void deleteTree(Path root, Exception cause) {
    try {
      Folders.deleteTree(root);
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }
}
