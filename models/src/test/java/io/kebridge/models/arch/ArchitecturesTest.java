package io.kebridge.models.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.ModelException;
import io.kebridge.models.cost.CostCounter;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import org.junit.jupiter.api.Test;

class ArchitecturesTest {

  @Test
  void resnetLayersUseTorchvisionNames() {
    NetworkSpec spec =
        Architectures.build("resnet18", ArchitectureConfig.of(new ActivationShape(3, 224, 224), 1000));
    for (String name :
        new String[] {
          "conv1", "bn1", "maxpool", "layer1.0.conv1", "layer1.1.bn2", "layer2.0.downsample.0",
          "layer2.0.downsample.1", "layer4.1.conv2", "fc"
        }) {
      assertTrue(spec.has(name), name);
    }
    assertFalse(spec.has("layer1.0.downsample.0"), "layer1 keeps its width: no downsample");
    assertTrue(spec.layer("layer2.0.downsample.0") instanceof Layer.Conv2d c && c.kernel() == 1
        && c.stride() == 2);
  }

  @Test
  void resnetParameterCountsMatchTorchvision() {
    ActivationShape in = new ActivationShape(3, 224, 224);
    assertEquals(11_689_512,
        CostCounter.count(Architectures.build("resnet18", ArchitectureConfig.of(in, 1000))).params());
    assertEquals(21_797_672,
        CostCounter.count(Architectures.build("resnet34", ArchitectureConfig.of(in, 1000))).params());
  }

  @Test
  void theCifarStemKeepsSmallImagesLarge() {
    NetworkSpec spec = Architectures.build("resnet18",
        new ArchitectureConfig(new ActivationShape(1, 28, 28), 10, 16, ArchitectureConfig.Stem.CIFAR));
    assertFalse(spec.has("maxpool"));
    Layer.Conv2d conv1 = (Layer.Conv2d) spec.layer("conv1");
    assertEquals(3, conv1.kernel());
    assertEquals(1, conv1.stride());
    assertEquals(new ActivationShape(128, 4, 4), spec.shapeOf("layer4.1.relu2"));
    NetworkSpec auto = Architectures.build("resnet18",
        new ArchitectureConfig(new ActivationShape(1, 28, 28), 10, 16, ArchitectureConfig.Stem.AUTO));
    assertEquals(spec, auto);
  }

  @Test
  void vggAndSmallCnnBuildForTinyImages() {
    NetworkSpec vgg = Architectures.build("vgg11-bn", ArchitectureConfig.of(new ActivationShape(1, 28, 28), 10));
    assertTrue(vgg.has("features.0") && vgg.has("classifier"));
    assertEquals(10, vgg.classes());
    NetworkSpec cnn = Architectures.build("small-cnn", ArchitectureConfig.of(new ActivationShape(1, 8, 8), 10));
    assertEquals(new ActivationShape(64, 2, 2), cnn.shapeOf("relu3"));
  }

  @Test
  void anUnknownArchitectureListsTheKnownOnes() {
    ModelException e = assertThrows(ModelException.class,
        () -> Architectures.build("resnet152", ArchitectureConfig.of(new ActivationShape(3, 32, 32), 10)));
    assertTrue(e.getMessage().contains("small-cnn, resnet18, resnet34, resnet50, resnet101, "
        + "densenet121, densenet161, densenet169, densenet201, mobilenet-v2, vgg11-bn"),
        e.getMessage());
  }
}
