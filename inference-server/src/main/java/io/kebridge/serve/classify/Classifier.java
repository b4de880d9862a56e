package io.kebridge.serve.classify;

import io.kebridge.models.card.ModelCard;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.batching.BatchResult;
import io.kebridge.serve.inference.InferenceService;
import io.kebridge.serve.session.ModelSession;
import io.kebridge.serve.session.TensorSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The {@code classify} convenience endpoint's logic: preprocess an image per the model's card, run
 * it through the same batcher as V2 requests, and rank the labels by probability.
 */
public final class Classifier {
  private Classifier() {}

  /** One ranked label. */
  public record Prediction(int index, String label, double probability) {}

  /** The answer: which model version ranked the image, and its top labels. */
  public record Classification(String model, long version, List<Prediction> predictions) {}

  /** Classifies {@code image} (PNG or JPEG bytes) with the model {@code call} holds. */
  public static Classification classify(InferenceService.Call call, byte[] image, int topK) {
    ModelSession model = call.model().session();
    ModelCard card = model.card().orElseThrow(() -> ServeException.badRequest("model "
        + model.name() + " carries no ke.* metadata (labels, input shape, normalisation), so it "
        + "cannot classify images; use /infer"));
    if (model.inputs().size() != 1) {
      throw ServeException.badRequest("model " + model.name() + " has " + model.inputs().size()
          + " inputs; classify needs exactly one image input");
    }
    TensorSpec in = model.inputs().get(0);
    float[] pixels = ImagePreprocessor.preprocess(image, card);
    long[] shape = {1, card.input().channels(), card.input().height(), card.input().width()};
    if (in.rowElements() != pixels.length) {
      throw ServeException.internal("model " + model.name() + " input " + in
          + " does not match its ke.input.shape " + card.input(), null);
    }
    BatchResult result = call.run(List.of(pixels), List.of(shape), false);
    double[] probs = probabilities(model, result);
    List<Prediction> ranked = new ArrayList<>();
    for (int i = 0; i < probs.length; i++) {
      String label = i < card.labels().size() ? card.labels().get(i) : Integer.toString(i);
      ranked.add(new Prediction(i, label, probs[i]));
    }
    ranked.sort(Comparator.comparingDouble(Prediction::probability).reversed());
    int k = Math.max(1, Math.min(topK, ranked.size()));
    return new Classification(model.name(), model.version(), List.copyOf(ranked.subList(0, k)));
  }

  /** The {@code probs} output when the model has one, else a softmax of its first output. */
  private static double[] probabilities(ModelSession model, BatchResult result) {
    int index = 0;
    boolean isProbs = false;
    for (int i = 0; i < model.outputs().size(); i++) {
      if (model.outputs().get(i).name().equals("probs")) {
        index = i;
        isProbs = true;
      }
    }
    float[] v = result.outputs().get(index);
    double[] p = new double[v.length];
    if (isProbs) {
      for (int i = 0; i < v.length; i++) {
        p[i] = v[i];
      }
      return p;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (float x : v) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (int i = 0; i < v.length; i++) {
      p[i] = Math.exp(v[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < v.length; i++) {
      p[i] /= sum;
    }
    return p;
  }
}
