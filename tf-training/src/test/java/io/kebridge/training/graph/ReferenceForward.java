package io.kebridge.training.graph;

import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.Weights;
import java.util.HashMap;
import java.util.Map;

/**
 * A deliberately plain, loop-by-loop NCHW forward pass in inference mode, written straight from
 * the layer definitions: the independent check that the TensorFlow graph computes what the spec
 * says (padding, layouts, flatten order, batch-norm).
 */
final class ReferenceForward {
  private ReferenceForward() {}

  static float[] logits(NetworkSpec spec, Weights w, float[] image) {
    Map<String, double[]> out = new HashMap<>();
    for (Layer layer : spec.layers()) {
      double[] y;
      if (layer instanceof Layer.Input) {
        y = new double[image.length];
        for (int i = 0; i < image.length; i++) {
          y[i] = image[i];
        }
      } else if (layer instanceof Layer.Conv2d c) {
        y = conv(c, spec.shapeOf(c.input()), spec.shapeOf(c.name()), out.get(c.input()), w);
      } else if (layer instanceof Layer.BatchNorm b) {
        double[] x = out.get(b.input());
        ActivationShape s = spec.shapeOf(b.name());
        int hw = s.height() * s.width();
        float[] g = w.get(b.name() + ".weight").data();
        float[] be = w.get(b.name() + ".bias").data();
        float[] m = w.get(b.name() + ".running_mean").data();
        float[] v = w.get(b.name() + ".running_var").data();
        y = new double[x.length];
        for (int ch = 0; ch < s.channels(); ch++) {
          for (int p = 0; p < hw; p++) {
            int i = ch * hw + p;
            y[i] = (x[i] - m[ch]) / Math.sqrt(v[ch] + b.epsilon()) * g[ch] + be[ch];
          }
        }
      } else if (layer instanceof Layer.Relu r) {
        double[] x = out.get(r.input());
        y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
          y[i] = Math.max(0, x[i]);
        }
      } else if (layer instanceof Layer.MaxPool m) {
        ActivationShape in = spec.shapeOf(m.input());
        ActivationShape o = spec.shapeOf(m.name());
        double[] x = out.get(m.input());
        y = new double[(int) o.elements()];
        for (int ch = 0; ch < o.channels(); ch++) {
          for (int oy = 0; oy < o.height(); oy++) {
            for (int ox = 0; ox < o.width(); ox++) {
              double best = Double.NEGATIVE_INFINITY;
              for (int ky = 0; ky < m.kernel(); ky++) {
                for (int kx = 0; kx < m.kernel(); kx++) {
                  int iy = oy * m.stride() + ky - m.padding();
                  int ix = ox * m.stride() + kx - m.padding();
                  if (iy >= 0 && iy < in.height() && ix >= 0 && ix < in.width()) {
                    best = Math.max(best, x[(ch * in.height() + iy) * in.width() + ix]);
                  }
                }
              }
              y[(ch * o.height() + oy) * o.width() + ox] = best;
            }
          }
        }
      } else if (layer instanceof Layer.GlobalAvgPool a) {
        ActivationShape in = spec.shapeOf(a.input());
        double[] x = out.get(a.input());
        int hw = in.height() * in.width();
        y = new double[in.channels()];
        for (int ch = 0; ch < in.channels(); ch++) {
          for (int p = 0; p < hw; p++) {
            y[ch] += x[ch * hw + p];
          }
          y[ch] /= hw;
        }
      } else if (layer instanceof Layer.Add a) {
        y = out.get(a.inputs().get(0)).clone();
        for (int k = 1; k < a.inputs().size(); k++) {
          double[] x = out.get(a.inputs().get(k));
          for (int i = 0; i < y.length; i++) {
            y[i] += x[i];
          }
        }
      } else if (layer instanceof Layer.Flatten f) {
        y = out.get(f.input()); // NCHW storage is already channel-major
      } else if (layer instanceof Layer.Dense d) {
        double[] x = out.get(d.input());
        float[] wt = w.get(d.name() + ".weight").data();
        y = new double[d.outFeatures()];
        for (int o = 0; o < d.outFeatures(); o++) {
          double s = d.bias() ? w.get(d.name() + ".bias").data()[o] : 0;
          for (int i = 0; i < d.inFeatures(); i++) {
            s += wt[o * d.inFeatures() + i] * x[i];
          }
          y[o] = s;
        }
      } else {
        throw new IllegalArgumentException(layer.toString());
      }
      out.put(layer.name(), y);
    }
    double[] r = out.get(spec.output());
    float[] f = new float[r.length];
    for (int i = 0; i < r.length; i++) {
      f[i] = (float) r[i];
    }
    return f;
  }

  private static double[] conv(
      Layer.Conv2d c, ActivationShape in, ActivationShape o, double[] x, Weights w) {
    float[] wt = w.get(c.name() + ".weight").data();
    float[] bias = c.bias() ? w.get(c.name() + ".bias").data() : null;
    int k = c.kernel();
    double[] y = new double[(int) o.elements()];
    for (int oc = 0; oc < o.channels(); oc++) {
      for (int oy = 0; oy < o.height(); oy++) {
        for (int ox = 0; ox < o.width(); ox++) {
          double s = bias == null ? 0 : bias[oc];
          for (int ic = 0; ic < in.channels(); ic++) {
            for (int ky = 0; ky < k; ky++) {
              for (int kx = 0; kx < k; kx++) {
                int iy = oy * c.stride() + ky - c.padding();
                int ix = ox * c.stride() + kx - c.padding();
                if (iy >= 0 && iy < in.height() && ix >= 0 && ix < in.width()) {
                  s +=
                      wt[((oc * in.channels() + ic) * k + ky) * k + kx]
                          * x[(ic * in.height() + iy) * in.width() + ix];
                }
              }
            }
          }
          y[(oc * o.height() + oy) * o.width() + ox] = s;
        }
      }
    }
    return y;
  }
}
