package io.kebridge.onnx.imports;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.HashMap;
import java.util.Map;

/** The attributes of one ONNX node, by name, with the defaults the caller gives. */
final class Attributes {
  private final Map<String, AttributeProto> byName = new HashMap<>();

  Attributes(NodeProto node) {
    for (AttributeProto a : node.getAttributeList()) {
      byName.put(a.getName(), a);
    }
  }

  boolean has(String name) {
    return byName.containsKey(name);
  }

  AttributeProto get(String name) {
    return byName.get(name);
  }

  long integer(String name, long fallback) {
    AttributeProto a = byName.get(name);
    return a == null ? fallback : a.getI();
  }

  float real(String name, float fallback) {
    AttributeProto a = byName.get(name);
    return a == null ? fallback : a.getF();
  }

  String string(String name, String fallback) {
    AttributeProto a = byName.get(name);
    return a == null ? fallback : a.getS().toStringUtf8();
  }

  /** A list of integers, or {@code fallback} (possibly null) when the attribute is absent. */
  long[] integers(String name, long[] fallback) {
    AttributeProto a = byName.get(name);
    if (a == null) {
      return fallback;
    }
    long[] v = new long[a.getIntsCount()];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.getInts(i);
    }
    return v;
  }

  /** A list of floats, or null when absent. */
  float[] reals(String name) {
    AttributeProto a = byName.get(name);
    if (a == null) {
      return null;
    }
    float[] v = new float[a.getFloatsCount()];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.getFloats(i);
    }
    return v;
  }
}
