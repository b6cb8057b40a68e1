package dev.hashfinder.grpc;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Strings;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.DeadlineExceededException;
import dev.hashfinder.FinderBusyException;
import dev.hashfinder.FinderFailedException;
import dev.hashfinder.FinderUnavailableException;
import dev.hashfinder.HashFinder;
import dev.hashfinder.InvalidQueryException;
import dev.hashfinder.core.internal.UntrustedText;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.jspecify.annotations.Nullable;

/**
 * How each ending of a {@link HashFinder} search travels as a gRPC status, in both directions:
 * the one place that maps them, used by the service to answer and by the client to read answers.
 *
 * <table>
 *   <caption>Endings and statuses</caption>
 *   <tr><th>ending</th><th>status</th></tr>
 *   <tr><td>{@link BudgetExhaustedException}</td><td>{@code RESOURCE_EXHAUSTED}, {@code
 *       ErrorInfo} reason {@code BUDGET_EXHAUSTED} with the limit and the hashes examined</td></tr>
 *   <tr><td>{@link FinderBusyException}</td><td>{@code RESOURCE_EXHAUSTED}, reason {@code
 *       TOO_MANY_SEARCHES}; read back also from a {@code RESOURCE_EXHAUSTED} without a reason,
 *       which is how the reference server refuses a call over its limit</td></tr>
 *   <tr><td>{@link DeadlineExceededException}</td><td>{@code DEADLINE_EXCEEDED}</td></tr>
 *   <tr><td>{@link InvalidQueryException}</td><td>{@code INVALID_ARGUMENT}, naming the wire
 *       field, with a {@code BadRequest} field violation</td></tr>
 *   <tr><td>another {@link IllegalArgumentException}</td><td>{@code INVALID_ARGUMENT}</td></tr>
 *   <tr><td>{@link CancellationException}</td><td>{@code CANCELLED}</td></tr>
 *   <tr><td>{@link FinderUnavailableException}</td><td>{@code UNAVAILABLE}</td></tr>
 *   <tr><td>{@link FinderFailedException}, anything else</td><td>{@code INTERNAL} with the
 *       description {@code "search failed"} and nothing of the exception, whose message may hold
 *       internal detail (the service logs it); read back from
 *       every other code, and from a {@code CANCELLED} this side did not ask for (the reference
 *       server's way of saying its budget ran out)</td></tr>
 * </table>
 *
 * <p>Read back, each exception keeps the status it came from as its cause. A status is written
 * out, in messages and logs, by {@link #describe}. Stateless and thread-safe.
 */
public final class Outcomes {
  /** The {@code google.rpc.ErrorInfo} domain of hashfinder's errors. */
  public static final String ERROR_DOMAIN = "hashfinder.dev";
  /** {@code ErrorInfo} reason: a limit of the search's budget ran out. */
  public static final String REASON_BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED";
  /** {@code ErrorInfo} reason: the server runs as many searches as it may. */
  public static final String REASON_TOO_MANY_SEARCHES = "TOO_MANY_SEARCHES";

  /** The whole description of an {@code INTERNAL} status: the fault itself stays inside. */
  static final String SEARCH_FAILED = "search failed";

  private Outcomes() {}

  /**
   * The status that reports {@code ending}, a search's failure, to a client.
   *
   * @return the status, with a description and, where hashfinder has them, details
   * @param ending what the search's future failed with, unwrapped from any {@code
   *     CompletionException}
   */
  public static StatusRuntimeException toStatus(Throwable ending) {
    requireNonNull(ending, "ending");
    if (ending instanceof BudgetExhaustedException e) {
      return withDetail(Status.Code.RESOURCE_EXHAUSTED, e.getMessage(), ErrorInfo.newBuilder()
          .setReason(REASON_BUDGET_EXHAUSTED)
          .setDomain(ERROR_DOMAIN)
          .putMetadata("limit", e.limit().name())
          .putMetadata("limit_value", Long.toString(e.limitValue()))
          .putMetadata("hashes_examined", Long.toString(e.hashesExamined()))
          .build());
    }
    if (ending instanceof FinderBusyException e) {
      return withDetail(Status.Code.RESOURCE_EXHAUSTED, e.getMessage(), ErrorInfo.newBuilder()
          .setReason(REASON_TOO_MANY_SEARCHES).setDomain(ERROR_DOMAIN).build());
    }
    if (ending instanceof InvalidQueryException e) {
      String field = Wire.wireName(e.field());
      return withDetail(Status.Code.INVALID_ARGUMENT, field + " " + e.problem(),
          BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder()
              .setField(field).setDescription(e.problem())).build());
    }
    Status status;
    if (ending instanceof DeadlineExceededException) {
      status = Status.DEADLINE_EXCEEDED;
    } else if (ending instanceof IllegalArgumentException) {
      status = Status.INVALID_ARGUMENT;
    } else if (ending instanceof CancellationException) {
      status = Status.CANCELLED;
    } else if (ending instanceof FinderUnavailableException) {
      status = Status.UNAVAILABLE;
    } else {
      // The text a client sees says nothing of the fault: an exception's message may hold
      // internal detail (a native kernel's check, a path). The service logs it in full.
      return Status.INTERNAL.withDescription(SEARCH_FAILED).withCause(ending)
          .asRuntimeException();
    }
    return status.withDescription(ending.getMessage()).asRuntimeException();
  }

  private static StatusRuntimeException withDetail(Status.Code code, @Nullable String message,
      Message detail) {
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(code.value())
        .setMessage(Strings.nullToEmpty(message))
        .addDetails(Any.pack(detail))
        .build());
  }

  /**
   * The ending a call that failed with {@code failure} stands for, as {@link HashFinder}
   * documents them, with {@code failure} as its cause. A {@code CANCELLED} status becomes a
   * {@link FinderFailedException}: a call this side cancelled is reported by its cancelled
   * future, not by the status.
   *
   * @param failure the status a call failed with
   * @return the ending, with {@code failure} as its cause
   */
  public static RuntimeException fromStatus(StatusRuntimeException failure) {
    requireNonNull(failure, "failure");
    Status status = failure.getStatus();
    String description = String.valueOf(status.getDescription());
    switch (status.getCode()) {
      case RESOURCE_EXHAUSTED -> {
        ErrorInfo info = detail(failure, ErrorInfo.class);
        if (info != null && REASON_BUDGET_EXHAUSTED.equals(info.getReason())) {
          BudgetExhaustedException exhausted = budgetExhausted(info.getMetadataMap());
          if (exhausted != null) {
            exhausted.initCause(failure);
            return exhausted;
          }
        }
        return new FinderBusyException(description, failure);
      }
      case DEADLINE_EXCEEDED -> {
        DeadlineExceededException e = new DeadlineExceededException(description, -1);
        e.initCause(failure);
        return e;
      }
      case INVALID_ARGUMENT -> {
        BadRequest badRequest = detail(failure, BadRequest.class);
        if (badRequest != null && badRequest.getFieldViolationsCount() == 1) {
          BadRequest.FieldViolation violation = badRequest.getFieldViolations(0);
          InvalidQueryException.Field field = Wire.queryField(violation.getField());
          if (field != null) {
            return new InvalidQueryException(field, violation.getDescription(), failure);
          }
        }
        return new IllegalArgumentException(description, failure);
      }
      case UNAVAILABLE -> {
        return new FinderUnavailableException(description, failure);
      }
      case CANCELLED -> {
        return new FinderFailedException("the server cancelled the call (a reference server "
            + "does so when its budget runs out): " + description, failure);
      }
      default -> {
        return new FinderFailedException(describe(status), failure);
      }
    }
  }

  /**
   * {@return {@code status} as hashfinder's messages and logs write it: {@code "CODE:
   * description"}} The description is escaped ({@link UntrustedText#escape}), as it may repeat
   * another server's words; a status without one reads {@code "CODE: null"}.
   *
   * @param status the status
   */
  public static String describe(Status status) {
    String description = status.getDescription();
    return status.getCode() + ": "
        + (description == null ? null : UntrustedText.escape(description));
  }

  /**
   * How a service's call that ended with {@code code} counts for its {@link CallObserver}.
   *
   * @param code the status the call ended with
   * @return the outcome
   */
  static CallObserver.Outcome callOutcome(Status.Code code) {
    return switch (code) {
      case RESOURCE_EXHAUSTED -> CallObserver.Outcome.EXHAUSTED;
      case CANCELLED -> CallObserver.Outcome.CANCELLED;
      case DEADLINE_EXCEEDED -> CallObserver.Outcome.DEADLINE;
      case INVALID_ARGUMENT -> CallObserver.Outcome.REFUSED;
      case UNAVAILABLE -> CallObserver.Outcome.UNAVAILABLE;
      default -> CallObserver.Outcome.FAILED;
    };
  }

  /** The exception the metadata describes, or null if it is not one of ours after all. */
  private static @Nullable BudgetExhaustedException budgetExhausted(
      Map<String, String> metadata) {
    try {
      return new BudgetExhaustedException(
          BudgetExhaustedException.Limit.valueOf(metadata.getOrDefault("limit", "")),
          Long.parseLong(metadata.get("limit_value")),
          Long.parseLong(metadata.get("hashes_examined")));
    } catch (RuntimeException malformed) {
      return null;
    }
  }

  private static <T extends Message> @Nullable T detail(
      StatusRuntimeException failure, Class<T> type) {
    com.google.rpc.Status status = StatusProto.fromThrowable(failure);
    if (status == null) {
      return null;
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(type)) {
        try {
          return detail.unpack(type);
        } catch (InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }
}
