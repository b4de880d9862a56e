package io.kebridge.models.card;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.ActivationShape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCardTest {

  private static ModelCard card() {
    return ModelCard.builder(List.of("cat", "dog"), new ActivationShape(3, 32, 32))
        .architecture("resnet18").network(NetworkKind.SLIM).split("kels:0.5").generation(3)
        .normalization(new float[] {0.1f, 0.2f, 0.3f}, new float[] {1f, 2f, 3f})
        .accuracy(0.875).version("0.1.0")
        .set(CardKey.DATASET, "digits").set(CardKey.SEED, "1")
        .source(CardKey.PRUNED_FROM, new SourceFile("run/generations/gen-003/weights.safetensors",
            "0123456789abcdef".repeat(4)))
        .extra("parity.passed", "true")
        .build();
  }

  @Test
  void theCardSurvivesTheMetadataRoundTripAsAnEqualValue() {
    ModelCard card = card();
    Map<String, String> m = card.toMetadata();
    assertTrue(m.keySet().stream().allMatch(k -> k.startsWith("ke.")));
    assertEquals("[\"cat\",\"dog\"]", m.get(CardKey.LABELS.metadataKey()));
    assertEquals("slim", m.get("ke.network"));
    ModelCard back = ModelCard.fromMetadata(m);
    assertEquals(card, back);
    assertEquals(card.hashCode(), back.hashCode());
    assertEquals("digits", back.get(CardKey.DATASET).orElseThrow());
    assertEquals(card.source(CardKey.PRUNED_FROM), back.source(CardKey.PRUNED_FROM));
  }

  @Test
  void cardsAreComparedByTheContentOfTheirArrays() {
    ModelCard a = card();
    ModelCard b = card();
    assertEquals(a, b); // two arrays, same values: the record's default equals said no
    assertNotEquals(a, a.toBuilder()
        .normalization(new float[] {0.1f, 0.2f, 0.31f}, new float[] {1f, 2f, 3f}).build());
    assertNotEquals(a, a.toBuilder().network(NetworkKind.DENSE).build());
    assertNotEquals(a, a.withExtra("parity.passed", "false"));
    assertTrue(a.toString().contains("[0.1, 0.2, 0.3]"), a.toString());
  }

  @Test
  void everyKeyACardWritesIsInTheTable() {
    Set<String> table = java.util.Arrays.stream(CardKey.values())
        .flatMap(k -> k.kind() == CardKey.Kind.SOURCE
            ? java.util.stream.Stream.of(k.metadataKey(), CardKey.PREFIX + k.sha256Key())
            : java.util.stream.Stream.of(k.metadataKey()))
        .collect(Collectors.toSet());
    for (String key : card().toMetadata().keySet()) {
      boolean inFamily = java.util.Arrays.stream(CardKey.values())
          .anyMatch(k -> k.kind() == CardKey.Kind.FAMILY && key.startsWith(k.metadataKey()));
      assertTrue(table.contains(key) || inFamily, key + " is spelled outside CardKey");
    }
    // the typed fields are written in the table's order
    List<String> fields = CardKey.fields().stream().map(CardKey::metadataKey).toList();
    List<String> written = card().toMetadata().keySet().stream().filter(fields::contains).toList();
    assertEquals(fields, written);
  }

  @Test
  void defaultsAreADenseNetworkWithoutNormalisation() {
    ModelCard c = ModelCard.builder(List.of("a", "b"), new ActivationShape(2, 4, 4)).build();
    assertEquals(NetworkKind.DENSE, c.network());
    assertEquals(List.of(0f, 0f), List.of(c.mean()[0], c.mean()[1]));
    assertEquals(List.of(1f, 1f), List.of(c.std()[0], c.std()[1]));
    assertEquals(0, c.generation());
    ModelCard back = ModelCard.fromMetadata(c.toMetadata());
    assertEquals(c, back);
    assertEquals(null, back.split()); // not the string "null"
  }

  @Test
  void theNetworkKindIsTypedAndEarlyCardsStillRead() {
    Map<String, String> m = new HashMap<>(card().toMetadata());
    m.put("ke.network", "imported");
    assertEquals(NetworkKind.IMPORTED, ModelCard.fromMetadata(m).network());
    m.put("ke.network", "null"); // what cards wrote for a missing value
    m.put("ke.split", "null");
    assertEquals(NetworkKind.DENSE, ModelCard.fromMetadata(m).network());
    assertEquals(null, ModelCard.fromMetadata(m).split());
    m.put("ke.network", "int8");
    ModelException e = assertThrows(ModelException.class, () -> ModelCard.fromMetadata(m));
    assertEquals("ke.network must be one of [dense, slim, imported], got 'int8'", e.getMessage());
  }

  @Test
  void quantisationPropertiesRideAlongAsTheirFamily() {
    ModelCard q = card().withExtra("quantization.precision", "int8");
    ModelCard back = ModelCard.fromMetadata(q.toMetadata());
    assertEquals("int8", back.extra().get("quantization.precision"));
    assertEquals(NetworkKind.SLIM, back.network());
  }

  @Test
  void missingOrBrokenMetadataIsRefusedOnOneLineNamingTheKey() {
    Map<String, String> m = new HashMap<>(card().toMetadata());
    m.put("ke.normalization.mean", "[oops");
    ModelException e = assertThrows(ModelException.class, () -> ModelCard.fromMetadata(m));
    assertTrue(e.getMessage().startsWith("ke.normalization.mean is not valid"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    m.put("ke.normalization.mean", "[0, 0, 0]");
    m.put("ke.generation", "1e99");
    e = assertThrows(ModelException.class, () -> ModelCard.fromMetadata(m));
    assertEquals("ke.generation must be a whole number, got '1e99'", e.getMessage());
    m.put("ke.generation", "2");
    m.put("ke.input.shape", "[3, -1, 32]");
    e = assertThrows(ModelException.class, () -> ModelCard.fromMetadata(m));
    assertTrue(e.getMessage().contains("positive sizes"), e.getMessage());
    m.put("ke.input.shape", "[3, 32, 32]");
    m.remove("ke.labels");
    e = assertThrows(ModelException.class, () -> ModelCard.fromMetadata(m));
    assertEquals("the model card has no ke.labels", e.getMessage());
  }

  @Test
  void aSourceFileNamesTheFileInsideItsFolderAndItsHash(@TempDir Path tmp) throws Exception {
    Path run = Files.createDirectories(tmp.resolve("runs/digits/generations/gen-002"));
    Path w = Files.writeString(run.resolve("weights.safetensors"), "abc");
    SourceFile f = SourceFile.of(w, tmp.resolve("runs/digits"));
    assertEquals("digits/generations/gen-002/weights.safetensors", f.name());
    // sha256("abc"), as sha256sum prints it
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", f.sha256());
    assertEquals("weights.safetensors", SourceFile.of(w).name());
    assertTrue(f.describe().contains("ba7816bf8f01"), f.describe());
    assertThrows(ModelException.class, () -> new SourceFile("x", "not a hash"));
  }
}
