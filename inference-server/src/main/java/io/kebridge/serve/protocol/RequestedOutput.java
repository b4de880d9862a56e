package io.kebridge.serve.protocol;

/** An output the client asked for, and whether it wants it in the binary part of the answer. */
public record RequestedOutput(String name, boolean binary) {}
