package dev.hashfinder.grpc;

/**
 * A finder that can say whether it is ready to search, such as a cluster, which is not while no
 * backend serves. A server in front of such a finder reports its health from it: {@code SERVING}
 * only while the finder is ready. A finder that does not implement it is always ready.
 *
 * <p>Implementations are thread-safe.
 */
public interface Readiness {
  /** {@return whether a search started now could run} */
  boolean isReady();

  /**
   * Runs {@code listener} now, and again whenever {@link #isReady()} may have changed. The
   * listener runs on whatever thread noticed the change, and must be quick.
   *
   * @param listener reads {@link #isReady()} again
   */
  void onReadinessChange(Runnable listener);
}
