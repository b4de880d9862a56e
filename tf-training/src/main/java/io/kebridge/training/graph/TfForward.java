package io.kebridge.training.graph;

import io.kebridge.models.forward.Forward;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.TrainingException;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A network on TensorFlow in inference mode, behind models' {@link Forward} seam: {@code
 * TfForward::open} is a {@link io.kebridge.models.forward.ForwardFactory}, so TF-free modules can
 * compare against TensorFlow without depending on it. Takes canonical weights and normalised
 * {@code C x H x W} images; owns its graph and session.
 */
public final class TfForward implements Forward {
  private static final int CHUNK = 256;

  private final Graph graph;
  private final Session session;
  private final Placeholder<TFloat32> images;
  private final Operand<TFloat32> logits;
  private final ActivationShape input;
  private final int classes;
  private volatile boolean closed;

  private TfForward(
      Graph graph,
      Session session,
      Placeholder<TFloat32> images,
      Operand<TFloat32> logits,
      NetworkSpec spec) {
    this.graph = graph;
    this.session = session;
    this.images = images;
    this.logits = logits;
    this.input = spec.input().shape();
    this.classes = spec.classes();
  }

  /**
   * Builds {@code spec} with {@code weights} (canonical layouts) on the CPU.
   *
   * @throws io.kebridge.models.ModelException when the weights do not match the spec
   */
  public static TfForward open(NetworkSpec spec, Weights weights) {
    weights.checkMatches(spec);
    Graph graph = new Graph();
    Session session = null;
    try {
      Ops tf = Ops.create(graph);
      NetworkGraph net = NetworkGraph.create(tf, spec);
      ActivationShape s = spec.input().shape();
      Placeholder<TFloat32> images =
          tf.withName("images")
              .placeholder(
                  TFloat32.class,
                  Placeholder.shape(Shape.of(-1, s.height(), s.width(), s.channels())));
      Operand<TFloat32> logits = net.inference(images);
      session = new Session(graph);
      net.load(session, weights);
      return new TfForward(graph, session, images, logits, spec);
    } catch (RuntimeException e) {
      if (session != null) {
        session.close();
      }
      graph.close();
      throw e;
    }
  }

  @Override
  public float[][] logits(float[][] batch) {
    if (closed) {
      throw new IllegalStateException("this TfForward is closed");
    }
    int c = input.channels();
    int h = input.height();
    int w = input.width();
    int per = (int) input.elements();
    for (int i = 0; i < batch.length; i++) {
      if (batch[i].length != per) {
        throw new TrainingException(
            "image " + i + " has " + batch[i].length + " values, the network takes " + input
                + " = " + per);
      }
    }
    float[][] out = new float[batch.length][];
    for (int start = 0; start < batch.length; start += CHUNK) {
      int n = Math.min(CHUNK, batch.length - start);
      float[] nhwc = new float[n * per];
      for (int i = 0; i < n; i++) {
        TfLayouts.chwToHwc(batch[start + i], c, h, w, nhwc, i * per);
      }
      float[] flat = new float[n * classes];
      try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, h, w, c), DataBuffers.of(nhwc, true, false));
          Result r = session.runner().feed(images, x).fetch(logits).run()) {
        r.get(0).asRawTensor().data().asFloats().read(flat);
      }
      for (int i = 0; i < n; i++) {
        float[] row = new float[classes];
        System.arraycopy(flat, i * classes, row, 0, classes);
        out[start + i] = row;
      }
    }
    return out;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    session.close();
    graph.close();
  }
}
