package dev.hashfinder.cluster;

/**
 * Where a cluster's searches report the work they did, for the cluster's counters: each index
 * examined once, and each index dealt again after a backend failed it. Implementations are
 * thread-safe.
 */
interface ClusterWork {
  /** Counts indices a search has examined. */
  void examined(long indices);

  /** Counts indices dealt again after a backend failed them. */
  void redealt(long indices);
}
