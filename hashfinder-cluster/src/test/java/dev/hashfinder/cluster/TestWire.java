package dev.hashfinder.cluster;

import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;

/**
 * The wire's mapping as a backend in these tests needs it (the adapter's own is package-private):
 * a well-formed request to a query and a budget, a match to a response.
 */
final class TestWire {
  private TestWire() {}

  static Query query(HashNameRequest request) {
    return new Query(request.getDesiredName(), request.getIdealHammingDistance(),
        request.getInterestingHammingDistance(),
        request.getAlgorithm().isEmpty() ? Query.DEFAULT_ALGORITHM : request.getAlgorithm(),
        request.getFirstIndex());
  }

  static ResourceBudget budget(HashNameRequest request) {
    ResourceBudget budget = ResourceBudget.unlimited();
    if (request.getMaxHashes() > 0) {
      budget = budget.withMaxHashes(request.getMaxHashes());
    }
    if (request.getMaxMatches() > 0) {
      budget = budget.withMaxMatches(request.getMaxMatches());
    }
    return budget;
  }

  static HashNameResponse response(Match match) {
    return HashNameResponse.newBuilder()
        .setSecret(match.secretBase64())
        .setHashedName(match.hashText())
        .setHammingDistance(match.distance())
        .setIndex(match.index())
        .build();
  }
}
