package dev.hashfinder.cluster;

import static com.google.common.base.Preconditions.checkArgument;

import java.time.Duration;

/**
 * How long a backend waits before trying again after failures in a row: a first wait that
 * doubles with each further failure, up to a cap. No jitter: each backend's waits follow its own
 * failures, which do not come in step with its peers'.
 *
 * <p>Immutable and thread-safe.
 *
 * @param first the wait after the first failure; positive
 * @param max the longest wait; at least {@code first}
 */
record Backoff(Duration first, Duration max) {
  Backoff {
    checkArgument(first.toMillis() >= 1, "first < 1ms: %s", first);
    checkArgument(max.compareTo(first) >= 0, "max < first: %s < %s", max, first);
  }

  /**
   * The wait after {@code failures} failures in a row, in milliseconds.
   *
   * @param failures the failures so far, {@code >= 1}; {@code 0} is taken as {@code 1}
   * @return {@code first * 2^(failures - 1)}, at most {@code max}
   */
  long millis(int failures) {
    long firstMillis = first.toMillis();
    long maxMillis = max.toMillis();
    int doublings = Math.max(0, failures - 1);
    // Past 62 doublings, or once the next would pass the cap, the cap is the answer.
    if (doublings >= Long.SIZE - 2 || firstMillis > maxMillis >> doublings) {
      return maxMillis;
    }
    return Math.min(maxMillis, firstMillis << doublings);
  }
}
