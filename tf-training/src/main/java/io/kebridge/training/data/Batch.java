package io.kebridge.training.data;

/**
 * One training batch as the graph takes it: {@code size} normalised images packed NHWC in {@code
 * nhwc}, and their labels.
 */
public record Batch(float[] nhwc, int[] labels, int size) {}
