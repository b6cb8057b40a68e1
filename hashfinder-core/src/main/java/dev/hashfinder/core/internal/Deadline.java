package dev.hashfinder.core.internal;

import static com.google.common.base.Preconditions.checkState;

import dev.hashfinder.DeadlineExceededException;
import dev.hashfinder.ResourceBudget;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * When a search's {@linkplain ResourceBudget#timeout() timeout} passes, on a nanosecond ticker
 * ({@link System#nanoTime()} or a test's), and the exception that says it did: the same rule and
 * the same words for a search on one machine and on a cluster.
 *
 * <p>Ticker values are compared as {@code now - deadline >= 0}, as {@link System#nanoTime()}'s
 * javadoc advises, which stays right across the ticker's overflow for any timeout up to {@link
 * Long#MAX_VALUE} nanoseconds; a longer one is cut there (292 years).
 *
 * <p>Immutable and thread-safe.
 */
public final class Deadline {
  private final @Nullable Duration timeout; // null: none
  private final long deadlineNanos; // meaningful if timeout != null

  private Deadline(@Nullable Duration timeout, long deadlineNanos) {
    this.timeout = timeout;
    this.deadlineNanos = deadlineNanos;
  }

  /**
   * The deadline of a search with {@code budget} that starts at {@code startNanos}.
   *
   * @param budget the search's budget; without a timeout the deadline never passes
   * @param startNanos the ticker's value when the search starts
   * @return the deadline
   */
  public static Deadline start(ResourceBudget budget, long startNanos) {
    Duration timeout = budget.timeout().orElse(null);
    return new Deadline(timeout, timeout == null ? 0 : startNanos + saturatedNanos(timeout));
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Whether the deadline has passed.
   *
   * @param nowNanos the ticker's value now
   * @return true from the deadline on; never if there is no timeout
   */
  public boolean passed(long nowNanos) {
    return timeout != null && nowNanos - deadlineNanos >= 0;
  }

  /**
   * Nanoseconds until the deadline, or {@code fallback} if there is none or it is further.
   *
   * @param nowNanos the ticker's value now
   * @param fallback the most to return
   * @return {@code min(fallback, time left)}, and {@code 0} once the deadline has passed
   */
  public long nanosLeft(long nowNanos, long fallback) {
    return timeout == null ? fallback
        : Math.max(0, Math.min(fallback, deadlineNanos - nowNanos));
  }

  /**
   * The exception a search ends with when its deadline passes.
   *
   * @param examined how many candidates the search examined
   * @return the exception, naming the timeout and the count
   * @throws IllegalStateException if there is no timeout
   */
  public DeadlineExceededException exceeded(long examined) {
    checkState(timeout != null, "no timeout to pass");
    return new DeadlineExceededException(
        "timeout of " + timeout + " passed after examining " + examined + " hashes", examined);
  }
}
