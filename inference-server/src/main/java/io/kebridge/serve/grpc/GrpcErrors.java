package io.kebridge.serve.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kebridge.serve.ServeException;

/**
 * Failures as gRPC statuses: a client's mistake is INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED,
 * FAILED_PRECONDITION (not allowed in this mode) or RESOURCE_EXHAUSTED (queue full, message too
 * large), never INTERNAL; UNAVAILABLE and DEADLINE_EXCEEDED ask for a retry.
 */
final class GrpcErrors {
  private GrpcErrors() {}

  static Status.Code code(ServeException.Reason reason) {
    return switch (reason) {
      case BAD_REQUEST -> Status.Code.INVALID_ARGUMENT;
      case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case NOT_ALLOWED -> Status.Code.FAILED_PRECONDITION;
      case TOO_LARGE, OVERLOADED -> Status.Code.RESOURCE_EXHAUSTED;
      case UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case TIMEOUT -> Status.Code.DEADLINE_EXCEEDED;
      case INTERNAL -> Status.Code.INTERNAL;
    };
  }

  static Status status(ServeException e) {
    return Status.fromCode(code(e.reason())).withDescription(e.getMessage());
  }

  static StatusRuntimeException of(Throwable e) {
    if (e instanceof ServeException se) {
      return status(se).asRuntimeException();
    }
    return Status.INTERNAL.withDescription("internal server error: " + e).withCause(e)
        .asRuntimeException();
  }
}
