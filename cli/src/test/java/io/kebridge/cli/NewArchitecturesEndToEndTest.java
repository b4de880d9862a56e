package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.run.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every stage works on the open graph's architectures: {@code ke demo} trains two KE generations
 * on the embedded digits, cuts the slim network (with the trainer's slim accuracy reproduced),
 * exports dense and slim ONNX with parity, serves them and classifies real images; then {@code ke
 * export --fold-batchnorm} passes its parity check too. Tiny widths, one epoch.
 */
class NewArchitecturesEndToEndTest {

  @ParameterizedTest
  @CsvSource({"resnet50,4", "densenet121,4", "densenet169,2", "mobilenet-v2,8"})
  void trainPruneExportAndServeWork(String arch, String width, @TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("demo");
    CliRun demo = CliRun.of("demo", "--out", out.toString(), "--data", "digits", "--arch", arch,
        "--width", width, "--generations", "2", "--epochs", "1", "--baseline", "none",
        "--images", "2");
    assertEquals(0, demo.exitCode(), demo.err() + demo.out());
    String text = demo.out();
    assertTrue(text.contains("trainer logged") && text.contains(": equal"), text);
    assertEquals(2, text.split("top-1 agreement 32/32: PASS", -1).length - 1, text);
    assertTrue(text.contains("\"predictions\""), text);

    Path slimOnnx = out.resolve("repository/ke-slim/1/model.onnx");
    ModelCard card = ModelCard.fromMetadata(Reports.metadata(slimOnnx));
    assertEquals(NetworkKind.SLIM, card.network());
    assertEquals(arch, RunDirectory.open(out.resolve("run")).spec().architecture());

    Path folded = dir.resolve("folded.onnx");
    CliRun export = CliRun.of("export", out.resolve("run").toString(), "--fold-batchnorm",
        "--out", folded.toString());
    assertEquals(0, export.exitCode(), export.err() + export.out());
    assertTrue(export.out().contains("PASS"), export.out());
    assertTrue(Files.size(folded) > 0);
  }
}
