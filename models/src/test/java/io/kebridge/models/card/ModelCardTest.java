package io.kebridge.models.card;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.ActivationShape;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCardTest {

  @Test
  void theCardSurvivesTheMetadataRoundTrip() {
    ModelCard card = new ModelCard("resnet18", "slim", "kels:0.5", 3, List.of("cat", "dog"),
        new ActivationShape(3, 32, 32), "NCHW", new float[] {0.1f, 0.2f, 0.3f},
        new float[] {1f, 2f, 3f}, 0.875, "0.1.0", Map.of("dataset", "digits", "seed", "1"));
    Map<String, String> m = card.toMetadata();
    assertTrue(m.keySet().stream().allMatch(k -> k.startsWith("ke.")));
    assertEquals("[\"cat\",\"dog\"]", m.get("ke.labels"));
    ModelCard back = ModelCard.fromMetadata(m);
    assertEquals(card.labels(), back.labels());
    assertEquals(card.input(), back.input());
    assertArrayEquals(card.mean(), back.mean());
    assertArrayEquals(card.std(), back.std());
    assertEquals(0.875, back.accuracy());
    assertEquals(3, back.generation());
    assertEquals("digits", back.extra().get("dataset"));
  }

  @Test
  void missingOrBrokenMetadataIsRefused() {
    Map<String, String> m = new HashMap<>(new ModelCard("x", "dense", "kels:0.5", 1, List.of("a"),
        new ActivationShape(1, 2, 2), null, new float[] {0}, new float[] {1}, null, "v", null)
        .toMetadata());
    m.put("ke.normalization.mean", "[oops");
    assertThrows(ModelException.class, () -> ModelCard.fromMetadata(m));
    m.remove("ke.labels");
    ModelException e = assertThrows(ModelException.class, () -> ModelCard.fromMetadata(m));
    assertTrue(e.getMessage().contains("ke.labels"), e.getMessage());
  }
}
