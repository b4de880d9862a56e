package io.kebridge.serve.repository;

import java.nio.file.Path;

/**
 * One model version found on disk: where its ONNX file and config are, and a fingerprint (sizes
 * and modification times) that changes when either file is replaced.
 */
public record ModelFiles(String name, long version, Path onnx, Path config, String fingerprint) {}
