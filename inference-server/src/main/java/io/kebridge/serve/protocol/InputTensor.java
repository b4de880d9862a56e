package io.kebridge.serve.protocol;

/**
 * One input of a V2 inference request as received: name, shape, datatype and the values, which
 * came either from the JSON {@code data} (any nesting, flattened row-major) or from the binary
 * part ({@code binaryDataSize} bytes, -1 when the input was sent as JSON).
 */
public record InputTensor(String name, long[] shape, String datatype, float[] data,
    long binaryDataSize) {}
