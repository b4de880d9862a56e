package io.kebridge.onnx.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.onnx.TestNetworks;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchNormFoldingTest {

  @Test
  void everyConvBatchNormPairOfTheSmallCnnIsFoldedAndTheConvGainsABias() {
    NetworkSpec spec = TestNetworks.smallCnn();
    BatchNormFolding.Result r = BatchNormFolding.fold(spec, WeightInit.randomized(spec, 1));
    assertEquals(3, r.folded());
    assertFalse(r.spec().has("bn1"));
    assertTrue(r.spec().layer("conv1") instanceof Layer.Conv2d c && c.bias());
    assertEquals(List.of("conv1"), r.spec().layer("relu1").inputs());
    r.weights().checkMatches(r.spec());
  }

  @Test
  void aConvWhoseOutputIsAlsoReadElsewhereKeepsItsBatchNorm() {
    NetworkSpec spec = new NetworkSpec("shared", List.of(
        new Layer.Input("input", new ActivationShape(1, 4, 4)),
        new Layer.Conv2d("conv", "input", 1, 2, 3, 1, 1, false),
        new Layer.BatchNorm("bn", "conv", 2, 1e-5, 0.1),
        new Layer.Add("sum", List.of("bn", "conv")),
        new Layer.GlobalAvgPool("out", "sum")), "out");
    BatchNormFolding.Result r = BatchNormFolding.fold(spec, WeightInit.randomized(spec, 1));
    assertEquals(0, r.folded());
    assertTrue(r.spec().has("bn"));
  }

  @Test
  void groupedAndDepthwiseConvolutionsKeepTheirGroupsWhenFolded() {
    NetworkSpec spec = io.kebridge.models.testing.Networks.mixed();
    BatchNormFolding.Result r = BatchNormFolding.fold(spec, WeightInit.randomized(spec, 1));
    assertEquals(3, r.folded()); // a.bn, grouped.bn and dw.bn
    Layer.Conv2d grouped = (Layer.Conv2d) r.spec().layer("grouped");
    assertEquals(3, grouped.groups());
    assertTrue(grouped.bias());
    assertTrue(((Layer.Conv2d) r.spec().layer("dw")).depthwise());
    r.weights().checkMatches(r.spec());
  }
}
