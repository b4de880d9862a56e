package io.kebridge.models.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.ModelException;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.testing.Networks;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A network trained elsewhere is made ready for another dataset without touching its layers. */
class RetargetTest {

  @Test
  void theClassifierGetsTheNewClassCountAndNothingElseChanges() {
    NetworkSpec source = Networks.resnet18(8, ArchitectureConfig.Stem.IMAGENET, 64);
    Retarget.Result r = Retarget.forData(source, 3, 64, 64);
    assertEquals("fc", r.classifier());
    assertEquals(3, r.spec().classes());
    assertTrue(r.resized());
    List<ParamSpec> before = source.params();
    List<ParamSpec> after = r.spec().params();
    assertEquals(before.size(), after.size());
    for (int i = 0; i < before.size(); i++) {
      if (!before.get(i).layer().equals("fc")) {
        assertEquals(before.get(i), after.get(i));
      }
    }
    assertArrayEquals(new int[] {3, source.param("fc.weight").shape()[1]},
        r.spec().param("fc.weight").shape());
  }

  @Test
  void aNetworkWithGlobalPoolingTakesTheDatasImageSize() {
    NetworkSpec source = Networks.resnet18(8, ArchitectureConfig.Stem.IMAGENET, 224);
    Retarget.Result r = Retarget.forData(source, source.classes(), 32, 48);
    assertTrue(r.resized());
    assertEquals(new ActivationShape(3, 32, 48), r.spec().input().shape());
    assertEquals(source.params(), r.spec().params());
    assertSame(source, Retarget.forData(source, source.classes(), 224, 224).spec());
  }

  @Test
  void aFlattenBeforeADenseLayerKeepsTheNetworksOwnSize() {
    NetworkSpec source = Networks.flattenMlp(); // 2x6x6 -> flatten of a 5x3x3 map -> 45 features
    Retarget.Result r = Retarget.forData(source, 7, 12, 12);
    assertFalse(r.resized(), "the data's images are to be resized to the network's 6x6");
    assertEquals(source.input().shape(), r.spec().input().shape());
    assertEquals(7, r.spec().classes());
    // and images smaller than an unpadded kernel: resized up to the network's size
    NetworkSpec squeeze = Retarget.forData(squeeze(), 10, 2, 2).spec();
    assertEquals(new ActivationShape(3, 16, 16), squeeze.input().shape());
  }

  /** SqueezeNet's head: conv (one filter per class) -> relu -> global average pool. */
  private static NetworkSpec squeeze() {
    return new NetworkSpec("squeeze", List.of(
        new Layer.Input("input", new ActivationShape(3, 16, 16)),
        new Layer.Conv2d("features.0", "input", 3, 8, 3, 2, 0, true),
        new Layer.Relu("relu", "features.0"),
        new Layer.Conv2d("classifier.1", "relu", 8, 10, 1, 1, 0, true),
        new Layer.Relu("classifier.2", "classifier.1"),
        new Layer.GlobalAvgPool("pool", "classifier.2"),
        new Layer.Flatten("flatten", "pool")), "flatten");
  }

  @Test
  void aConvolutionClassifierBeforeGlobalPoolingIsFound() {
    Retarget.Result r = Retarget.forData(squeeze(), 4, 16, 16);
    assertEquals("classifier.1", r.classifier());
    assertEquals(4, r.spec().classes());
    assertArrayEquals(new int[] {4, 8, 1, 1}, r.spec().param("classifier.1.weight").shape());
  }

  @Test
  void anOutputWithoutAClassifierLayerIsRefused() {
    NetworkSpec added = new NetworkSpec("adds", List.of(
        new Layer.Input("input", new ActivationShape(1, 4, 4)),
        new Layer.Conv2d("a", "input", 1, 5, 4, 1, 0, false),
        new Layer.Conv2d("b", "input", 1, 5, 4, 1, 0, false),
        new Layer.Add("sum", List.of("a", "b")),
        new Layer.Flatten("flatten", "sum")), "flatten");
    ModelException e = assertThrows(ModelException.class, () -> Retarget.forData(added, 3, 4, 4));
    assertTrue(e.getMessage().contains("sum is in the way"), e.getMessage());
  }
}
