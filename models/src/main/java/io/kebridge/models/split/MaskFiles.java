package io.kebridge.models.split;

import io.kebridge.models.weights.SafeTensors;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Split masks as a safetensors file: one float32 tensor of 0 (reset) and 1 (fit) per conv and
 * dense weight, named and shaped as the weight in PyTorch's layout, so a split can be inspected or
 * compared in NumPy or PyTorch ({@code safetensors.torch.load_file}).
 */
public final class MaskFiles {
  private MaskFiles() {}

  /** Writes {@code masks} to {@code file} atomically, with free-form string metadata. */
  public static void write(Path file, Map<String, Mask> masks, Map<String, String> metadata) {
    List<Tensor> t = new ArrayList<>();
    for (Mask m : masks.values()) {
      t.add(new Tensor(m.param(), m.shape(), m.toFloats()));
    }
    SafeTensors.write(file, Weights.of(t), metadata);
  }

  /** Reads masks written by {@link #write} (any non-zero entry is fit). */
  public static Map<String, Mask> read(Path file) {
    Weights w = SafeTensors.read(file).weights();
    Map<String, Mask> out = new LinkedHashMap<>();
    for (Tensor t : w.tensors().values()) {
      byte[] bits = new byte[t.data().length];
      for (int i = 0; i < bits.length; i++) {
        bits[i] = t.data()[i] != 0 ? (byte) 1 : (byte) 0;
      }
      out.put(t.name(), new Mask(t.name(), t.shape(), bits));
    }
    return out;
  }
}
