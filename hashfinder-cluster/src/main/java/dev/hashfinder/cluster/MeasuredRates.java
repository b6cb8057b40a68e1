package dev.hashfinder.cluster;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * The measured rates of a cluster's backends, kept sorted as they change, so that the slowest
 * is known in {@code O(log backends)} per change instead of a scan of every backend per range
 * dealt: a backend not measured yet has its first range's deadline set from it.
 *
 * <p>Thread-safe: every search's events and the backends' callbacks update it.
 */
final class MeasuredRates {
  private final TreeMap<Double, Integer> counts = new TreeMap<>(); // rate -> backends; by this

  /**
   * A backend's measured rate changed from {@code before} to {@code after}; NaN for none (not
   * measured yet, or left).
   */
  synchronized void changed(double before, double after) {
    if (!Double.isNaN(before)) {
      counts.computeIfPresent(before, (rate, count) -> count == 1 ? null : count - 1);
    }
    if (!Double.isNaN(after)) {
      counts.merge(after, 1, Integer::sum);
    }
  }

  /** {@return the slowest measured rate, or empty if no backend is measured} */
  synchronized OptionalDouble slowest() {
    Map.Entry<Double, Integer> slowest = counts.firstEntry();
    return slowest == null ? OptionalDouble.empty() : OptionalDouble.of(slowest.getKey());
  }
}
