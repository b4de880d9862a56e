package io.kebridge.serve.bench;

/**
 * The outcome of one load run: requests answered 200, errors (any other status or a failed
 * connection, with the first one's text), images per second, and latency percentiles of the
 * successful requests in milliseconds.
 */
public record LoadReport(int concurrency, long requests, long errors, String firstError,
    double seconds, double imagesPerSecond, double p50Ms, double p90Ms, double p99Ms) {}
