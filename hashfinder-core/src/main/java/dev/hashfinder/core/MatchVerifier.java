package dev.hashfinder.core;

import static java.util.Objects.requireNonNull;

import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * Proves a match that another finder reported for a query: that it is exactly the match this
 * engine reports at the match's index. The secret must be the one at that index in the search
 * order, its hash text the base64 of its digest under the query's algorithm, its distance the
 * smallest window distance, and that distance within what the search reports. Each proof costs
 * one hash, computed by the engine's own code (the search order, the digest, the window
 * matcher), so that a proof and a search can never disagree.
 *
 * <p>For anyone who receives matches from a finder it does not trust: the cluster in {@code
 * hashfinder-cluster} proves every match a backend returns with it before the match counts, and a
 * client of a remote server may do the same.
 *
 * <p>Immutable and thread-safe: each proof uses buffers of its own.
 */
public final class MatchVerifier {
  private final HashAlgorithm algorithm;
  private final WindowMatcher matcher;
  private final int threshold;

  private MatchVerifier(Query query, int threshold) {
    this.algorithm =
        QueryRules.resolve(query, HashAlgorithms::lookup, HashAlgorithms::availableNames);
    this.threshold = threshold;
    this.matcher = new WindowMatcher(query.target(), threshold, algorithm.digestLength());
  }

  /**
   * A verifier of the answers of {@code find}: matches within the query's ideal distance.
   *
   * @param query the query the matches answer; its algorithm is found with {@link
   *     HashAlgorithms#lookup}
   * @return the verifier
   * @throws dev.hashfinder.InvalidQueryException if no engine could search for the query (an
   *     unknown digest, a target its hash text cannot hold), naming the field
   */
  public static MatchVerifier forFind(Query query) {
    requireNonNull(query, "query");
    return new MatchVerifier(query, query.idealDistance());
  }

  /**
   * A verifier of what {@code findRange} streams: matches within the larger of the query's
   * ideal and interesting distances.
   *
   * @param query the query the matches answer; its algorithm is found with {@link
   *     HashAlgorithms#lookup}
   * @return the verifier
   * @throws dev.hashfinder.InvalidQueryException if no engine could search for the query,
   *     naming the field
   */
  public static MatchVerifier forFindRange(Query query) {
    requireNonNull(query, "query");
    return new MatchVerifier(query, Math.max(query.idealDistance(), query.interestingDistance()));
  }

  /**
   * Checks {@code match} against what the engine reports at its index.
   *
   * @param match a match another finder reported
   * @return empty if the match is exactly what the engine reports at its index; otherwise what
   *     is wrong with it, in words that quote none of the match's own text
   */
  public Optional<String> check(Match match) {
    requireNonNull(match, "match");
    long index = match.index();
    if (index < 0) {
      return Optional.of("it has no index");
    }
    CandidateHasher hasher = CandidateHasher.of(algorithm);
    int length = hasher.seek(index);
    if (!Arrays.equals(match.secret(), Arrays.copyOf(hasher.secret(), length))) {
      return Optional.of("its secret is not the secret at index " + index);
    }
    hasher.hash(length, new long[matcher.packedLongs()]);
    byte[] digest = Arrays.copyOf(hasher.digest(), algorithm.digestLength());
    if (!match.hashText().equals(Base64.getEncoder().encodeToString(digest))) {
      return Optional.of("its hashed_name is not the " + algorithm.name()
          + " digest of the secret at index " + index);
    }
    byte[] codes = new byte[matcher.textLength()];
    matcher.decode(digest, codes);
    int distance = matcher.distance(codes);
    if (match.distance() != distance) {
      return Optional.of("its distance " + match.distance() + " is not the distance "
          + distance + " of the secret at index " + index);
    }
    if (!matcher.within(codes)) {
      return Optional.of("the secret at index " + index + " is at distance " + distance
          + ", above the " + threshold + " a match may have");
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "MatchVerifier{" + algorithm.name() + ", threshold=" + threshold + "}";
  }
}
