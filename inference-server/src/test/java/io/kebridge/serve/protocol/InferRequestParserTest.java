package io.kebridge.serve.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.serve.ServeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The streaming V2 request parser: JSON and binary inputs, and the 400s it gives. */
class InferRequestParserTest {
  private static InferRequest parse(String json) {
    return InferRequestParser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private static ServeException rejected(String json) {
    ServeException e = assertThrows(ServeException.class, () -> parse(json));
    assertEquals(400, e.status());
    return e;
  }

  @Test
  void nestedDataIsFlattenedRowMajorAndFieldsMayComeInAnyOrder() {
    InferRequest r = parse("{\"outputs\":[{\"name\":\"probs\",\"parameters\":{\"binary_data\":"
        + "true}}],\"inputs\":[{\"data\":[[1,2],[3,4.5]],\"datatype\":\"FP32\",\"shape\":[2,2],"
        + "\"name\":\"input\",\"parameters\":{\"other\":[1,{\"x\":2}]}}],\"id\":\"a\","
        + "\"parameters\":{\"binary_data_output\":false}}");
    assertEquals("a", r.id());
    InputTensor in = r.inputs().get(0);
    assertArrayEquals(new float[] {1, 2, 3, 4.5f}, in.data());
    assertArrayEquals(new long[] {2, 2}, in.shape());
    assertEquals(new RequestedOutput("probs", true), r.outputs().get(0));
  }

  @Test
  void binaryInputsAreReadLittleEndianAfterTheJsonHeader() {
    byte[] header = ("{\"inputs\":[{\"name\":\"a\",\"shape\":[2],\"datatype\":\"FP32\","
        + "\"parameters\":{\"binary_data_size\":8}},{\"name\":\"b\",\"shape\":[1],\"datatype\":"
        + "\"FP32\",\"data\":[7]}]}").getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
    body.put(header).putFloat(1.5f).putFloat(-2f);
    InferRequest r = InferRequestParser.parse(body.array(), header.length);
    assertArrayEquals(new float[] {1.5f, -2f}, r.inputs().get(0).data());
    assertArrayEquals(new float[] {7f}, r.inputs().get(1).data());
  }

  @Test
  void nanInfinityAndStringsAreRejectedWithAMessage() {
    String prefix = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[";
    assertTrue(rejected(prefix + "NaN]}]}").getMessage().contains("invalid JSON"));
    assertTrue(rejected(prefix + "1e999]}]}").getMessage().contains("not a finite"));
    assertTrue(rejected(prefix + "\"1\"]}]}").getMessage().contains("only numbers"));
  }

  @Test
  void malformedStructureIsA400ThatSaysWhatIsMissing() {
    assertTrue(rejected("{\"inputs\":[{\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}")
        .getMessage().contains("no name"));
    assertTrue(rejected("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"data\":[1]}]}")
        .getMessage().contains("no shape"));
    assertTrue(rejected("{\"inputs\":[{\"name\":\"x\",\"shape\":[-1],\"datatype\":\"FP32\","
        + "\"data\":[1]}]}").getMessage().contains("negative"));
    assertTrue(rejected("{\"inputs\":[]}").getMessage().contains("no inputs"));
    assertTrue(rejected("{\"inputs\":[{\"name\":\"x\"").getMessage().contains("invalid JSON"));
  }

  @Test
  void binarySizesThatDoNotAddUpAreRejected() {
    byte[] header = ("{\"inputs\":[{\"name\":\"a\",\"shape\":[2],\"datatype\":\"FP32\","
        + "\"parameters\":{\"binary_data_size\":8}}]}").getBytes(StandardCharsets.UTF_8);
    byte[] shortBody = new byte[header.length + 4];
    System.arraycopy(header, 0, shortBody, 0, header.length);
    assertEquals(400, assertThrows(ServeException.class,
        () -> InferRequestParser.parse(shortBody, header.length)).status());
    byte[] longBody = new byte[header.length + 12];
    System.arraycopy(header, 0, longBody, 0, header.length);
    assertEquals(400, assertThrows(ServeException.class,
        () -> InferRequestParser.parse(longBody, header.length)).status());
  }

  @Test
  void theResponseWriterPutsBinaryOutputsAfterTheJson() {
    EncodedBody body = InferResponseWriter.write(new InferResult("m", 3, "id1", java.util.List.of(
        OutputTensor.fp32("a", new long[] {1, 2}, new float[] {1, 2}, false),
        OutputTensor.fp32("b", new long[] {1}, new float[] {0.25f}, true),
        OutputTensor.strings("c", new long[] {2}, java.util.List.of("x", "yz"), true))));
    String json = new String(body.bytes(), 0, body.jsonLength(), StandardCharsets.UTF_8);
    assertTrue(json.contains("\"model_version\":\"3\""), json);
    assertTrue(json.contains("\"data\":[1.0,2.0]"), json);
    assertTrue(json.contains("\"binary_data_size\":4"), json);
    ByteBuffer bin = ByteBuffer.wrap(body.bytes(), body.jsonLength(),
        body.bytes().length - body.jsonLength()).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0.25f, bin.getFloat());
    // BYTES elements: a 4-byte little-endian length before each one.
    assertTrue(json.contains("\"datatype\":\"BYTES\""), json);
    assertTrue(json.contains("\"binary_data_size\":11"), json);
    assertEquals(1, bin.getInt());
    assertEquals('x', bin.get());
    assertEquals(2, bin.getInt());
    assertEquals('y', bin.get());
    assertEquals('z', bin.get());
    assertEquals(0, bin.remaining());
  }
}
