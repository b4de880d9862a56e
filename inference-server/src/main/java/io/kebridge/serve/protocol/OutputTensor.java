package io.kebridge.serve.protocol;

/** One output of a V2 inference response: FP32 values, row-major, and whether to send binary. */
public record OutputTensor(String name, long[] shape, float[] data, boolean binary) {}
