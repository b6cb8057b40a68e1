package dev.hashfinder.server;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * One connection's tally for the rapid-reset rule: how many of its streams ended, and how many of
 * those its client reset prematurely, before the server could answer anything. A connection whose
 * premature resets reach {@code maxPremature} while they are at least half of its streams is a
 * flood, and is ended once; a client that cancels often but lets most calls start, or starts
 * mostly calls it keeps, never is. Thread-safe.
 */
final class PrematureResets {
  private final int maxPremature;
  private final Runnable end;
  private long streams;
  private long premature;
  private boolean ended;

  /**
   * @param maxPremature the premature resets at which a connection where they are half of its
   *     streams or more is ended; at least 1
   * @param end ends the connection; run at most once, by the thread that counted the last reset
   */
  PrematureResets(int maxPremature, Runnable end) {
    checkArgument(maxPremature >= 1, "maxPremature < 1: %s", maxPremature);
    this.maxPremature = maxPremature;
    this.end = end;
  }

  /**
   * Counts a stream that ended; ends the connection if it is now a flood.
   *
   * @param prematureReset whether its client reset it before it was premature-reset-time old
   */
  void streamEnded(boolean prematureReset) {
    synchronized (this) {
      streams++;
      if (prematureReset) {
        premature++;
      }
      if (ended || premature < maxPremature || premature * 2 < streams) {
        return;
      }
      ended = true;
    }
    end.run();
  }

  /** {@return whether the rule ended this connection} */
  synchronized boolean ended() {
    return ended;
  }

  @Override
  public synchronized String toString() {
    return premature + " of " + streams + " streams reset prematurely";
  }
}
