package io.kebridge.training.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

class NetworkGraphTest {

  @Test
  void weightsReadBackBitIdenticalInCanonicalLayout() {
    NetworkSpec spec =
        Architectures.build(
            "resnet18",
            new ArchitectureConfig(
                new ActivationShape(3, 16, 16), 5, 4, ArchitectureConfig.Stem.IMAGENET));
    Weights w = WeightInit.randomized(spec, 11);
    try (Graph g = new Graph()) {
      NetworkGraph net = NetworkGraph.create(Ops.create(g), spec);
      try (Session s = new Session(g)) {
        net.load(s, w);
        Weights back = net.read(s);
        assertEquals(w.names().stream().toList(), back.names().stream().toList());
        for (String n : w.names()) {
          assertEquals(w.get(n), back.get(n), n);
        }
      }
    }
  }
}
