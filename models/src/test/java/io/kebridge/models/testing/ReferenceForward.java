package io.kebridge.models.testing;

import io.kebridge.models.forward.Forward;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.Padding;
import io.kebridge.models.weights.Weights;
import java.util.HashMap;
import java.util.Map;

/**
 * A deliberately plain, loop-by-loop, double-precision forward pass in inference mode over a
 * {@link NetworkSpec} in NCHW, written straight from the layer definitions: the independent check
 * that the TensorFlow graph, the ONNX export and the pruner's cut compute what the spec says
 * (padding, layouts, groups, flatten order, batch-norm, pooling divisors). The one reference
 * forward of every module's tests (the {@code models} test jar).
 */
public final class ReferenceForward implements Forward {
  private final NetworkSpec spec;
  private final Weights weights;
  private boolean closed;

  public ReferenceForward(NetworkSpec spec, Weights weights) {
    weights.checkMatches(spec);
    this.spec = spec;
    this.weights = weights;
  }

  /** The logits of one channel-major image. */
  public static float[] logits(NetworkSpec spec, Weights weights, float[] image) {
    try (ReferenceForward f = new ReferenceForward(spec, weights)) {
      return f.logits(new float[][] {image})[0];
    }
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
    Pass pass = new Pass(image);
    for (Layer layer : spec.layers()) {
      pass.act.put(layer.name(), layer.accept(pass));
    }
    return pass.act.get(spec.output());
  }

  @Override
  public void close() {
    closed = true;
  }

  /** One image's activations, layer by layer. */
  private final class Pass implements Layer.Visitor<double[]> {
    final Map<String, double[]> act = new HashMap<>();
    final float[] image;

    Pass(float[] image) {
      this.image = image;
    }

    private ActivationShape shape(String layer) {
      return spec.shapeOf(layer);
    }

    private double[] map(String input, java.util.function.DoubleUnaryOperator f) {
      double[] x = act.get(input);
      double[] y = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        y[i] = f.applyAsDouble(x[i]);
      }
      return y;
    }

    @Override
    public double[] visit(Layer.Input l) {
      double[] y = new double[image.length];
      for (int i = 0; i < y.length; i++) {
        y[i] = image[i];
      }
      return y;
    }

    @Override
    public double[] visit(Layer.Conv2d c) {
      ActivationShape in = shape(c.input());
      ActivationShape out = shape(c.name());
      double[] x = act.get(c.input());
      float[] w = weights.get(c.name() + ".weight").data();
      float[] bias = c.bias() ? weights.get(c.name() + ".bias").data() : null;
      int k = c.kernel();
      int inPer = c.inChannels() / c.groups();
      int outPer = c.outChannels() / c.groups();
      double[] y = new double[(int) out.elements()];
      for (int o = 0; o < out.channels(); o++) {
        int firstIn = (o / outPer) * inPer;
        for (int oy = 0; oy < out.height(); oy++) {
          for (int ox = 0; ox < out.width(); ox++) {
            double sum = bias == null ? 0 : bias[o];
            for (int i = 0; i < inPer; i++) {
              for (int ky = 0; ky < k; ky++) {
                int iy = oy * c.stride() - c.padding().top() + ky;
                if (iy < 0 || iy >= in.height()) {
                  continue;
                }
                for (int kx = 0; kx < k; kx++) {
                  int ix = ox * c.stride() - c.padding().left() + kx;
                  if (ix < 0 || ix >= in.width()) {
                    continue;
                  }
                  sum += w[((o * inPer + i) * k + ky) * k + kx]
                      * x[((firstIn + i) * in.height() + iy) * in.width() + ix];
                }
              }
            }
            y[(o * out.height() + oy) * out.width() + ox] = sum;
          }
        }
      }
      return y;
    }

    @Override
    public double[] visit(Layer.BatchNorm b) {
      float[] g = weights.get(b.name() + ".weight").data();
      float[] beta = weights.get(b.name() + ".bias").data();
      float[] mean = weights.get(b.name() + ".running_mean").data();
      float[] var = weights.get(b.name() + ".running_var").data();
      ActivationShape s = shape(b.name());
      int hw = s.height() * s.width();
      double[] x = act.get(b.input());
      double[] y = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        int ch = i / hw;
        y[i] = (x[i] - mean[ch]) / Math.sqrt(var[ch] + b.epsilon()) * g[ch] + beta[ch];
      }
      return y;
    }

    @Override
    public double[] visit(Layer.Relu r) {
      return map(r.input(), v -> Math.max(0, v));
    }

    @Override
    public double[] visit(Layer.Relu6 r) {
      return map(r.input(), v -> Math.min(6, Math.max(0, v)));
    }

    @Override
    public double[] visit(Layer.Dropout d) {
      return act.get(d.input());
    }

    @Override
    public double[] visit(Layer.MaxPool p) {
      return pool(p.input(), p.name(), p.kernel(), p.stride(), p.padding(), null);
    }

    @Override
    public double[] visit(Layer.AvgPool p) {
      return pool(p.input(), p.name(), p.kernel(), p.stride(), p.padding(), p);
    }

    /**
     * Max pooling ({@code avg == null}) or average pooling: every window position inside the
     * image counts; the divisor is the window's positions inside the image, or with
     * countIncludePad inside the padded image (never the part of a ceil-mode window beyond it).
     */
    private double[] pool(String input, String name, int kernel, int stride, Padding padding,
        Layer.AvgPool avg) {
      ActivationShape in = shape(input);
      ActivationShape out = shape(name);
      double[] x = act.get(input);
      double[] y = new double[(int) out.elements()];
      for (int ch = 0; ch < out.channels(); ch++) {
        for (int oy = 0; oy < out.height(); oy++) {
          for (int ox = 0; ox < out.width(); ox++) {
            double acc = avg == null ? Double.NEGATIVE_INFINITY : 0;
            int rows = 0;
            int cols = 0;
            for (int ky = 0; ky < kernel; ky++) {
              int iy = oy * stride - padding.top() + ky;
              if (iy >= -padding.top() && iy < in.height() + padding.bottom()) {
                rows++;
              }
              for (int kx = 0; kx < kernel; kx++) {
                int ix = ox * stride - padding.left() + kx;
                if (ky == 0 && ix >= -padding.left() && ix < in.width() + padding.right()) {
                  cols++;
                }
                if (iy >= 0 && iy < in.height() && ix >= 0 && ix < in.width()) {
                  double v = x[(ch * in.height() + iy) * in.width() + ix];
                  acc = avg == null ? Math.max(acc, v) : acc + v;
                }
              }
            }
            double divisor = 1;
            if (avg != null) {
              int inRows = 0;
              int inCols = 0;
              for (int k = 0; k < kernel; k++) {
                int iy = oy * stride - padding.top() + k;
                int ix = ox * stride - padding.left() + k;
                inRows += iy >= 0 && iy < in.height() ? 1 : 0;
                inCols += ix >= 0 && ix < in.width() ? 1 : 0;
              }
              divisor = avg.countIncludePad() ? (double) rows * cols : (double) inRows * inCols;
            }
            y[(ch * out.height() + oy) * out.width() + ox] = acc / divisor;
          }
        }
      }
      return y;
    }

    @Override
    public double[] visit(Layer.GlobalAvgPool g) {
      ActivationShape s = shape(g.input());
      double[] x = act.get(g.input());
      int hw = s.height() * s.width();
      double[] y = new double[s.channels()];
      for (int ch = 0; ch < y.length; ch++) {
        double sum = 0;
        for (int j = 0; j < hw; j++) {
          sum += x[ch * hw + j];
        }
        y[ch] = sum / hw;
      }
      return y;
    }

    @Override
    public double[] visit(Layer.Lrn l) {
      // ONNX's LRN: x_c / (bias + alpha / size * sum of the squares of the window's channels)^beta
      ActivationShape s = shape(l.name());
      int hw = s.height() * s.width();
      double[] x = act.get(l.input());
      double[] y = new double[x.length];
      for (int c = 0; c < s.channels(); c++) {
        for (int j = 0; j < hw; j++) {
          double sum = 0;
          for (int n = Math.max(0, c - l.radius()); n <= Math.min(s.channels() - 1,
              c + l.radius()); n++) {
            double v = x[n * hw + j];
            sum += v * v;
          }
          y[c * hw + j] = x[c * hw + j] / Math.pow(l.bias() + l.alpha() / l.size() * sum, l.beta());
        }
      }
      return y;
    }

    @Override
    public double[] visit(Layer.Add a) {
      double[] y = act.get(a.inputs().get(0)).clone();
      for (String other : a.inputs().subList(1, a.inputs().size())) {
        double[] x = act.get(other);
        for (int i = 0; i < y.length; i++) {
          y[i] += x[i];
        }
      }
      return y;
    }

    @Override
    public double[] visit(Layer.Concat c) {
      // NCHW storage: a channel concatenation is the inputs one after another
      double[] y = new double[(int) shape(c.name()).elements()];
      int at = 0;
      for (String in : c.inputs()) {
        double[] x = act.get(in);
        System.arraycopy(x, 0, y, at, x.length);
        at += x.length;
      }
      return y;
    }

    @Override
    public double[] visit(Layer.Flatten f) {
      return act.get(f.input()); // NCHW storage is already channel-major
    }

    @Override
    public double[] visit(Layer.Dense d) {
      float[] w = weights.get(d.name() + ".weight").data();
      float[] bias = d.bias() ? weights.get(d.name() + ".bias").data() : null;
      double[] x = act.get(d.input());
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
  }
}
