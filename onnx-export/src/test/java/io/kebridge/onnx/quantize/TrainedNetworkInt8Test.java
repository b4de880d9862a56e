package io.kebridge.onnx.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.DataSplits;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.repository.ModelRepository;
import io.kebridge.onnx.runtime.OrtSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * INT8 on a network that learned something ({@link TrainedDigits}), quantised with calibration on
 * its training images and checked against its float self on the test images it never saw.
 */
class TrainedNetworkInt8Test {
  private static final DataSplits DIGITS = TrainedDigits.DIGITS;
  private static final TrainedDigits NET = TrainedDigits.get();
  private static final ModelCard card = NET.card;
  private static final ModelProto fp32 = NET.floatModel(false);

  private static QuantizedExport.Result export(CalibrationSet calibration,
      QuantizationSettings settings) {
    return QuantizedExport.export(fp32, calibration, DIGITS.test(), card.normalization(),
        settings, OrtSettings.defaults());
  }

  private static CalibrationSet training(int n) {
    return NET.calibration(n);
  }

  @Test
  void int8LogitsTrackTheFloatNetworkOnTestImages() {
    QuantizedExport.Result r = export(training(256), QuantizationSettings.defaults());
    QuantizationReport a = r.accuracy();
    assertEquals(DIGITS.test().size(), a.images());
    assertTrue(a.accuracyFloat() > 0.8, "the network did not learn: " + a.describe(1));
    assertTrue(a.lossPoints() <= 1.0, a.describe(1));
    assertTrue(a.agreement() >= 0.97, a.describe(1));
    assertTrue(a.maxRelDiff() < 0.1, a.describe(1));
    assertEquals(3, r.fusion().of("Conv").count(), r.fusion().describe());
    assertEquals(1, r.fusion().of("Gemm").count(), r.fusion().describe());
  }

  @Test
  void everyCalibrationMethodPerTensorAndSevenBitWeightsKeepTheAccuracy() {
    for (QuantizationSettings s : List.of(
        QuantizationSettings.defaults().withMethod(new CalibrationMethod.Percentile(99.99)),
        QuantizationSettings.defaults().withMethod(new CalibrationMethod.Entropy()),
        QuantizationSettings.defaults().withPerChannel(false),
        QuantizationSettings.defaults().withReduceRange(true))) {
      QuantizationReport a = export(training(128), s).accuracy();
      assertTrue(a.lossPoints() <= 1.0 && a.agreement() >= 0.95, s + ": " + a.describe(1));
    }
  }

  @Test
  void theLossGateRefusesABrokenCalibrationWithItsFigures() {
    // blank images: every activation range is measured on a picture of nothing
    float[][] blank = new float[16][];
    for (int i = 0; i < blank.length; i++) {
      blank[i] = card.normalization().normalize(new float[(int) DIGITS.train().shape().elements()]);
    }
    CalibrationSet broken = new CalibrationSet(blank, "16 blank images");
    OnnxException e = assertThrows(OnnxException.class,
        () -> export(broken, QuantizationSettings.defaults()));
    assertTrue(e.getMessage().contains("loses more accuracy than allowed with ranges calibrated"
        + " on 16 blank images"), e.getMessage());
    assertTrue(e.getMessage().contains("limit 1.00"), e.getMessage());
    assertTrue(e.getMessage().contains("--calibration-method percentile:99.99"), e.getMessage());
    // the same model passes once the limit allows what it lost: it is the gate that refused
    QuantizationReport a = export(broken, QuantizationSettings.defaults().withMaxAccuracyLoss(100))
        .accuracy();
    assertTrue(a.lossPoints() > 1, a.describe(100));
  }

  @Test
  void theFileCarriesItsQuantisationCardAndServesFromARepositoryUnchanged(@TempDir Path dir) {
    QuantizedExport.Result r = export(training(64), QuantizationSettings.defaults());
    Path file = dir.resolve("int8.onnx");
    OnnxFiles.write(r.model(), file);
    Map<String, String> meta = OnnxFiles.metadata(OnnxFiles.read(file));
    assertEquals("int8", meta.get("ke.quantization.precision"));
    assertEquals("minmax", meta.get("ke.quantization.method"));
    assertEquals("64", meta.get("ke.quantization.calibration_images"));
    assertEquals("true", meta.get("ke.quantization.per_channel"));
    assertEquals("3", meta.get("ke.quantization.folded_batchnorms"));
    assertEquals(Integer.toString(DIGITS.test().size()), meta.get("ke.quantization.test_images"));
    assertEquals(r.accuracy().accuracyFloat(),
        Double.parseDouble(meta.get("ke.quantization.accuracy_fp32")), 1e-6);
    assertEquals(r.accuracy().accuracyInt8(),
        Double.parseDouble(meta.get("ke.quantization.accuracy_int8")), 1e-6);
    assertTrue(meta.get("ke.quantization.fused").startsWith("Conv 3/3 -> QLinearConv"),
        meta.get("ke.quantization.fused"));
    // still a valid ke-bridge model card, with the float model's labels and preprocessing
    ModelCard back = ModelCard.fromMetadata(meta);
    assertEquals(card.labels(), back.labels());
    assertEquals("minmax", back.extra().get("quantization.method"));
    Path model = ModelRepository.write(dir.resolve("repo"), "digits-int8", 1, r.model(), 16);
    assertTrue(Files.isRegularFile(model));
    assertEquals(ModelRepository.tritonConfig("digits-int8", fp32, 16),
        ModelRepository.tritonConfig("digits-int8", r.model(), 16));
  }
}
