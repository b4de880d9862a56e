package io.kebridge.onnx.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.onnx.Python;
import io.kebridge.onnx.TestNetworks;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A second opinion from the ONNX project itself: {@code onnx.checker.check_model(full_check=True)}
 * (strict shape inference included) on exported files. Skipped where python3 or its {@code onnx}
 * package is missing ({@code pip install onnx}).
 */
class OnnxCheckerTest {

  private static final String CHECK =
      "import sys, onnx; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True);"
          + " print('ok', m.ir_version, m.opset_import[0].version)";

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void exportedResnetPassesTheOfficialCheckerWithFullCheck(boolean fold, @TempDir Path dir)
      throws Exception {
    assumeTrue(onnxAvailable(), "python3 with the onnx package is not installed");
    NetworkSpec spec = Architectures.build("resnet18",
        new ArchitectureConfig(new ActivationShape(3, 32, 32), 10, 4, ArchitectureConfig.Stem.IMAGENET));
    Path file = dir.resolve("resnet.onnx");
    OnnxExporter.write(spec, WeightInit.randomized(spec, 1), TestNetworks.card(spec),
        ExportOptions.defaults().withFoldBatchNorm(fold), file);
    Python.Result r = run(CHECK, file.toString());
    assertEquals(0, r.exit(), r.output());
    assertEquals("ok 8 17", r.output().strip());
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet50", "densenet121", "mobilenet-v2", "mixed", "foreign"})
  void exportedNewArchitecturesPassTheOfficialChecker(String arch, @TempDir Path dir)
      throws Exception {
    assumeTrue(onnxAvailable(), "python3 with the onnx package is not installed");
    NetworkSpec spec = arch.equals("mixed") ? io.kebridge.models.testing.Networks.mixed()
        : arch.equals("foreign") ? io.kebridge.models.testing.Networks.foreign()
        : Architectures.build(arch, new ArchitectureConfig(new ActivationShape(3, 32, 32), 10,
            arch.equals("mobilenet-v2") ? 8 : 4, ArchitectureConfig.Stem.IMAGENET));
    for (boolean fold : new boolean[] {false, true}) {
      Path file = dir.resolve(arch + fold + ".onnx");
      OnnxExporter.write(spec, WeightInit.randomized(spec, 1), TestNetworks.card(spec),
          ExportOptions.defaults().withFoldBatchNorm(fold), file);
      Python.Result r = run(CHECK, file.toString());
      assertEquals(0, r.exit(), r.output());
    }
  }

  @Test
  void exportedSmallCnnPassesTheOfficialChecker(@TempDir Path dir) throws Exception {
    assumeTrue(onnxAvailable(), "python3 with the onnx package is not installed");
    NetworkSpec spec = TestNetworks.smallCnn();
    Path file = dir.resolve("small.onnx");
    OnnxExporter.write(spec, WeightInit.randomized(spec, 1), TestNetworks.card(spec),
        ExportOptions.defaults(), file);
    Python.Result r = run(CHECK, file.toString());
    assertEquals(0, r.exit(), r.output());
  }

  private static boolean onnxAvailable() {
    return Python.has("onnx");
  }

  private static Python.Result run(String code, String... args) {
    String[] cmd = new String[2 + args.length];
    cmd[0] = "-c";
    cmd[1] = code;
    System.arraycopy(args, 0, cmd, 2, args.length);
    return Python.run(cmd);
  }
}
