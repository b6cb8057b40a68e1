package dev.hashfinder.cluster;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A cluster's searches that are running, and what all its searches have done: the cluster
 * registers each search while it runs, and each reports its work here, instead of calling back
 * into the cluster. Thread-safe.
 */
final class ClusterSearches implements ClusterWork {
  private final Set<ClusterSearch<?>> running = ConcurrentHashMap.newKeySet();
  private final LongAdder examined = new LongAdder();
  private final LongAdder redealt = new LongAdder();

  void register(ClusterSearch<?> search) {
    running.add(search);
  }

  void unregister(ClusterSearch<?> search) {
    running.remove(search);
  }

  /** {@return the searches running now} */
  Set<ClusterSearch<?>> running() {
    return running;
  }

  /**
   * Tells every running search that {@code backend} may have started or stopped serving, or
   * left; or, if null, that backends may have joined or left.
   */
  void backendChanged(@Nullable ClusterBackend backend) {
    running.forEach(search -> search.backendChanged(backend));
  }

  @Override
  public void examined(long indices) {
    examined.add(indices);
  }

  @Override
  public void redealt(long indices) {
    redealt.add(indices);
  }

  long examined() {
    return examined.sum();
  }

  long redealt() {
    return redealt.sum();
  }
}
