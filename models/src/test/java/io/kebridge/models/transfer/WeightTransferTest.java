package io.kebridge.models.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.testing.Networks;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import java.util.List;
import org.junit.jupiter.api.Test;

class WeightTransferTest {

  @Test
  void exactlyTheTensorsWithTheParametersNameAndShapeAreLoaded() {
    NetworkSpec source = Networks.smallCnn(4); // 5 classes
    NetworkSpec target = Retarget.forData(source, 3, 12, 12).spec();
    Weights trained = WeightInit.randomized(source, 1)
        .with(new io.kebridge.models.weights.Tensor("extra.weight", new int[] {2}, new float[2]));
    Weights fresh = WeightInit.heNormal(target, 9);
    WeightTransfer.Result r = WeightTransfer.load(target, fresh, trained);

    int features = source.param("fc.weight").shape()[1];
    assertEquals(List.of("fc.weight [3, " + features + "] (source [5, " + features + "])",
        "fc.bias [3] (source [5])"),
        r.fresh().stream().map(WeightTransfer.Fresh::describe).toList());
    assertEquals(target.params().size() - 2, r.loaded().size());
    assertEquals(List.of("fc.weight", "fc.bias", "extra.weight"), r.unused());
    r.weights().checkMatches(target);
    for (String name : r.loaded()) {
      assertArrayEquals(trained.get(name).data(), r.weights().get(name).data(), name);
    }
    assertArrayEquals(fresh.get("fc.weight").data(), r.weights().get("fc.weight").data());
    assertEquals(r.loaded().size() + " of " + target.params().size() + " tensors loaded",
        r.summary());
  }

  @Test
  void aTensorMissingFromTheSourceStartsFresh() {
    NetworkSpec net = Networks.smallCnn(4);
    Weights all = WeightInit.randomized(net, 2);
    Weights partial = Weights.of(all.tensors().values().stream()
        .filter(t -> !t.name().equals("conv1.weight")).toList());
    WeightTransfer.Result r = WeightTransfer.load(net, WeightInit.heNormal(net, 3), partial);
    assertEquals("conv1.weight [4, 1, 3, 3] (not in the source)", r.fresh().get(0).describe());
    assertEquals(1, r.fresh().size());
  }
}
