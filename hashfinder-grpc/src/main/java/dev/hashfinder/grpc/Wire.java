package dev.hashfinder.grpc;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import dev.hashfinder.InvalidQueryException;
import dev.hashfinder.InvalidQueryException.Field;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Translates between the wire's {@code hash_name} messages and the API's types, in both
 * directions, renaming the API's fields to the wire's. It checks only what the API has no
 * counterpart for (a negative {@code max_hashes}); the query's rules belong to the finder.
 * Stateless.
 */
final class Wire {
  /** The wire's name of each query field. */
  private static final Map<Field, String> WIRE_NAMES = new EnumMap<>(Map.of(
      Field.TARGET, "desired_name",
      Field.IDEAL_DISTANCE, "ideal_hamming_distance",
      Field.INTERESTING_DISTANCE, "interesting_hamming_distance",
      Field.ALGORITHM, "algorithm",
      Field.FIRST_INDEX, "first_index"));

  private Wire() {}

  /** The request field that carries a query field. */
  static String wireName(Field field) {
    return requireNonNull(WIRE_NAMES.get(field), field.name());
  }

  /** The query field a request field carries, or null if it is not one. */
  static @Nullable Field queryField(String wireName) {
    for (Map.Entry<Field, String> entry : WIRE_NAMES.entrySet()) {
      if (entry.getValue().equals(wireName)) {
        return entry.getKey();
      }
    }
    return null;
  }

  /**
   * The query a request asks for; an unset algorithm is SHA-1.
   *
   * @throws InvalidQueryException if {@link Query} refuses a field
   */
  static Query query(HashNameRequest request) {
    String algorithm =
        request.getAlgorithm().isEmpty() ? Query.DEFAULT_ALGORITHM : request.getAlgorithm();
    return new Query(request.getDesiredName(), request.getIdealHammingDistance(),
        request.getInterestingHammingDistance(), algorithm, request.getFirstIndex());
  }

  /**
   * The budget a request asks for; the engine caps it with its own.
   *
   * @throws IllegalArgumentException naming the wire field that is wrong
   */
  static ResourceBudget budget(HashNameRequest request) {
    ResourceBudget budget = ResourceBudget.unlimited();
    checkArgument(request.getMaxHashes() >= 0, "max_hashes < 0: %s", request.getMaxHashes());
    checkArgument(request.getMaxMatches() >= 0, "max_matches < 0: %s", request.getMaxMatches());
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
    if (query.firstIndex() != 0) {
      request.setFirstIndex(query.firstIndex()); // unset for a whole search, as the reference has it
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
}
