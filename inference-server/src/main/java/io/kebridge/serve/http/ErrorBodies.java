package io.kebridge.serve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.util.Map;

/** Writes the V2 error answer: an HTTP status with {@code {"error": "..."}}. */
final class ErrorBodies {
  static final String ANSWERED = "ke.error.answered";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ErrorBodies() {}

  static void write(Context ctx, int status, String message, int retryAfterSeconds) {
    ctx.status(status);
    if (retryAfterSeconds > 0) {
      ctx.header("Retry-After", Integer.toString(retryAfterSeconds));
    }
    if (status == 401) {
      ctx.header("WWW-Authenticate", "Bearer");
    }
    ctx.contentType("application/json");
    ctx.attribute(ANSWERED, Boolean.TRUE);
    try {
      ctx.result(JSON.writeValueAsBytes(Map.of("error", message == null ? "error" : message)));
    } catch (JsonProcessingException e) {
      ctx.result("{\"error\":\"error\"}");
    }
  }
}
