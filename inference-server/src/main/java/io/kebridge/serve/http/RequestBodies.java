package io.kebridge.serve.http;

import io.javalin.http.Context;
import io.kebridge.serve.ServeException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads request bodies under the size limit: a declared length above it is refused before
 * reading, and a body without a declared length is cut off one byte past it, so no client can make
 * the server buffer more than {@code max-request-bytes}.
 */
final class RequestBodies {
  /** Oversized bodies up to this many bytes are drained so the client reliably reads the 413. */
  private static final long DRAIN_LIMIT = 64L << 20;

  private RequestBodies() {}

  static byte[] read(Context ctx, long max) {
    long declared = ctx.req().getContentLengthLong();
    try {
      InputStream in = ctx.req().getInputStream();
      if (declared > max) {
        drain(ctx, in, declared);
        throw tooLarge(declared, max);
      }
      if (declared >= 0) {
        // The usual case: one exact allocation, no growing and copying of chunks.
        byte[] body = in.readNBytes((int) declared);
        if (body.length != declared) {
          throw ServeException.badRequest("the request body ended after " + body.length
              + " of its declared " + declared + " bytes");
        }
        return body;
      }
      byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
      if (body.length > max) {
        drain(ctx, in, -1);
        throw tooLarge(-1, max);
      }
      return body;
    } catch (IOException e) {
      throw ServeException.badRequest("cannot read the request body: " + e.getMessage());
    }
  }

  /**
   * Reads and discards the rest of an oversized body (at most {@link #DRAIN_LIMIT} bytes) so that
   * the client, still sending, gets to read the 413; past that the connection is dropped.
   */
  private static void drain(Context ctx, InputStream in, long declared) throws IOException {
    if (declared > DRAIN_LIMIT) {
      ctx.header("Connection", "close");
      return;
    }
    byte[] scratch = new byte[64 * 1024];
    long left = DRAIN_LIMIT;
    int n;
    while (left > 0 && (n = in.read(scratch, 0, (int) Math.min(scratch.length, left))) >= 0) {
      left -= n;
    }
    if (left <= 0) {
      ctx.header("Connection", "close");
    }
  }

  private static ServeException tooLarge(long declared, long max) {
    return new ServeException(ServeException.Reason.TOO_LARGE, "the request body"
        + (declared >= 0 ? " of " + declared + " bytes" : "") + " exceeds the limit of " + max
        + " bytes (setting max-request-bytes); send large tensors as binary data or in smaller"
        + " batches");
  }
}
