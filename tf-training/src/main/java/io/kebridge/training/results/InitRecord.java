package io.kebridge.training.results;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * How a run started from another network's weights ({@code --init-from}): which tensors were
 * loaded, how the images reach the network, and the accuracy of the starting weights on the whole
 * test split before any training step. The first line of {@code metrics.jsonl} of such a run.
 *
 * @param source the weights file, by its folder's name and path inside it
 * @param sha256 that file's SHA-256
 * @param loaded parameters taken from the source
 * @param tensors parameters of the network
 * @param fresh the parameters left at their fresh initialisation, each with why ({@code fc.weight
 *     [5, 512] (source [10, 512])})
 * @param input the network's input, {@code CxHxW}
 * @param resizedImages true when the data's images are resized (or channel-converted) to it
 * @param denseAccuracy the starting weights' test accuracy
 * @param slimAccuracy the slim network of the starting weights, where the split has one
 * @param images test images the accuracies were measured on
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"type", "source", "sha256", "loaded", "tensors"})
public record InitRecord(
    String source,
    String sha256,
    int loaded,
    int tensors,
    List<String> fresh,
    String input,
    boolean resizedImages,
    double denseAccuracy,
    Double slimAccuracy,
    int images) {

  public InitRecord {
    fresh = List.copyOf(fresh == null ? List.of() : fresh);
  }

  /** The record kind in {@code metrics.jsonl}. */
  @JsonProperty("type")
  public String type() {
    return "init";
  }
}
