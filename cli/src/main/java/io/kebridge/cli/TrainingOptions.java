package io.kebridge.cli;

import io.kebridge.training.TrainingException;
import io.kebridge.training.graph.TfDevice;
import io.kebridge.training.ke.InitSource;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.ke.ReinitRule;
import io.kebridge.training.optim.LrSchedule;
import picocli.CommandLine.Option;

/**
 * The training options that {@code ke train} and {@code ke sweep} share, defined once: each sets
 * the {@link KeConfig} key of the same name when given and leaves the config file's value (or the
 * recipe default) otherwise. The seed, the split and the baselines are not here: {@code ke train}
 * takes one of each, {@code ke sweep} lists.
 */
final class TrainingOptions {

  @Option(names = "--data", paramLabel = "NAME|PATH",
      description = "Dataset (default fashion-mnist-small; digits, fashion-mnist, or a path).")
  String data;

  @Option(names = "--per-class", paramLabel = "N",
      description = "Use N training images per class (default: all).")
  Integer perClass;

  @Option(names = "--arch", paramLabel = "ARCH",
      description = "small-cnn (default), resnet18, resnet34, resnet50, densenet121, mobilenet-v2,"
          + " vgg11-bn, ... ('ke info'); with --init-from: source (the default: the network of the"
          + " weights), or a built-in one that loads their matching tensors.")
  String arch;

  @Option(names = "--init-from", paramLabel = "DIR",
      description = "Start generation 1 from these weights instead of random ones: a folder"
          + " from 'ke import' or 'ke prune', or a run folder (its last generation, or"
          + " --init-generation). Every tensor whose name and shape match is loaded; a classifier"
          + " for another class count starts fresh. Images are normalised as the folder's card"
          + " says and resized where the network needs its own input size.")
  String initFrom;

  @Option(names = "--init-generation", paramLabel = "N",
      description = "With --init-from a run folder: the generation to start from (default: the"
          + " last).")
  Integer initGeneration;

  @Option(names = "--width", paramLabel = "W",
      description = "Base width (default: the architecture's own).")
  Integer width;

  @Option(names = "--stem", paramLabel = "STEM",
      description = "ResNet stem: auto (default), cifar, imagenet.")
  String stem;

  @Option(names = "--generations", paramLabel = "G", description = "Generations (default 3).")
  Integer generations;

  @Option(names = "--epochs", paramLabel = "E", description = "Epochs per generation (default 10).")
  Integer epochs;

  @Option(names = "--batch-size", paramLabel = "B", description = "Batch size (default 32).")
  Integer batchSize;

  @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default 0.05).")
  Double lr;

  @Option(names = "--weight-decay", paramLabel = "WD", description = "Weight decay (default 1e-4).")
  Double weightDecay;

  @Option(names = "--label-smoothing", paramLabel = "EPS",
      description = "Label smoothing (default 0.1).")
  Double labelSmoothing;

  @Option(names = "--schedule", paramLabel = "KIND",
      description = "Learning-rate schedule: cosine (default, with warm-up), step, constant.")
  String schedule;

  @Option(names = "--warmup-epochs", paramLabel = "N",
      description = "Linear warm-up epochs per generation (default 1).")
  Integer warmupEpochs;

  @Option(names = "--step-epochs", paramLabel = "N",
      description = "Step schedule: epochs between decays (default 3).")
  Integer stepEpochs;

  @Option(names = "--step-gamma", paramLabel = "F",
      description = "Step schedule: decay factor (default 0.1).")
  Double stepGamma;

  @Option(names = "--redraw-split", description = "Draw a new WELS mask every generation.")
  Boolean redrawSplit;

  @Option(names = "--reinit", paramLabel = "RULE",
      description = "Re-init of the reset hypothesis: reference (default), initial, zero.")
  String reinit;

  @Option(names = "--flip", description = "Random horizontal flips (off by default: digits).")
  Boolean flip;

  @Option(names = "--no-augment", description = "No training augmentation.")
  boolean noAugment;

  @Option(names = "--eval-every", paramLabel = "N",
      description = "Also evaluate every N epochs of a generation (default 0: only at the end of "
          + "each generation, on the whole test split, as the KE reference does).")
  Integer evalEvery;

  @Option(names = "--eval-subset", paramLabel = "K",
      description = "Evaluate the in-between checks of --eval-every on a fixed seeded sample of K"
          + " test images (default 0: all); a generation's end always uses the whole split.")
  Integer evalSubset;

  @Option(names = "--eval-every-epoch", negatable = true, hidden = true,
      description = "Deprecated: --eval-every 1 (or 0 when negated).")
  Boolean evalEveryEpoch;

  @Option(names = "--device", paramLabel = "DEV",
      description = "cpu (default) or gpu (needs the -Pgpu build; fails when no GPU is usable).")
  String device;

  @Option(names = "--threads", paramLabel = "N",
      description = "TensorFlow threads (default: TensorFlow's choice).")
  Integer threads;

  /** Sets every option given on {@code b}; returns {@code b}. */
  KeConfig.Builder apply(KeConfig.Builder b) {
    if (initGeneration != null && initFrom == null) {
      throw new TrainingException("--init-generation picks a generation of the --init-from run"
          + " folder; give --init-from DIR");
    }
    if (initFrom != null) {
      b.initFrom(InitSource.of(initFrom, initGeneration == null ? 0 : initGeneration));
    }
    if (data != null) {
      b.dataset(data);
    }
    if (perClass != null) {
      b.perClass(perClass);
    }
    if (arch != null) {
      b.architecture(arch);
    }
    if (width != null) {
      b.width(width);
    }
    if (stem != null) {
      b.stem(stem);
    }
    if (generations != null) {
      b.generations(generations);
    }
    if (epochs != null) {
      b.epochs(epochs);
    }
    if (batchSize != null) {
      b.batchSize(batchSize);
    }
    if (lr != null) {
      b.learningRate(lr);
    }
    if (weightDecay != null) {
      b.weightDecay(weightDecay);
    }
    if (labelSmoothing != null) {
      b.labelSmoothing(labelSmoothing);
    }
    if (schedule != null) {
      b.schedule(LrSchedule.Kind.parse(schedule));
    }
    if (warmupEpochs != null) {
      b.warmupEpochs(warmupEpochs);
    }
    if (stepEpochs != null) {
      b.stepEpochs(stepEpochs);
    }
    if (stepGamma != null) {
      b.stepGamma(stepGamma);
    }
    if (redrawSplit != null) {
      b.redrawSplit(redrawSplit);
    }
    if (reinit != null) {
      b.reinit(ReinitRule.parse(reinit));
    }
    if (flip != null) {
      b.flip(flip);
    }
    if (noAugment) {
      b.augment(false);
    }
    if (evalEveryEpoch != null) {
      b.evalEvery(evalEveryEpoch ? 1 : 0);
    }
    if (evalEvery != null) {
      b.evalEvery(evalEvery);
    }
    if (evalSubset != null) {
      b.evalSubset(evalSubset);
    }
    if (device != null) {
      b.device(TfDevice.parse(device));
    }
    if (threads != null) {
      b.threads(threads);
    }
    return b;
  }
}
