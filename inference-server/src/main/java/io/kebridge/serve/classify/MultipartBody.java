package io.kebridge.serve.classify;

import io.kebridge.serve.ServeException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Finds the uploaded file in a {@code multipart/form-data} body: the first part that has a file
 * name or an image content type (else the first part). Done by hand so that the image bytes stay
 * in memory under the request-size limit instead of going through servlet temp files.
 */
public final class MultipartBody {
  private MultipartBody() {}

  /** The bytes of the file part of {@code body}, whose content type is {@code contentType}. */
  public static byte[] filePart(String contentType, byte[] body) {
    String boundary = boundary(contentType);
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    int start = indexOf(body, delimiter, 0);
    byte[] first = null;
    while (start >= 0) {
      int headersStart = start + delimiter.length;
      if (headersStart + 2 <= body.length && body[headersStart] == '-'
          && body[headersStart + 1] == '-') {
        break;
      }
      int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
          headersStart);
      if (headersEnd < 0) {
        break;
      }
      int next = indexOf(body, ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1),
          headersEnd + 4);
      if (next < 0) {
        break;
      }
      String headers = new String(body, headersStart, headersEnd - headersStart,
          StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
      byte[] content = java.util.Arrays.copyOfRange(body, headersEnd + 4, next);
      if (headers.contains("filename=") || headers.contains("content-type: image/")) {
        return content;
      }
      if (first == null) {
        first = content;
      }
      start = next + 2;
    }
    if (first == null) {
      throw ServeException.badRequest("the multipart body holds no part with an image");
    }
    return first;
  }

  private static String boundary(String contentType) {
    for (String param : contentType.split(";")) {
      String p = param.trim();
      if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
        String b = p.substring("boundary=".length());
        if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
          b = b.substring(1, b.length() - 1);
        }
        if (!b.isEmpty() && b.length() <= 200) {
          return b;
        }
      }
    }
    throw ServeException.badRequest("multipart/form-data without a valid boundary");
  }

  private static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
