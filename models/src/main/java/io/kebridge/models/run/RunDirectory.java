package io.kebridge.models.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.card.SourceFile;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.io.JsonErrors;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.SpecJson;
import io.kebridge.models.split.Mask;
import io.kebridge.models.split.MaskFiles;
import io.kebridge.models.weights.SafeTensors;
import io.kebridge.models.weights.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The files a KE run or a slim network leaves behind, in the one layout every tool reads:
 *
 * <pre>
 * DIR/spec.json                                   the network (NetworkSpec)
 * DIR/card.json                                   labels, input, normalisation, split, provenance
 *                                                 (ModelCard metadata as a JSON object)
 * DIR/weights.safetensors                         a slim or imported network's weights
 * DIR/generations/gen-NNN/weights.safetensors     a run's weights after generation NNN, with
 *                                                 its GenerationRecord as metadata
 * DIR/generations/gen-NNN/masks.safetensors       the split masks of that generation (1 = fit)
 * </pre>
 *
 * Training adds its own resume state, metrics and report beside these; other tools ignore them.
 */
public final class RunDirectory {
  private static final String WEIGHTS_FILE = "weights.safetensors";
  private static final String MASKS_FILE = "masks.safetensors";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path dir;

  private RunDirectory(Path dir) {
    this.dir = dir;
  }

  /** A directory to write into (created on first write). */
  public static RunDirectory create(Path dir) {
    return new RunDirectory(dir);
  }

  /** An existing run or slim directory; fails clearly when it is not one. */
  public static RunDirectory open(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new ModelException("run directory " + dir + " does not exist");
    }
    if (!Files.isRegularFile(dir.resolve("spec.json"))) {
      throw new ModelException(dir + " is not a ke-bridge run or slim directory (no spec.json)");
    }
    return new RunDirectory(dir);
  }

  /**
   * Checks that a tool may write a new folder at {@code target}: it does not exist or is an empty
   * directory, so that nothing a user keeps there is overwritten.
   */
  public static void requireNewOrEmpty(Path target) {
    if (!Files.exists(target)) {
      return;
    }
    if (!Files.isDirectory(target)) {
      throw new ModelException(target + " exists and is not a directory; choose another --out");
    }
    try (Stream<Path> s = Files.list(target)) {
      if (s.findAny().isPresent()) {
        throw new ModelException(
            target + " already exists and is not empty; choose another --out or remove it");
      }
    } catch (IOException e) {
      throw new ModelException("cannot read " + target + ": " + e.getMessage(), e);
    }
  }

  public Path path() {
    return dir;
  }

  public Path specFile() {
    return dir.resolve("spec.json");
  }

  public Path cardFile() {
    return dir.resolve("card.json");
  }

  /** The weights of a slim or imported network (not of a run's generations). */
  public Path weightsFile() {
    return dir.resolve(WEIGHTS_FILE);
  }

  /** The folder of generation {@code g} (1-based). */
  public Path generationDir(int g) {
    return dir.resolve(generationFolder(g));
  }

  private static String generationFolder(int g) {
    return String.format(Locale.ROOT, "generations/gen-%03d", g);
  }

  /** The weights file of generation {@code g}, relative to a run directory. */
  public static String generationWeightsPath(int g) {
    return generationFolder(g) + "/" + WEIGHTS_FILE;
  }

  /** The masks file of generation {@code g}, relative to a run directory. */
  public static String generationMasksPath(int g) {
    return generationFolder(g) + "/" + MASKS_FILE;
  }

  public NetworkSpec spec() {
    return SpecJson.read(specFile());
  }

  public void writeSpec(NetworkSpec spec) {
    SpecJson.write(spec, specFile());
  }

  /** True when the folder has a {@code card.json}. */
  public boolean hasCard() {
    return Files.isRegularFile(cardFile());
  }

  /** The model card, or fails naming the missing or invalid file on one line. */
  public ModelCard card() {
    Path f = cardFile();
    if (!Files.isRegularFile(f)) {
      throw new ModelException(dir + " has no card.json (labels, input, normalisation)");
    }
    Map<String, String> m;
    try {
      m = JSON.readValue(f.toFile(), new TypeReference<TreeMap<String, String>>() {});
    } catch (IOException e) {
      throw new ModelException(JsonErrors.sentence("model card", f, e)
          + " (a JSON object of ke.* keys is expected)", e);
    }
    if (m == null) {
      throw new ModelException("model card " + f + " is not a JSON object of ke.* keys: null");
    }
    try {
      return ModelCard.fromMetadata(m);
    } catch (ModelException e) {
      throw new ModelException("model card " + f + ": " + e.getMessage(), e);
    }
  }

  public void writeCard(ModelCard card) {
    try {
      AtomicFiles.writeString(cardFile(), JSON.writeValueAsString(card.toMetadata()));
    } catch (IOException e) {
      throw new ModelException("cannot write " + cardFile() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The network this folder holds, ready to run: with {@code generation} null, a slim or imported
   * folder's own weights, else (or when the folder has none) generation {@code generation} of a
   * run (default: the last finished one) as its dense network, its card saying that generation and
   * its dense accuracy.
   *
   * @throws ModelException when the folder has neither weights nor that generation, or a run's
   *     generation has no card to describe it
   */
  public StoredNetwork network(Integer generation) {
    Path file = networkFile(generation);
    NetworkSpec spec = spec();
    ModelCard card = hasCard() ? card() : null;
    if (file.equals(weightsFile())) {
      return new StoredNetwork(spec, matching(SafeTensors.read(file).weights(), spec, file), card,
          file, SourceFile.of(file, dir), null);
    }
    if (card == null) {
      card(); // fails naming the missing file
    }
    int g = generation != null ? generation : latestGeneration();
    SafeTensors.Contents contents = generationWeights(g);
    GenerationRecord record = GenerationRecord.fromMetadata(g, contents.metadata());
    ModelCard dense = card.toBuilder().network(NetworkKind.DENSE).generation(g)
        .accuracy(record.denseAccuracy()).build();
    return new StoredNetwork(spec, matching(contents.weights(), spec, file), dense, file,
        SourceFile.of(file, dir), record);
  }

  /**
   * {@code weights}, checked to be the spec's: what a file holds bounds every tensor a tool then
   * allocates for the network, whatever sizes a damaged spec.json claims.
   */
  private static Weights matching(Weights weights, NetworkSpec spec, Path file) {
    try {
      weights.checkMatches(spec);
      return weights;
    } catch (ModelException e) {
      throw new ModelException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The weights file {@link #network} reads for {@code generation}, without reading it.
   *
   * @throws ModelException when the folder has neither weights nor that generation
   */
  public Path networkFile(Integer generation) {
    if (generation == null && Files.isRegularFile(weightsFile())) {
      return weightsFile();
    }
    if (generations().isEmpty()) {
      throw new ModelException(Files.isRegularFile(weightsFile())
          ? dir + " is a slim or imported folder (weights.safetensors, no generations): it has no"
              + " generation " + generation
          : dir + " has neither weights.safetensors nor finished generations");
    }
    int g = generation != null ? generation : latestGeneration();
    Path f = generationWeightsFile(g);
    if (!Files.isRegularFile(f)) {
      throw new ModelException(dir + " has no weights for generation " + g + " (generations: "
          + generations() + ")");
    }
    return f;
  }

  /** Generations that have weights, ascending. */
  public List<Integer> generations() {
    Path g = dir.resolve("generations");
    List<Integer> out = new ArrayList<>();
    if (!Files.isDirectory(g)) {
      return out;
    }
    try (Stream<Path> s = Files.list(g)) {
      s.forEach(
          p -> {
            String n = p.getFileName().toString();
            if (n.matches("gen-\\d+") && Files.isRegularFile(p.resolve(WEIGHTS_FILE))) {
              out.add(Integer.parseInt(n.substring(4)));
            }
          });
    } catch (IOException e) {
      throw new ModelException("cannot list " + g + ": " + e.getMessage(), e);
    }
    out.sort(null);
    return out;
  }

  /** The weights file of generation {@code g}. */
  public Path generationWeightsFile(int g) {
    return generationDir(g).resolve(WEIGHTS_FILE);
  }

  /** The masks file of generation {@code g}. */
  public Path generationMasksFile(int g) {
    return generationDir(g).resolve(MASKS_FILE);
  }

  /** The last finished generation; fails when there is none. */
  public int latestGeneration() {
    List<Integer> g = generations();
    if (g.isEmpty()) {
      throw new ModelException(dir + " has no finished generation yet");
    }
    return g.get(g.size() - 1);
  }

  /** Weights and metadata after generation {@code g}. */
  public SafeTensors.Contents generationWeights(int g) {
    Path f = generationWeightsFile(g);
    if (!Files.isRegularFile(f)) {
      throw new ModelException(dir + " has no weights for generation " + g + " (generations: "
          + generations() + ")");
    }
    return SafeTensors.read(f);
  }

  /**
   * Writes the weights of the record's generation with the record (generation, split, accuracies)
   * as their metadata.
   */
  public void writeGeneration(GenerationRecord record, Weights weights) {
    SafeTensors.write(generationWeightsFile(record.generation()), weights, record.toMetadata());
  }

  /**
   * What generation {@code g}'s weights file says about it (accuracies, split), without reading
   * the tensors' values into a network.
   */
  public GenerationRecord generation(int g) {
    return GenerationRecord.fromMetadata(g, generationWeights(g).metadata());
  }

  /** Masks of generation {@code g}, by parameter name. */
  public Map<String, Mask> generationMasks(int g) {
    return MaskFiles.read(generationMasksFile(g));
  }

  /** Writes masks (as 0/1 floats) for generation {@code g}. */
  public void writeGenerationMasks(int g, Map<String, Mask> masks) {
    MaskFiles.write(generationMasksFile(g), masks, Map.of());
  }
}
