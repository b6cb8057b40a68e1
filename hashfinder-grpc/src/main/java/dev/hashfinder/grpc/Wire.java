package dev.hashfinder.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.DeadlineExceededException;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Base64;
import java.util.Map;

/**
 * Translates between the wire ({@code hash_name} messages and status codes) and the API's types,
 * in both directions. Stateless.
 */
final class Wire {
  /** The {@code google.rpc.ErrorInfo} domain of hashfinder's errors. */
  static final String ERROR_DOMAIN = "hashfinder.dev";
  static final String REASON_BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED";
  static final String REASON_TOO_MANY_SEARCHES = "TOO_MANY_SEARCHES";

  private Wire() {}

  /**
   * The query a request asks for, checked field by field against the engine.
   *
   * @throws IllegalArgumentException naming the wire field that is wrong
   */
  static Query query(HashNameRequest request, HashFinderEngine engine) {
    String name = request.getDesiredName();
    if (name.isEmpty()) {
      throw new IllegalArgumentException("desired_name is empty");
    }
    if (request.getIdealHammingDistance() < 0) {
      throw new IllegalArgumentException(
          "ideal_hamming_distance < 0: " + request.getIdealHammingDistance());
    }
    if (request.getInterestingHammingDistance() < 0) {
      throw new IllegalArgumentException(
          "interesting_hamming_distance < 0: " + request.getInterestingHammingDistance());
    }
    String algorithmName =
        request.getAlgorithm().isEmpty() ? Query.DEFAULT_ALGORITHM : request.getAlgorithm();
    HashAlgorithm algorithm = engine.algorithm(algorithmName).orElseThrow(() ->
        new IllegalArgumentException("algorithm: unknown digest \"" + abbreviate(algorithmName)
            + "\"; allowed: " + String.join(", ", engine.algorithmNames())));
    int textLength = (algorithm.digestLength() + 2) / 3 * 4;
    // Counting code points of a huge name is cheap next to hashing; the transport caps its size.
    int length = name.codePointCount(0, name.length());
    if (length > textLength) {
      throw new IllegalArgumentException("desired_name has " + length
          + " characters, more than the " + textLength + " of a " + algorithm.name()
          + " hash text");
    }
    return new Query(name, request.getIdealHammingDistance(),
        request.getInterestingHammingDistance(), algorithmName);
  }

  /**
   * The budget a request asks for; the engine caps it with its own.
   *
   * @throws IllegalArgumentException naming the wire field that is wrong
   */
  static ResourceBudget budget(HashNameRequest request) {
    ResourceBudget budget = ResourceBudget.unlimited();
    if (request.getMaxHashes() < 0) {
      throw new IllegalArgumentException("max_hashes < 0: " + request.getMaxHashes());
    }
    if (request.getMaxMatches() < 0) {
      throw new IllegalArgumentException("max_matches < 0: " + request.getMaxMatches());
    }
    if (request.getMaxHashes() > 0) {
      budget = budget.withMaxHashes(request.getMaxHashes());
    }
    if (request.getMaxMatches() > 0) {
      budget = budget.withMaxMatches(request.getMaxMatches());
    }
    return budget;
  }

  /** The request for a query and budget; a budget's timeout travels as the call's deadline. */
  static HashNameRequest request(Query query, ResourceBudget budget) {
    HashNameRequest.Builder request = HashNameRequest.newBuilder()
        .setDesiredName(query.target())
        .setIdealHammingDistance(query.idealDistance())
        .setInterestingHammingDistance(query.interestingDistance());
    if (!query.algorithm().equalsIgnoreCase(Query.DEFAULT_ALGORITHM)) {
      request.setAlgorithm(query.algorithm()); // unset for SHA-1, so reference servers accept it
    }
    if (budget.maxHashes() != Long.MAX_VALUE) {
      request.setMaxHashes(budget.maxHashes());
    }
    if (budget.maxMatches() != Long.MAX_VALUE) {
      request.setMaxMatches(budget.maxMatches());
    }
    return request.build();
  }

  static HashNameResponse response(Match match) {
    return HashNameResponse.newBuilder()
        .setSecret(match.secretBase64())
        .setHashedName(match.hashText())
        .setHammingDistance(match.distance())
        .setIndex(match.index())
        .build();
  }

  /**
   * The match a response carries.
   *
   * @throws IllegalArgumentException if the secret is not base64 or the distance is negative
   */
  static Match match(HashNameResponse response) {
    return new Match(
        response.hasIndex() ? response.getIndex() : -1,
        Base64.getDecoder().decode(response.getSecret()),
        response.getHashedName(),
        response.getHammingDistance());
  }

  /** The status for a search that ended with {@code failure}, other than a cancellation. */
  static StatusRuntimeException status(Throwable failure) {
    if (failure instanceof BudgetExhaustedException e) {
      ErrorInfo info = ErrorInfo.newBuilder()
          .setReason(REASON_BUDGET_EXHAUSTED)
          .setDomain(ERROR_DOMAIN)
          .putMetadata("limit", e.limit().name())
          .putMetadata("limit_value", Long.toString(e.limitValue()))
          .putMetadata("hashes_examined", Long.toString(e.hashesExamined()))
          .build();
      return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
          .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
          .setMessage(e.getMessage())
          .addDetails(Any.pack(info))
          .build());
    }
    if (failure instanceof DeadlineExceededException) {
      return Status.DEADLINE_EXCEEDED.withDescription(failure.getMessage()).asRuntimeException();
    }
    if (failure instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT.withDescription(failure.getMessage()).asRuntimeException();
    }
    return Status.INTERNAL.withDescription("search failed: " + failure)
        .withCause(failure).asRuntimeException();
  }

  /** The status that refuses a call because the server runs as many searches as it may. */
  static StatusRuntimeException tooManySearches(int limit) {
    ErrorInfo info = ErrorInfo.newBuilder()
        .setReason(REASON_TOO_MANY_SEARCHES)
        .setDomain(ERROR_DOMAIN)
        .putMetadata("max_concurrent_searches", Integer.toString(limit))
        .build();
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
        .setMessage("server is running its limit of " + limit + " concurrent searches")
        .addDetails(Any.pack(info))
        .build());
  }

  /**
   * The API's outcome for a call that failed with {@code status}: a typed exception where the API
   * has one, else the status itself.
   */
  static Throwable outcome(StatusRuntimeException failure) {
    Status status = failure.getStatus();
    switch (status.getCode()) {
      case RESOURCE_EXHAUSTED -> {
        ErrorInfo info = errorInfo(failure);
        if (info != null && REASON_BUDGET_EXHAUSTED.equals(info.getReason())) {
          Map<String, String> metadata = info.getMetadataMap();
          try {
            return new BudgetExhaustedException(
                BudgetExhaustedException.Limit.valueOf(metadata.get("limit")),
                Long.parseLong(metadata.get("limit_value")),
                Long.parseLong(metadata.get("hashes_examined")));
          } catch (RuntimeException malformed) {
            return failure; // not one of ours after all: keep the status as it came
          }
        }
        return failure;
      }
      case DEADLINE_EXCEEDED -> {
        DeadlineExceededException e = new DeadlineExceededException(
            String.valueOf(status.getDescription()), -1);
        e.initCause(failure);
        return e;
      }
      case INVALID_ARGUMENT -> {
        return new IllegalArgumentException(status.getDescription(), failure);
      }
      default -> {
        return failure;
      }
    }
  }

  private static ErrorInfo errorInfo(StatusRuntimeException failure) {
    com.google.rpc.Status status = StatusProto.fromThrowable(failure);
    if (status == null) {
      return null;
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          return detail.unpack(ErrorInfo.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }

  /** A user-supplied string, cut short enough for a log or status message. */
  static String abbreviate(String text) {
    return text.length() <= 64 ? text : text.substring(0, 61) + "...";
  }
}
