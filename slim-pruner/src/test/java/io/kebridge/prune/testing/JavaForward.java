package io.kebridge.prune.testing;

import io.kebridge.models.forward.Forward;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.Weights;
import java.util.HashMap;
import java.util.Map;

/**
 * A plain-Java, double-precision forward pass over a {@link NetworkSpec} in NCHW, written straight
 * from the layer definitions: the independent reference the pruner's tests use where TensorFlow is
 * not needed (planning, arbitrary kept sets); the TensorFlow equivalence tests use TfForward.
 */
public final class JavaForward implements Forward {
  private final NetworkSpec spec;
  private final Weights weights;
  private boolean closed;

  public JavaForward(NetworkSpec spec, Weights weights) {
    weights.checkMatches(spec);
    this.spec = spec;
    this.weights = weights;
  }

  @Override
  public float[][] logits(float[][] images) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    float[][] out = new float[images.length][];
    for (int n = 0; n < images.length; n++) {
      double[] y = run(images[n]);
      out[n] = new float[y.length];
      for (int i = 0; i < y.length; i++) {
        out[n][i] = (float) y[i];
      }
    }
    return out;
  }

  private double[] run(float[] image) {
    Map<String, double[]> act = new HashMap<>();
    for (Layer layer : spec.layers()) {
      double[] y;
      if (layer instanceof Layer.Input) {
        y = new double[image.length];
        for (int i = 0; i < y.length; i++) {
          y[i] = image[i];
        }
      } else if (layer instanceof Layer.Conv2d c) {
        y = conv(c, act.get(c.input()), spec.shapeOf(c.input()), spec.shapeOf(c.name()));
      } else if (layer instanceof Layer.BatchNorm b) {
        y = batchNorm(b, act.get(b.input()), spec.shapeOf(b.name()));
      } else if (layer instanceof Layer.Relu r) {
        double[] x = act.get(r.input());
        y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
          y[i] = Math.max(0, x[i]);
        }
      } else if (layer instanceof Layer.MaxPool p) {
        y = maxPool(p, act.get(p.input()), spec.shapeOf(p.input()), spec.shapeOf(p.name()));
      } else if (layer instanceof Layer.GlobalAvgPool g) {
        ActivationShape s = spec.shapeOf(g.input());
        double[] x = act.get(g.input());
        int hw = s.height() * s.width();
        y = new double[s.channels()];
        for (int ch = 0; ch < y.length; ch++) {
          double sum = 0;
          for (int j = 0; j < hw; j++) {
            sum += x[ch * hw + j];
          }
          y[ch] = sum / hw;
        }
      } else if (layer instanceof Layer.Add a) {
        y = act.get(a.inputs().get(0)).clone();
        for (String other : a.inputs().subList(1, a.inputs().size())) {
          double[] x = act.get(other);
          for (int i = 0; i < y.length; i++) {
            y[i] += x[i];
          }
        }
      } else if (layer instanceof Layer.Flatten f) {
        y = act.get(f.input());
      } else if (layer instanceof Layer.Dense d) {
        y = dense(d, act.get(d.input()));
      } else {
        throw new IllegalArgumentException("unknown layer " + layer);
      }
      act.put(layer.name(), y);
    }
    return act.get(spec.output());
  }

  private double[] conv(Layer.Conv2d c, double[] x, ActivationShape in, ActivationShape out) {
    float[] w = weights.get(c.name() + ".weight").data();
    float[] bias = c.bias() ? weights.get(c.name() + ".bias").data() : null;
    int k = c.kernel();
    double[] y = new double[(int) out.elements()];
    for (int o = 0; o < out.channels(); o++) {
      for (int oy = 0; oy < out.height(); oy++) {
        for (int ox = 0; ox < out.width(); ox++) {
          double sum = bias == null ? 0 : bias[o];
          for (int i = 0; i < in.channels(); i++) {
            for (int ky = 0; ky < k; ky++) {
              int iy = oy * c.stride() - c.padding() + ky;
              if (iy < 0 || iy >= in.height()) {
                continue;
              }
              for (int kx = 0; kx < k; kx++) {
                int ix = ox * c.stride() - c.padding() + kx;
                if (ix < 0 || ix >= in.width()) {
                  continue;
                }
                sum += w[((o * in.channels() + i) * k + ky) * k + kx]
                    * x[(i * in.height() + iy) * in.width() + ix];
              }
            }
          }
          y[(o * out.height() + oy) * out.width() + ox] = sum;
        }
      }
    }
    return y;
  }

  private double[] batchNorm(Layer.BatchNorm b, double[] x, ActivationShape s) {
    float[] g = weights.get(b.name() + ".weight").data();
    float[] beta = weights.get(b.name() + ".bias").data();
    float[] mean = weights.get(b.name() + ".running_mean").data();
    float[] var = weights.get(b.name() + ".running_var").data();
    int hw = s.height() * s.width();
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      int ch = i / hw;
      y[i] = (x[i] - mean[ch]) / Math.sqrt(var[ch] + b.epsilon()) * g[ch] + beta[ch];
    }
    return y;
  }

  private static double[] maxPool(Layer.MaxPool p, double[] x, ActivationShape in,
      ActivationShape out) {
    double[] y = new double[(int) out.elements()];
    for (int ch = 0; ch < out.channels(); ch++) {
      for (int oy = 0; oy < out.height(); oy++) {
        for (int ox = 0; ox < out.width(); ox++) {
          double m = Double.NEGATIVE_INFINITY;
          for (int ky = 0; ky < p.kernel(); ky++) {
            int iy = oy * p.stride() - p.padding() + ky;
            for (int kx = 0; kx < p.kernel(); kx++) {
              int ix = ox * p.stride() - p.padding() + kx;
              if (iy >= 0 && iy < in.height() && ix >= 0 && ix < in.width()) {
                m = Math.max(m, x[(ch * in.height() + iy) * in.width() + ix]);
              }
            }
          }
          y[(ch * out.height() + oy) * out.width() + ox] = m;
        }
      }
    }
    return y;
  }

  private double[] dense(Layer.Dense d, double[] x) {
    float[] w = weights.get(d.name() + ".weight").data();
    float[] bias = d.bias() ? weights.get(d.name() + ".bias").data() : null;
    double[] y = new double[d.outFeatures()];
    for (int o = 0; o < y.length; o++) {
      double sum = bias == null ? 0 : bias[o];
      for (int i = 0; i < d.inFeatures(); i++) {
        sum += w[o * d.inFeatures() + i] * x[i];
      }
      y[o] = sum;
    }
    return y;
  }

  @Override
  public void close() {
    closed = true;
  }
}
