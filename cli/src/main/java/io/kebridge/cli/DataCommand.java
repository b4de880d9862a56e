package io.kebridge.cli;

import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ke data}: what a dataset holds. */
@Command(
    name = "data",
    header = "Show a dataset's classes, images per class, image size and mean/std.",
    mixinStandardHelpOptions = true,
    description = {
      "Show a dataset's classes, images per class, image size and per-channel mean/std.",
      "NAME is fashion-mnist-small (embedded), digits (embedded), fashion-mnist (Debian package),",
      "or a path: a folder of IDX files, an image folder (one sub-folder per class, or train/ and",
      "test/), or a CSV file of square images with the label last."
    })
public final class DataCommand implements Runnable {

  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME|PATH",
      defaultValue = Datasets.DEFAULT, description = "Dataset (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Spec picocli.CommandLine.Model.CommandSpec command;

  @Override
  public void run() {
    DataSplits data = Datasets.load(dataset);
    PrintWriter out = command.commandLine().getOut();
    out.printf(Locale.ROOT, "dataset %s: %d classes, images %s (channels x height x width)%n",
        data.name(), data.train().classes(), data.train().shape());
    for (Dataset part : new Dataset[] {data.train(), data.test()}) {
      ChannelStats st = part.stats();
      out.printf(Locale.ROOT, "  %-28s %6d images, mean %s, std %s%n", part.name(), part.size(),
          fmt(st.mean()), fmt(st.std()));
    }
    out.printf(Locale.ROOT, "  %-28s %8s %8s%n", "class", "train", "test");
    int[] tr = data.train().countsPerClass();
    int[] te = data.test().countsPerClass();
    for (int k = 0; k < tr.length; k++) {
      out.printf(Locale.ROOT, "  %-28s %8d %8d%n", k + " " + data.train().classNames().get(k),
          tr[k], te[k]);
    }
    out.flush();
  }

  private static String fmt(float[] v) {
    String[] s = new String[v.length];
    for (int i = 0; i < v.length; i++) {
      s[i] = String.format(Locale.ROOT, "%.4f", v[i]);
    }
    return Arrays.toString(s);
  }
}
