package io.kebridge.training.optim;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * SGD with momentum and L2 weight decay, PyTorch semantics ({@code buf = m*buf + g + wd*w; w -=
 * lr*buf}, no dampening), built from {@code tf.gradients} and {@code ApplyMomentum} because the
 * framework optimisers of TF Java 1.1.0 train every variable (masks and batch-norm statistics
 * included) and bake the learning rate in. The learning rate is an operand, fed per step.
 */
public final class MomentumSgd {
  private final List<Variable<TFloat32>> slots;
  private final Op update;
  private final Op resetSlots;

  private MomentumSgd(List<Variable<TFloat32>> slots, Op update, Op resetSlots) {
    this.slots = List.copyOf(slots);
    this.update = update;
    this.resetSlots = resetSlots;
  }

  /**
   * Builds the update of {@code params} (trainable variables only: weights, biases, batch-norm
   * gamma and beta) for {@code loss}. Weight decay applies to every parameter, as in the KE
   * reference (its {@code no_bn_decay} is off).
   *
   * @param names the parameter names, used to name the momentum slots {@code momentum/NAME}
   * @param after further ops the update groups with (batch-norm running-average updates)
   */
  public static MomentumSgd build(
      Ops tf,
      Operand<TFloat32> loss,
      List<String> names,
      List<Variable<TFloat32>> params,
      Operand<TFloat32> learningRate,
      double momentum,
      double weightDecay,
      List<Op> after) {
    Gradients grads = tf.gradients(loss, params);
    Ops slotScope = tf.withSubScope("momentum");
    List<Variable<TFloat32>> slots = new ArrayList<>();
    List<Op> resets = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      Variable<TFloat32> p = params.get(i);
      Variable<TFloat32> slot =
          slotScope.withName(names.get(i)).variable(p.shape(), TFloat32.class);
      slots.add(slot);
      resets.add(tf.assign(slot, tf.zerosLike(slot)));
    }
    // Every update waits for every gradient, so no gradient reads an already-updated weight.
    List<Operation> gradOps = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      gradOps.add(grads.dy(i).op());
    }
    Ops ordered = tf.withSubScope("sgd").withControlDependencyOps(gradOps);
    Operand<TFloat32> mom = ordered.constant((float) momentum);
    Operand<TFloat32> wd = ordered.constant((float) weightDecay);
    List<Op> updates = new ArrayList<>(after);
    for (int i = 0; i < params.size(); i++) {
      Variable<TFloat32> p = params.get(i);
      Operand<TFloat32> g = grads.<TFloat32>dy(i);
      if (weightDecay != 0) {
        g = ordered.math.add(g, ordered.math.mul(p, wd));
      }
      updates.add(ordered.train.applyMomentum(p, slots.get(i), learningRate, g, mom));
    }
    Op update = tf.withName("train").withControlDependencies(updates).noOp();
    Op reset = tf.withName("reset_momentum").withControlDependencies(resets).noOp();
    return new MomentumSgd(slots, update, reset);
  }

  /** One optimiser step (run with the batch and learning rate fed). */
  public Op update() {
    return update;
  }

  /** Zeroes every momentum buffer (a fresh optimiser, as each KE generation starts). */
  public Op resetSlots() {
    return resetSlots;
  }

  /** The momentum buffers, in parameter order. */
  public List<Variable<TFloat32>> slots() {
    return slots;
  }
}
