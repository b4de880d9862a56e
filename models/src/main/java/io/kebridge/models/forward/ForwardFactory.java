package io.kebridge.models.forward;

import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.Weights;

/** Opens a {@link Forward} for a network and its weights (for example a TensorFlow graph). */
@FunctionalInterface
public interface ForwardFactory {
  /** Builds the network with these weights; the caller closes the result. */
  Forward open(NetworkSpec spec, Weights weights);
}
