package io.kebridge.models.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.testing.PythonPeer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every built-in architecture that torchvision also defines has exactly torchvision's parameter
 * names and shapes (its {@code state_dict} without the batch counters), checked by torchvision
 * itself: so weights trained in PyTorch map one to one, and the layers are the published ones.
 */
class TorchvisionLayoutTest {

  /** Prints one line per architecture: its name, then what differs (nothing when they agree). */
  private static final String COMPARE = PythonPeer.TORCHVISION + String.join("\n",
      "import json",
      "from torchvision import models",
      "for arch, spec in json.load(open(sys.argv[1])).items():",
      "    ours = spec['params']",
      "    with torch.device('meta'):  # shapes only: no memory, no initialisation",
      "        sd = getattr(models, spec['torchvision'])(num_classes=1000).state_dict()",
      "    theirs = {k: list(v.shape) for k, v in sd.items()",
      "              if not k.endswith('num_batches_tracked')}",
      "    missing = sorted(set(theirs) - set(ours)); extra = sorted(set(ours) - set(theirs))",
      "    shapes = sorted(k for k in set(ours) & set(theirs) if ours[k] != theirs[k])",
      "    print(arch, len(theirs), 'missing', missing[:3], 'extra', extra[:3], 'shapes',",
      "          [(k, ours[k], theirs[k]) for k in shapes[:3]])",
      "");

  @Test
  void parameterNamesAndShapesEqualTorchvisions(@TempDir Path dir) throws Exception {
    PythonPeer.assumeModules("torch", "torchvision", "PIL=pillow");
    Map<String, String> torchNames = new LinkedHashMap<>();
    for (String a : new String[] {"resnet18", "resnet34", "resnet50", "resnet101", "densenet121",
        "densenet161", "densenet169", "densenet201"}) {
      torchNames.put(a, a);
    }
    torchNames.put("mobilenet-v2", "mobilenet_v2");
    StringBuilder json = new StringBuilder("{");
    StringBuilder expected = new StringBuilder();
    for (Map.Entry<String, String> e : torchNames.entrySet()) {
      NetworkSpec spec = Architectures.build(e.getKey(),
          ArchitectureConfig.of(new ActivationShape(3, 224, 224), 1000));
      json.append(json.length() > 1 ? ", " : "").append('"').append(e.getKey())
          .append("\": {\"torchvision\": \"").append(e.getValue()).append("\", \"params\": ")
          .append(spec.params().stream()
              .map(p -> "\"" + p.name() + "\": " + Arrays.toString(p.shape()))
              .collect(Collectors.joining(", ", "{", "}")))
          .append('}');
      expected.append(e.getKey()).append(' ').append(spec.params().size())
          .append(" missing [] extra [] shapes []\n");
    }
    Path file = dir.resolve("ours.json");
    Files.writeString(file, json.append('}'));
    PythonPeer.Result r = PythonPeer.run(COMPARE, file.toString());
    assertEquals(0, r.exit(), r.output());
    assertEquals(expected.toString().strip(), r.output().strip());
  }
}
