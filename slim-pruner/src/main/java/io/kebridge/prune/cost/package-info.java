/** Dense-versus-slim cost reports: parameters, MACs, Ops, and measured latency when supplied. */
package io.kebridge.prune.cost;
