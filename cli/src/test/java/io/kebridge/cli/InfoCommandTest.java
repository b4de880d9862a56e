package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.SpecJson;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfoCommandTest {

  @Test
  void infoPrintsTheKePaperOpsForResnet18DenseAndSlim() {
    CliRun r = CliRun.of("info", "--arch", "resnet18", "--input", "3x224x224", "--classes", "100",
        "--split", "kels:0.5");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("3,632,418,204 Ops"), r.out());
    assertTrue(r.out().contains("968,435,356 Ops"), r.out());
    assertTrue(r.out().contains("73.3% Ops"), r.out());
    assertTrue(r.out().contains("layer2.0.downsample.0"), r.out());
  }

  @Test
  void infoReproducesTheReferenceProfilersCountsForResnet50AndDenseNets() {
    String[][] expected = {
      {"resnet50", "8,195,806,108", "2,113,341,852", "23,712,932", "5,995,140"},
      {"densenet121", "5,707,285,660", "1,496,080,924", "7,056,356", "1,813,028"},
      {"densenet169", "6,767,143,324", "1,763,488,924", "12,650,980", "3,246,372"},
    };
    for (String[] e : expected) {
      CliRun r = CliRun.of("info", "--arch", e[0], "--input", "3x224x224", "--classes", "100",
          "--split", "kels:0.5");
      assertEquals(0, r.exitCode(), r.err());
      String totals = r.out().substring(r.out().indexOf("dense total"));
      assertTrue(totals.matches("(?s)dense total +" + e[3] + " params +[0-9,]+ MACs +" + e[1]
          + " Ops\\s+slim total +" + e[4] + " params +[0-9,]+ MACs +" + e[2] + " Ops.*"),
          e[0] + ":\n" + totals);
    }
  }

  @Test
  void masksAreWrittenForInspectionAndTheTableCountsFitWeights(@TempDir Path dir) {
    Path file = dir.resolve("masks.safetensors");
    CliRun r = CliRun.of("info", "--arch", "densenet121", "--input", "3x224x224", "--classes",
        "100", "--split", "kels:0.5", "--masks", file.toString());
    assertEquals(0, r.exitCode(), r.err());
    // the reference's example: the second dense layer reads 64 + 32 channels, fit 32 + 16
    assertTrue(r.out().matches("(?s).*\\nfeatures\\.denseblock1\\.denselayer2\\.conv1 +conv2d"
        + " +128x56x56 +12,288 +3,072 .*"), r.out());
    assertTrue(r.out().contains("wrote 121 masks of kels:0.5"), r.out());
    var masks = io.kebridge.models.split.MaskFiles.read(file);
    assertEquals(3072, masks.get("features.denseblock1.denselayer2.conv1.weight").fitCount());
    assertEquals(java.util.List.of(128, 96, 1, 1), java.util.Arrays.stream(
        masks.get("features.denseblock1.denselayer2.conv1.weight").shape()).boxed().toList());
  }

  @Test
  void infoPrintsParamsAndMacsForAThousandClasses() {
    CliRun r = CliRun.of("info", "--classes", "1000");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("11,689,512 params"), r.out());
    assertTrue(r.out().contains("1,814,073,344 MACs"), r.out());
    assertTrue(r.out().contains("3,055,880 params"), r.out());
    assertTrue(r.out().contains("483,149,824 MACs"), r.out());
  }

  @Test
  void infoReadsASpecFromAFolder(@TempDir Path dir) {
    SpecJson.write(Architectures.build("small-cnn",
        ArchitectureConfig.of(new ActivationShape(1, 28, 28), 10)), dir.resolve("spec.json"));
    CliRun r = CliRun.of("info", dir.toString(), "--split", "wels:0.5");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().startsWith("small-cnn, input 1x28x28, 10 classes"), r.out());
    assertTrue(r.out().contains("has no slim network"), r.out());
  }

  @Test
  void aBadValueIsAOneLineFailureAndAnUnknownOptionAUsageError() {
    CliRun bad = CliRun.of("info", "--arch", "resnet152");
    assertEquals(1, bad.exitCode());
    assertEquals(1, bad.err().strip().lines().count(), bad.err());
    assertTrue(bad.err().startsWith("ke: error: unknown architecture 'resnet152'"), bad.err());
    assertFalse(bad.err().contains("at io.kebridge"), bad.err());

    CliRun verbose = CliRun.of("info", "--arch", "resnet152", "--verbose");
    assertTrue(verbose.err().contains("at io.kebridge"), "stack trace under --verbose");

    CliRun usage = CliRun.of("info", "--no-such-option");
    assertEquals(2, usage.exitCode());
    assertTrue(usage.err().contains("Unknown option: '--no-such-option'"), usage.err());

    assertEquals(2, CliRun.of("info", "--input", "3x224").exitCode());
    assertEquals(2, CliRun.of().exitCode());
  }

  @Test
  void helpAndVersionExitWithZero() {
    CliRun help = CliRun.of("--help");
    assertEquals(0, help.exitCode());
    assertTrue(help.out().contains("info"), help.out());
    CliRun version = CliRun.of("--version");
    assertEquals(0, version.exitCode());
    assertTrue(version.out().startsWith("ke-bridge "), version.out());
    assertEquals(0, CliRun.of("info", "--help").exitCode());
  }
}
