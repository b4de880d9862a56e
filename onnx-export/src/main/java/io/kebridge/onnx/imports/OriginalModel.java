package io.kebridge.onnx.imports;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.util.List;

/**
 * The ONNX file an import came from, as the import check runs it: the original graph with the
 * value that holds the logits (the input of a final Softmax or LogSoftmax, else the output) as its
 * only output, so that logits are compared rather than saturated probabilities; and, where ONNX
 * Runtime's answer depends on its version, the nodes written as the ONNX standard defines them.
 *
 * @param check the model to run on ONNX Runtime
 * @param logits the name of the value that holds the logits
 * @param head what the original applies to the logits before its output
 * @param batch the batch size the original's input fixes, or 0 when the batch is dynamic
 * @param channelsLast whether the original takes NHWC images (the import takes NCHW ones)
 * @param notes what the user should know about how the file was read, one sentence each
 */
public record OriginalModel(ModelProto check, String logits, Head head, long batch,
    boolean channelsLast, List<String> notes) {
  /** What a classifier applies to its logits before its output. */
  public enum Head {
    NONE,
    SOFTMAX,
    LOG_SOFTMAX
  }

  public OriginalModel {
    notes = List.copyOf(notes);
  }
}
