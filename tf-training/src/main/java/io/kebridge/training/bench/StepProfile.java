package io.kebridge.training.bench;

import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.training.graph.TfDevice;
import io.kebridge.training.ke.KeGraph;
import io.kebridge.training.ke.ReinitRule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;

/**
 * Where a KE training step's time goes: TensorFlow's step statistics ({@code RunMetadata},
 * FULL_TRACE) of a few traced steps after warm-up, summed per op type. The sum of op times is
 * larger than the step's wall time when ops run side by side (inter-op threads), smaller when
 * the executor's own work between ops matters.
 */
public final class StepProfile {
  private StepProfile() {}

  /**
   * One op type's share of a step.
   *
   * @param perStep how many ops of this type one step runs
   * @param millisPerStep their summed time per step
   */
  public record OpType(String op, double perStep, double millisPerStep) {}

  /**
   * The profile.
   *
   * @param wallMillis mean wall time of a traced step, first op start to last op end
   * @param opMillis mean sum of every op's time per step
   * @param opsPerStep nodes run per step
   * @param ops per op type, the costliest first
   * @param nodes per node (named {@code op type: node name}), the costliest first
   */
  public record Result(
      double wallMillis, double opMillis, double opsPerStep, List<OpType> ops,
      List<OpType> nodes) {}

  /** Profiles {@code steps} traced steps of {@code spec} at {@code batch} after warm-up. */
  public static Result run(NetworkSpec spec, int batch, int threads, int warmup, int steps) {
    int per = (int) spec.input().shape().elements();
    SplittableRandom random = new SplittableRandom(1);
    float[] x = new float[batch * per];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    int[] y = new int[batch];
    for (int i = 0; i < batch; i++) {
      y[i] = random.nextInt(spec.classes());
    }
    KeGraph.Settings settings =
        new KeGraph.Settings(0.9, 1e-4, 0.1, ReinitRule.REFERENCE, 0.5, TfDevice.CPU, threads);
    Map<String, double[]> byOp = new HashMap<>();
    Map<String, double[]> byNode = new HashMap<>();
    double wall = 0;
    double ops = 0;
    long nodes = 0;
    try (KeGraph g = KeGraph.build(spec, settings)) {
      g.loadWeights(WeightInit.heNormal(spec, 1));
      g.loadMasks(new KelsPlan(0.5).masks(spec));
      g.resetMomentum();
      for (int i = 0; i < warmup; i++) {
        g.train(x, y, batch, 0.01f, 0, i);
      }
      for (int s = 0; s < steps; s++) {
        RunMetadata m = g.traceTrainStep(x, y, batch, 0.01f);
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (DeviceStepStats d : m.getStepStats().getDevStatsList()) {
          for (NodeExecStats n : d.getNodeStatsList()) {
            if (n.getNodeName().equals("_SOURCE")) {
              continue;
            }
            long micros = n.getOpEndRelMicros() - n.getOpStartRelMicros();
            first = Math.min(first, n.getAllStartMicros());
            last = Math.max(last, n.getAllStartMicros() + n.getAllEndRelMicros());
            double[] acc = byOp.computeIfAbsent(opType(n), k -> new double[2]);
            acc[0]++;
            acc[1] += micros / 1000.0;
            double[] node = byNode.computeIfAbsent(opType(n) + ": " + n.getNodeName(),
                k -> new double[2]);
            node[0]++;
            node[1] += micros / 1000.0;
            ops += micros / 1000.0;
            nodes++;
          }
        }
        wall += first == Long.MAX_VALUE ? 0 : (last - first) / 1000.0;
      }
    }
    return new Result(wall / steps, ops / steps, (double) nodes / steps, sorted(byOp, steps),
        sorted(byNode, steps));
  }

  private static List<OpType> sorted(Map<String, double[]> acc, int steps) {
    List<OpType> out = new ArrayList<>();
    for (Map.Entry<String, double[]> e : acc.entrySet()) {
      out.add(new OpType(e.getKey(), e.getValue()[0] / steps, e.getValue()[1] / steps));
    }
    out.sort(Comparator.comparingDouble(OpType::millisPerStep).reversed());
    return out;
  }

  /** The op type from a node's timeline label ({@code name = Conv2D(a, b)}), else its name. */
  static String opType(NodeExecStats n) {
    String label = n.getTimelineLabel();
    int eq = label.indexOf(" = ");
    if (eq >= 0) {
      int paren = label.indexOf('(', eq);
      return label.substring(eq + 3, paren < 0 ? label.length() : paren).trim();
    }
    return n.getNodeName();
  }
}
