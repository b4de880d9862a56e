package io.kebridge.serve.batching;

/**
 * Where the time of one ONNX Runtime run went: how long each of its requests waited in the queue,
 * stacking the inputs ({@code inputNanos}), the run itself ({@code inferNanos}) and cutting each
 * request's rows out of the outputs ({@code outputNanos}).
 */
public record BatchTiming(int rows, int requests, long[] queueNanos, long inputNanos,
    long inferNanos, long outputNanos) {}
