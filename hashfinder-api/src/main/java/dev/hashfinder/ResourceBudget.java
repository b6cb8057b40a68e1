package dev.hashfinder;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How much one search may cost: at most {@link #maxHashes()} candidates (exactly the first that
 * many indices of the search order), optionally within a {@link #timeout()}, and for ranged
 * searches at most {@link #maxMatches()} streamed matches.
 *
 * <p>A finder has a budget of its own; a search runs under the tighter of the finder's budget and
 * the one it asks for, limit by limit (see {@link #min(ResourceBudget)}), so a caller can lower a
 * server's limits but never raise them.
 *
 * <p>Immutable and thread-safe.
 */
public final class ResourceBudget {
  private static final ResourceBudget UNLIMITED =
      new ResourceBudget(Long.MAX_VALUE, Long.MAX_VALUE, null);

  private final long maxHashes;
  private final long maxMatches;
  private final @Nullable Duration timeout; // null: none

  private ResourceBudget(long maxHashes, long maxMatches, @Nullable Duration timeout) {
    this.maxHashes = maxHashes;
    this.maxMatches = maxMatches;
    this.timeout = timeout;
  }

  /** {@return a budget with no limit of its own: only the finder's budget applies} */
  public static ResourceBudget unlimited() {
    return UNLIMITED;
  }

  /**
   * A budget of {@code maxHashes} candidates and no other limit.
   *
   * @param maxHashes the most candidates a search may examine; at least 1
   * @return the budget
   * @throws IllegalArgumentException if {@code maxHashes < 1}
   */
  public static ResourceBudget ofHashes(long maxHashes) {
    return UNLIMITED.withMaxHashes(maxHashes);
  }

  /**
   * This budget with at most {@code maxHashes} candidates examined.
   *
   * @param maxHashes the most candidates a search may examine; at least 1
   * @return the new budget
   * @throws IllegalArgumentException if {@code maxHashes < 1}
   */
  public ResourceBudget withMaxHashes(long maxHashes) {
    if (maxHashes < 1) {
      throw new IllegalArgumentException("maxHashes < 1: " + maxHashes);
    }
    return new ResourceBudget(maxHashes, maxMatches, timeout);
  }

  /**
   * This budget with at most {@code maxMatches} matches streamed by a ranged search.
   *
   * @param maxMatches the most matches a ranged search may stream; at least 1
   * @return the new budget
   * @throws IllegalArgumentException if {@code maxMatches < 1}
   */
  public ResourceBudget withMaxMatches(long maxMatches) {
    if (maxMatches < 1) {
      throw new IllegalArgumentException("maxMatches < 1: " + maxMatches);
    }
    return new ResourceBudget(maxHashes, maxMatches, timeout);
  }

  /**
   * This budget with a time limit, counted from the moment the search starts.
   *
   * @param timeout the time limit; positive
   * @return the new budget
   * @throws IllegalArgumentException if {@code timeout} is zero or negative
   */
  public ResourceBudget withTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout <= 0: " + timeout);
    }
    return new ResourceBudget(maxHashes, maxMatches, timeout);
  }

  /** {@return the most candidates a search may examine; {@link Long#MAX_VALUE} when unlimited} */
  public long maxHashes() {
    return maxHashes;
  }

  /**
   * {@return the most matches a ranged search may stream; {@link Long#MAX_VALUE} when unlimited}
   */
  public long maxMatches() {
    return maxMatches;
  }

  /** {@return the time a search may take, if limited} */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /**
   * {@return the tighter of the two budgets, limit by limit}
   *
   * @param other the other budget
   */
  public ResourceBudget min(ResourceBudget other) {
    Objects.requireNonNull(other, "other");
    @Nullable Duration tighter;
    if (timeout == null) {
      tighter = other.timeout;
    } else if (other.timeout == null) {
      tighter = timeout;
    } else {
      tighter = Collections.min(List.of(timeout, other.timeout));
    }
    return new ResourceBudget(
        Math.min(maxHashes, other.maxHashes), Math.min(maxMatches, other.maxMatches), tighter);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ResourceBudget other
        && maxHashes == other.maxHashes
        && maxMatches == other.maxMatches
        && Objects.equals(timeout, other.timeout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxHashes, maxMatches, timeout);
  }

  @Override
  public String toString() {
    return "ResourceBudget{maxHashes=" + (maxHashes == Long.MAX_VALUE ? "unlimited" : maxHashes)
        + ", maxMatches=" + (maxMatches == Long.MAX_VALUE ? "unlimited" : maxMatches)
        + ", timeout=" + (timeout == null ? "none" : timeout) + "}";
  }
}
