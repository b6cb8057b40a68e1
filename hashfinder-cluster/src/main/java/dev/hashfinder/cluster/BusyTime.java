package dev.hashfinder.cluster;

/**
 * How long a backend had at least one range in flight, in all: the time it was busy, however
 * many ranges overlapped, on a nanosecond ticker. A backend keeps one over every search, and each
 * search one per backend, for its summary of how idle the servers were.
 *
 * <p>Thread-compatible: its owner guards it.
 */
final class BusyTime {
  private int inFlight;
  private long sinceNanos; // when inFlight last rose from 0
  private long totalNanos; // over the busy spells that ended

  /** A range was dealt at {@code nowNanos}. */
  void started(long nowNanos) {
    if (inFlight++ == 0) {
      sinceNanos = nowNanos;
    }
  }

  /** A range ended at {@code nowNanos}. */
  void ended(long nowNanos) {
    if (--inFlight == 0) {
      totalNanos += nowNanos - sinceNanos;
    }
  }

  /** {@return how many ranges are in flight} */
  int inFlight() {
    return inFlight;
  }

  /** {@return the nanoseconds with a range in flight, up to {@code nowNanos}} */
  long totalNanos(long nowNanos) {
    return totalNanos + (inFlight > 0 ? nowNanos - sinceNanos : 0);
  }
}
