package io.kebridge.cli;

import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.quantize.CalibrationMethod;
import io.kebridge.onnx.quantize.QuantizationSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The INT8 options of {@code ke export} and {@code ke bench infer}, defined once: whether to
 * quantise, on how many calibration images drawn with which seed, how ranges are read, whether
 * weights get one scale per channel or per tensor, and in 8 or 7 bits.
 */
final class QuantizeOptions {

  @Option(names = "--quantize", paramLabel = "int8",
      description = "Quantise to INT8 (QDQ, opset 17: int8 weights, uint8 activations) for ONNX"
          + " Runtime's integer kernels.")
  String quantize;

  @Option(names = "--calibration", paramLabel = "N", defaultValue = "256",
      description = "Images the activation ranges are measured on (default: ${DEFAULT-VALUE}).")
  int calibration;

  @Option(names = "--calibration-method", paramLabel = "METHOD", defaultValue = "minmax",
      description = "minmax, percentile:P (e.g. percentile:99.99) or entropy (default:"
          + " ${DEFAULT-VALUE}).")
  String method;

  @Option(names = "--calibration-seed", paramLabel = "SEED", defaultValue = "0",
      description = "Seed that draws the calibration images (default: ${DEFAULT-VALUE}).")
  long seed;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Granularity granularity;

  @Option(names = "--reduce-range",
      description = "7-bit weights: for CPUs without VNNI, whose 8-bit products can saturate.")
  boolean reduceRange;

  /** Weight scales per output channel (the default) or one per tensor. */
  static final class Granularity {
    @Option(names = "--per-channel", description = "One weight scale per output channel"
        + " (default).")
    boolean perChannel;

    @Option(names = "--per-tensor", description = "One weight scale per weight tensor.")
    boolean perTensor;
  }

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /**
   * True when {@code --quantize int8} was given; a usage error for anything but int8, and for INT8
   * options (these, and the command's own {@code others}) given without it.
   */
  boolean enabled(String... others) {
    if (quantize == null) {
      CommandLine.ParseResult parsed = command.commandLine().getParseResult();
      List<String> names = new ArrayList<>(List.of("--calibration", "--calibration-method",
          "--calibration-seed", "--per-channel", "--per-tensor", "--reduce-range"));
      names.addAll(List.of(others));
      for (String name : names) {
        if (parsed.hasMatchedOption(name)) {
          throw new CommandLine.ParameterException(command.commandLine(),
              name + " needs --quantize int8");
        }
      }
      return false;
    }
    if (!quantize.toLowerCase(Locale.ROOT).equals("int8")) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--quantize supports int8, got '" + quantize + "'");
    }
    return true;
  }

  /** The settings these options give, with the export's accuracy loss limit. */
  QuantizationSettings settings(double maxAccuracyLoss) {
    CalibrationMethod m;
    try {
      m = CalibrationMethod.parse(method);
    } catch (OnnxException e) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--calibration-method: " + e.getMessage());
    }
    boolean perChannel = granularity == null || !granularity.perTensor;
    try {
      return new QuantizationSettings(m, perChannel, maxAccuracyLoss, reduceRange);
    } catch (OnnxException e) {
      throw new CommandLine.ParameterException(command.commandLine(), e.getMessage());
    }
  }
}
