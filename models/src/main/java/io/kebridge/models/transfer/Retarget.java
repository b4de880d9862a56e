package io.kebridge.models.transfer;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * A network trained elsewhere made ready for another dataset, as fine-tuning tools do: the
 * classifier (the last layer with weights before the output) gets one output per class of the
 * new data, and the network takes the data's image size where its layers allow it (convolutions
 * and global pooling take any size; a flatten before a dense layer fixes it). Everything else,
 * parameter names and shapes included, stays as it was, so the source's weights load by name.
 */
public final class Retarget {
  private Retarget() {}

  /**
   * The network for the data.
   *
   * @param spec the network as trained
   * @param classifier the layer whose outputs are the classes, or null where the class count
   *     stays and the network has none this class recognises
   * @param resized true when the network takes the data's image size (else the images are to be
   *     resized to {@code spec}'s input)
   */
  public record Result(NetworkSpec spec, String classifier, boolean resized) {}

  /**
   * {@code source} with {@code classes} outputs, taking images of {@code height x width} where its
   * layers allow it; its input channels stay (images are converted to them).
   *
   * @throws ModelException when the output is not read from a dense or ungrouped convolution
   *     layer through parameter-free layers only, so that no classifier can be replaced
   */
  public static Result forData(NetworkSpec source, int classes, int height, int width) {
    String classifier;
    NetworkSpec spec;
    if (source.classes() == classes) {
      classifier = findClassifier(source);
      spec = source;
    } else {
      classifier = classifier(source);
      spec = withClasses(source, classifier, classes);
    }
    ActivationShape in = spec.input().shape();
    ActivationShape wanted = new ActivationShape(in.channels(), height, width);
    if (wanted.equals(in)) {
      return new Result(spec, classifier, true);
    }
    NetworkSpec sized = withInput(spec, wanted);
    return sized == null ? new Result(spec, classifier, false)
        : new Result(sized, classifier, true);
  }

  /**
   * The layer whose outputs are the network's classes: the output layer, or the last layer with
   * weights that the output reads through parameter-free layers that keep the channels (a global
   * pooling, a flatten of a 1x1 map, dropout, ReLU).
   *
   * @throws ModelException when there is none
   */
  public static String classifier(NetworkSpec spec) {
    Layer l = spec.layer(spec.output());
    while (l.params().isEmpty()) {
      if (l.inputs().size() != 1
          || spec.shapeOf(l.inputs().get(0)).channels() != spec.shapeOf(l.name()).channels()) {
        throw new ModelException(spec.architecture() + ": the output " + spec.output()
            + " is not read from a classifier layer (" + l.name() + " is in the way)");
      }
      l = spec.layer(l.inputs().get(0));
      if (l instanceof Layer.Input) {
        throw new ModelException(spec.architecture() + ": the output " + spec.output()
            + " has no layer with weights before it");
      }
    }
    return l.name();
  }

  private static String findClassifier(NetworkSpec spec) {
    try {
      return classifier(spec);
    } catch (ModelException e) {
      return null;
    }
  }

  /** {@code spec} whose layer {@code classifier} has {@code classes} outputs. */
  static NetworkSpec withClasses(NetworkSpec spec, String classifier, int classes) {
    List<Layer> layers = new ArrayList<>();
    for (Layer l : spec.layers()) {
      if (!l.name().equals(classifier)) {
        layers.add(l);
      } else if (l instanceof Layer.Dense d) {
        layers.add(new Layer.Dense(d.name(), d.input(), d.inFeatures(), classes, d.bias()));
      } else if (l instanceof Layer.Conv2d c && c.groups() == 1) {
        layers.add(c.withChannels(c.inChannels(), classes, 1));
      } else {
        throw new ModelException(spec.architecture() + ": the classifier " + classifier + " is"
            + " not a dense or ungrouped convolution layer, so it cannot get " + classes
            + " outputs");
      }
    }
    try {
      return new NetworkSpec(spec.architecture(), layers, spec.output());
    } catch (ModelException e) {
      throw new ModelException(spec.architecture() + ": the classifier " + classifier
          + " cannot get " + classes + " outputs: " + e.getMessage(), e);
    }
  }

  /** {@code spec} taking {@code input}, or null when one of its layers does not allow it. */
  static NetworkSpec withInput(NetworkSpec spec, ActivationShape input) {
    List<Layer> layers = new ArrayList<>();
    for (Layer l : spec.layers()) {
      layers.add(l instanceof Layer.Input i ? new Layer.Input(i.name(), input) : l);
    }
    try {
      NetworkSpec s = new NetworkSpec(spec.architecture(), layers, spec.output());
      return s.params().equals(spec.params()) ? s : null;
    } catch (ModelException | IllegalArgumentException e) {
      return null; // a flatten before a dense layer, or a map that shrinks to nothing
    }
  }
}
