package io.kebridge.training.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.kebridge.training.TrainingException;
import java.util.List;
import java.util.Locale;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Mean, sample standard deviation and 95% confidence interval of the mean of a few values (seeds):
 * {@code mean +- t(0.975, n-1) * sd / sqrt(n)}, Student's t because a sweep has a handful of
 * seeds, not a large sample.
 *
 * @param n how many values
 * @param sd sample standard deviation (n - 1 in the denominator), null for a single value
 * @param low lower end of the 95% interval, null for a single value
 * @param high upper end of the 95% interval, null for a single value
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Spread(int n, double mean, Double sd, Double low, Double high) {

  /** The spread of {@code values}; at least one. */
  public static Spread of(List<Double> values) {
    if (values.isEmpty()) {
      throw new TrainingException("no values to summarise");
    }
    int n = values.size();
    double mean = values.stream().mapToDouble(Double::doubleValue).sum() / n;
    if (n == 1) {
      return new Spread(1, mean, null, null, null);
    }
    double ss = 0;
    for (double v : values) {
      ss += (v - mean) * (v - mean);
    }
    double sd = Math.sqrt(ss / (n - 1));
    double half = new TDistribution(null, n - 1).inverseCumulativeProbability(0.975) * sd
        / Math.sqrt(n);
    return new Spread(n, mean, sd, mean - half, mean + half);
  }

  /** Half the width of the 95% interval, or null for a single value. */
  public Double halfWidth() {
    return high == null ? null : (high - low) / 2;
  }

  /** {@code 74.10 ± 1.00 [71.6, 76.6]} in percentage points, or the mean alone for one value. */
  public String percent() {
    if (sd == null) {
      return String.format(Locale.ROOT, "%.2f", 100 * mean);
    }
    return String.format(Locale.ROOT, "%.2f ± %.2f [%.2f, %.2f]", 100 * mean, 100 * sd,
        100 * low, 100 * high);
  }
}
