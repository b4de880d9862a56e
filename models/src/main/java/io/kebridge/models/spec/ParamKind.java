package io.kebridge.models.spec;

/** What a parameter tensor is; decides whether a KE split masks it and how the pruner slices it. */
public enum ParamKind {
  /** Convolution filter, layout {@code [out, in, kh, kw]}; masked by split plans. */
  CONV_WEIGHT,
  /** Dense weight, layout {@code [out, in]}; masked by split plans. */
  DENSE_WEIGHT,
  /** Bias of a convolution or dense layer, {@code [out]}; never re-initialised. */
  BIAS,
  /** Batch-norm scale. */
  BN_GAMMA,
  /** Batch-norm shift. */
  BN_BETA,
  /** Batch-norm running mean (a statistic, not trained by gradient). */
  BN_MEAN,
  /** Batch-norm running variance (a statistic, not trained by gradient). */
  BN_VAR;

  /** True for the kinds that a split plan gives a mask (conv and dense weights). */
  public boolean maskable() {
    return this == CONV_WEIGHT || this == DENSE_WEIGHT;
  }

  /** True for the kinds trained by gradient descent. */
  public boolean trainable() {
    return this != BN_MEAN && this != BN_VAR;
  }
}
