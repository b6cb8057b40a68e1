package dev.hashfinder;

import java.util.Objects;

/**
 * What a search looks for: a target name, the ideal Hamming distance that ends a search, the
 * interesting distance that ranged searches stream, the digest to hash with, and the index the
 * search starts at.
 *
 * <p>The distance of a candidate is the smallest number of positions, over every window of the
 * hash text as long as the target, where the window and the target differ; ASCII letters compare
 * case-insensitively and a code point outside ASCII never matches. A candidate with distance
 * {@code <= idealDistance} answers {@link HashFinder#find find} and ends
 * {@link HashFinder#findRange findRange}; one with {@code idealDistance < distance <=
 * interestingDistance} is streamed by {@code findRange} as an inferior candidate.
 *
 * <p>Immutable and thread-safe. The constructor checks every field on its own; what depends on the
 * digest (that the finder offers it, that its hash text can hold the target) is checked by the
 * finder, which fails the search at once with an {@link InvalidQueryException}.
 *
 * @param target the name to look for in the hash text; at least one code point
 * @param idealDistance the distance at or below which a candidate is an answer; {@code >= 0}
 * @param interestingDistance the distance at or below which {@code findRange} streams a
 *     candidate; {@code >= 0}; values {@code <= idealDistance} stream no inferior candidates
 * @param algorithm the name of the digest, such as {@code "SHA-1"}; not empty
 * @param firstIndex the index of the first secret examined; {@code >= 0}. A search examines the
 *     indices {@code [firstIndex, min(firstIndex + maxHashes, Long.MAX_VALUE))} of its budget, so
 *     that one search can be split into ranges that several finders examine (as a cluster does);
 *     {@code 0} for a whole search. The index space ends below {@link Long#MAX_VALUE}: a search
 *     that reaches its end without an answer fails with {@link BudgetExhaustedException}, as an
 *     exhausted budget does
 */
public record Query(
    String target, int idealDistance, int interestingDistance, String algorithm, long firstIndex) {

  /** The digest used when a query names none: SHA-1, as in the reference service. */
  public static final String DEFAULT_ALGORITHM = "SHA-1";

  /**
   * Checks every field.
   *
   * @param target the name to look for in the hash text; at least one code point
   * @param idealDistance the distance at or below which a candidate is an answer; {@code >= 0}
   * @param interestingDistance the distance at or below which {@code findRange} streams a
   *     candidate; {@code >= 0}
   * @param algorithm the name of the digest, such as {@code "SHA-256"}
   * @param firstIndex the index of the first secret examined; {@code >= 0}
   * @throws NullPointerException if {@code target} or {@code algorithm} is null
   * @throws InvalidQueryException naming the field, if a field is out of range
   */
  public Query {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(algorithm, "algorithm");
    if (target.isEmpty()) {
      throw new InvalidQueryException(InvalidQueryException.Field.TARGET, "is empty");
    }
    if (idealDistance < 0) {
      throw new InvalidQueryException(
          InvalidQueryException.Field.IDEAL_DISTANCE, "< 0: " + idealDistance);
    }
    if (interestingDistance < 0) {
      throw new InvalidQueryException(
          InvalidQueryException.Field.INTERESTING_DISTANCE, "< 0: " + interestingDistance);
    }
    if (algorithm.isBlank()) {
      throw new InvalidQueryException(InvalidQueryException.Field.ALGORITHM, "is blank");
    }
    if (firstIndex < 0) {
      throw new InvalidQueryException(
          InvalidQueryException.Field.FIRST_INDEX, "< 0: " + firstIndex);
    }
  }

  /**
   * A query that starts at index 0, the whole search.
   *
   * @param target the name to look for in the hash text; at least one code point
   * @param idealDistance the distance at or below which a candidate is an answer; {@code >= 0}
   * @param interestingDistance the distance at or below which {@code findRange} streams a
   *     candidate; {@code >= 0}
   * @param algorithm the name of the digest, such as {@code "SHA-256"}
   * @throws NullPointerException if {@code target} or {@code algorithm} is null
   * @throws InvalidQueryException naming the field, if a field is out of range
   */
  public Query(String target, int idealDistance, int interestingDistance, String algorithm) {
    this(target, idealDistance, interestingDistance, algorithm, 0);
  }

  /**
   * A query for {@code target} within {@code idealDistance}, with no inferior candidates and the
   * default digest.
   *
   * @param target the name to look for in the hash text; at least one code point
   * @param idealDistance the distance at or below which a candidate is an answer; {@code >= 0}
   * @return the query
   */
  public static Query of(String target, int idealDistance) {
    return new Query(target, idealDistance, 0, DEFAULT_ALGORITHM);
  }

  /**
   * {@return this query with another interesting distance}
   *
   * @param interestingDistance the distance at or below which {@code findRange} streams a
   *     candidate; {@code >= 0}
   */
  public Query withInterestingDistance(int interestingDistance) {
    return new Query(target, idealDistance, interestingDistance, algorithm, firstIndex);
  }

  /**
   * {@return this query hashed with the named digest instead}
   *
   * @param algorithm the name of the digest, such as {@code "SHA-256"}
   */
  public Query withAlgorithm(String algorithm) {
    return new Query(target, idealDistance, interestingDistance, algorithm, firstIndex);
  }

  /**
   * {@return this query starting at another index}: it examines the indices {@code [firstIndex,
   * min(firstIndex + maxHashes, Long.MAX_VALUE))} of its budget, and its answers are the lowest
   * qualifying indices from {@code firstIndex} on.
   *
   * @param firstIndex the index of the first secret examined; {@code >= 0}
   */
  public Query startingAt(long firstIndex) {
    return new Query(target, idealDistance, interestingDistance, algorithm, firstIndex);
  }

  /** {@return the length of the target in code points, the width of a window of the hash text} */
  public int targetLength() {
    return target.codePointCount(0, target.length());
  }
}
