package io.kebridge.serve.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.grpc.proto.InferParameter;
import io.kebridge.serve.grpc.proto.InferTensorContents;
import io.kebridge.serve.grpc.proto.ModelInferRequest;
import io.kebridge.serve.grpc.proto.ModelInferResponse;
import io.kebridge.serve.protocol.Datatype;
import io.kebridge.serve.protocol.InferRequest;
import io.kebridge.serve.protocol.InferResult;
import io.kebridge.serve.protocol.InputTensor;
import io.kebridge.serve.protocol.OutputTensor;
import io.kebridge.serve.protocol.RequestedOutput;
import io.kebridge.serve.protocol.TensorBytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Between {@code ModelInferRequest} / {@code ModelInferResponse} and the protocol-neutral request
 * and result: inputs as typed {@code contents} or as {@code raw_input_contents} (one entry per
 * input, never both), outputs always as {@code raw_output_contents}, which is what Triton's
 * clients read; {@code classification} and the server's {@code ke_warmup} as parameters.
 */
final class GrpcCodec {
  private GrpcCodec() {}

  static InferRequest request(ModelInferRequest r) {
    int raw = r.getRawInputContentsCount();
    if (r.getInputsCount() == 0) {
      throw ServeException.badRequest("the request has no inputs");
    }
    if (raw > 0 && raw != r.getInputsCount()) {
      throw ServeException.badRequest("raw_input_contents has " + raw + " entries for "
          + r.getInputsCount() + " inputs; give one per input, in the order of inputs");
    }
    List<InputTensor> inputs = new ArrayList<>();
    for (int i = 0; i < r.getInputsCount(); i++) {
      ModelInferRequest.InferInputTensor in = r.getInputs(i);
      String label = "input '" + ServeException.clip(in.getName()) + "'";
      if (in.getName().isEmpty()) {
        throw ServeException.badRequest("input " + i + " has no name");
      }
      long[] shape = new long[in.getShapeCount()];
      for (int d = 0; d < shape.length; d++) {
        shape[d] = in.getShape(d);
        if (shape[d] < 0) {
          throw ServeException.badRequest(label + ": shape has a negative dimension " + shape[d]);
        }
      }
      if (shape.length > 16) {
        throw ServeException.badRequest(label + ": shape has more than 16 dimensions");
      }
      boolean fp32 = Datatype.FP32.name().equals(in.getDatatype());
      float[] data;
      long rawSize = -1;
      if (raw > 0) {
        if (in.hasContents()) {
          throw ServeException.badRequest(label + " has contents although the request carries "
              + "raw_input_contents; use one or the other");
        }
        ByteString bytes = r.getRawInputContents(i);
        rawSize = bytes.size();
        data = fp32 ? TensorBytes.floats(bytes.asReadOnlyByteBuffer(), label) : new float[0];
      } else {
        data = fp32 ? typed(label, in.getContents()) : new float[0];
      }
      inputs.add(new InputTensor(in.getName(), shape, in.getDatatype(), data, rawSize));
    }
    List<RequestedOutput> outputs = new ArrayList<>();
    for (ModelInferRequest.InferRequestedOutputTensor o : r.getOutputsList()) {
      long k = integer(o.getParametersMap().get("classification"), "classification");
      if (k < 0 || k > 100_000) {
        throw ServeException.badRequest("output '" + ServeException.clip(o.getName())
            + "': classification must be in 0..100000, got " + k);
      }
      outputs.add(new RequestedOutput(o.getName(), true, (int) k));
    }
    InferParameter warm = r.getParametersMap().get(InferRequest.WARMUP_PARAMETER);
    boolean warmup = warm != null && warm.getBoolParam();
    return new InferRequest(r.getId().isEmpty() ? null : r.getId(), inputs, outputs, true,
        warmup);
  }

  private static float[] typed(String label, InferTensorContents c) {
    if (c.getBoolContentsCount() + c.getIntContentsCount() + c.getInt64ContentsCount()
        + c.getUintContentsCount() + c.getUint64ContentsCount() + c.getFp64ContentsCount()
        + c.getBytesContentsCount() > 0) {
      throw ServeException.badRequest(label + " is FP32 but its contents are not in"
          + " fp32_contents");
    }
    float[] data = new float[c.getFp32ContentsCount()];
    for (int i = 0; i < data.length; i++) {
      data[i] = c.getFp32Contents(i);
      if (!Float.isFinite(data[i])) {
        throw ServeException.badRequest(label + " holds a NaN or infinite value");
      }
    }
    return data;
  }

  private static long integer(InferParameter p, String name) {
    if (p == null) {
      return 0;
    }
    return switch (p.getParameterChoiceCase()) {
      case INT64_PARAM -> p.getInt64Param();
      case UINT64_PARAM -> p.getUint64Param();
      default -> throw ServeException.badRequest("parameter " + name + " must be an integer");
    };
  }

  static ModelInferResponse response(InferResult result) {
    ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
        .setModelName(result.model())
        .setModelVersion(Long.toString(result.version()));
    if (result.id() != null) {
      b.setId(result.id());
    }
    for (OutputTensor o : result.outputs()) {
      ModelInferResponse.InferOutputTensor.Builder t = ModelInferResponse.InferOutputTensor
          .newBuilder().setName(o.name()).setDatatype(o.datatype().name());
      for (long d : o.shape()) {
        t.addShape(d);
      }
      b.addOutputs(t);
      b.addRawOutputContents(UnsafeByteOperations.unsafeWrap(TensorBytes.encode(o)));
    }
    return b.build();
  }

  /** A version string: empty for the policy's choice; anything but a positive integer is unknown. */
  static Optional<Long> version(String name, String version) {
    if (version.isEmpty()) {
      return Optional.empty();
    }
    try {
      long v = Long.parseLong(version);
      if (v >= 1) {
        return Optional.of(v);
      }
    } catch (NumberFormatException e) {
      // a version that cannot exist
    }
    throw ServeException.notFound("model '" + ServeException.clip(name) + "' has no version '"
        + ServeException.clip(version) + "' (versions are positive integers)");
  }
}
