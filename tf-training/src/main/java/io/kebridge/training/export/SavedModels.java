package io.kebridge.training.export;

import io.kebridge.models.io.Folders;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.TrainingException;
import io.kebridge.training.graph.NetworkGraph;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a network as a TensorFlow SavedModel for TF Serving and other TF runtimes: tag {@code
 * serve}, signature {@code serving_default} with input {@code images} (NCHW float32 {@code [-1, C,
 * H, W]}, normalised as the model card says) and outputs {@code logits} and {@code probabilities}.
 * The folder appears complete or not at all: it is written under a temporary name and renamed.
 */
public final class SavedModels {
  /** The signature key TF Serving uses by default. */
  public static final String SIGNATURE = "serving_default";

  private static final Logger LOG = LoggerFactory.getLogger(SavedModels.class);

  private SavedModels() {}

  /**
   * Exports {@code spec} with {@code weights} (canonical layouts) to {@code dir}, replacing a
   * previous export there.
   *
   * @throws TrainingException when the folder cannot be written
   * @throws io.kebridge.models.ModelException when the weights do not match the spec
   */
  public static void export(NetworkSpec spec, Weights weights, Path dir) {
    weights.checkMatches(spec);
    Path target = dir.toAbsolutePath();
    Path parent = target.getParent();
    Path tmp;
    try {
      Files.createDirectories(parent);
      tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".");
      // The exporter wants to create the folder contents itself; an empty folder is fine.
    } catch (IOException e) {
      throw new TrainingException("cannot create a folder next to " + dir + ": " + e.getMessage(), e);
    }
    try {
      writeBundle(spec, weights, tmp);
      replace(tmp, target);
      tmp = null;
      LOG.info("SavedModel of {} written to {}", spec.architecture(), target);
    } finally {
      if (tmp != null) {
        deleteTree(tmp);
      }
    }
  }

  private static void writeBundle(NetworkSpec spec, Weights weights, Path dir) {
    ActivationShape s = spec.input().shape();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      NetworkGraph net = NetworkGraph.create(tf, spec);
      Placeholder<TFloat32> images =
          tf.withName("images")
              .placeholder(
                  TFloat32.class,
                  Placeholder.shape(Shape.of(-1, s.channels(), s.height(), s.width())));
      // The graph is NHWC inside; the public input is NCHW, as every other ke-bridge artefact.
      Operand<TFloat32> nhwc = tf.linalg.transpose(images, tf.constant(new int[] {0, 2, 3, 1}));
      Operand<TFloat32> logits = tf.withName("logits").identity(net.inference(nhwc));
      Operand<TFloat32> probabilities = tf.withName("probabilities").nn.softmax(logits);
      try (Session session = new Session(graph)) {
        net.load(session, weights);
        Signature signature =
            Signature.builder()
                .key(SIGNATURE)
                .input("images", images)
                .output("logits", logits)
                .output("probabilities", probabilities)
                .build();
        SavedModelBundle.exporter(dir.toString())
            .withTags(SavedModelBundle.DEFAULT_TAG)
            .withSession(session)
            .withSignature(signature)
            .export();
      }
    } catch (IOException e) {
      throw new TrainingException("cannot write the SavedModel to " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void replace(Path tmp, Path target) {
    Path old = null;
    try {
      if (Files.exists(target)) {
        old = target.resolveSibling("." + target.getFileName() + ".old-" + System.nanoTime());
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target);
      }
    } catch (IOException e) {
      if (old != null && !Files.exists(target)) {
        try {
          Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
          old = null;
        } catch (IOException restore) {
          e.addSuppressed(restore);
        }
      }
      throw new TrainingException("cannot move the SavedModel into " + target + ": "
          + e.getMessage(), e);
    }
    if (old != null) {
      deleteTree(old);
    }
  }

  private static void deleteTree(Path dir) {
    try {
      Folders.deleteTree(dir);
    } catch (IOException e) {
      LOG.warn("could not delete temporary folder {}: {}", dir, e.getMessage());
    }
  }
}
