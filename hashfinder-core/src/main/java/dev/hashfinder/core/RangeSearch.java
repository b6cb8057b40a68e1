package dev.hashfinder.core;

import com.google.common.math.LongMath;
import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.internal.ChunkPlan;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A ranged search: streams every inferior candidate, in index order, then the first ideal one.
 *
 * <p>Workers scan chunks in parallel and hand in each chunk's matches whole; whichever worker hands
 * in the chunk that is next in order becomes the emitter and delivers every consecutive chunk that
 * is ready. Workers run at most {@code window} chunks ahead of delivery, so a slow listener holds
 * the search back (it waits, without burning CPU) and memory stays bounded. The listener sees
 * exactly the sequential stream, whatever the number of workers. Thread-safe.
 */
final class RangeSearch extends Search<Void> {
  /**
   * How long a waiting worker sleeps between looks at the deadline. Progress and cancellation
   * wake it at once; the slice only bounds how late it notices a deadline passing.
   */
  static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final MatchListener listener;
  private final int window;
  private final long waitSliceNanos;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition progress = lock.newCondition();
  /** Scanned chunks by first index, waiting for their turn. */
  private final Map<Long, ChunkResult> ready = new HashMap<>(); // guarded by lock
  private long nextToEmit; // the first index of the next chunk to deliver; guarded by lock
  private boolean emitting; // guarded by lock
  private long delivered; // touched by the emitter only

  RangeSearch(
      Query query,
      HashAlgorithm algorithm,
      boolean nativeKernel,
      ResourceBudget budget,
      LongSupplier ticker,
      LongAdder engineExamined,
      CompletableFuture<Void> future,
      MatchListener listener,
      int window,
      long waitSliceNanos) {
    super(
        query,
        algorithm,
        nativeKernel,
        Math.max(query.idealDistance(), query.interestingDistance()),
        budget,
        ticker,
        engineExamined,
        future);
    this.listener = listener;
    this.window = window;
    this.waitSliceNanos = waitSliceNanos;
    this.nextToEmit = query.firstIndex();
    stopping.onCancel(this::wakeAll);
  }

  private void wakeAll() {
    lock.lock();
    try {
      progress.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  void work(Worker worker) throws InterruptedException {
    List<Match> matches = worker.found;
    while (true) {
      ChunkPlan.Range chunk = claim();
      if (chunk == null) {
        return;
      }
      matches.clear();
      worker.ideal = false;
      if (!scan(worker, chunk.start(), chunk.end())) {
        return; // stopped part-way: a partial chunk is never delivered
      }
      handIn(chunk, new ChunkResult(chunk.end(), List.copyOf(matches), worker.ideal));
    }
  }

  /** The next chunk to scan, waiting while the workers are a window ahead; null when done. */
  private ChunkPlan.@Nullable Range claim() throws InterruptedException {
    lock.lock();
    try {
      while (true) {
        if (stopped() || plan.allDealt()) {
          return null;
        }
        // Saturated: a window ahead of delivery may lie past the end of the index space.
        ChunkPlan.Range chunk = plan.claim(CHUNK_SIZE,
            LongMath.saturatedAdd(nextToEmit, (long) window * CHUNK_SIZE));
        if (chunk != null) {
          return chunk;
        }
        progress.awaitNanos(nanosToDeadline(waitSliceNanos));
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  boolean onCandidate(Worker worker, long index, byte[] secret, int length) {
    int distance = matcher.distance(worker.codes);
    worker.found.add(match(worker, index, secret, length, distance));
    if (distance <= query.idealDistance()) {
      worker.ideal = true;
      return false;
    }
    return true;
  }

  private void handIn(ChunkPlan.Range chunk, ChunkResult result) {
    lock.lock();
    try {
      ready.put(chunk.start(), result);
      if (result.endsWithIdeal) {
        plan.hit(result.matches.get(result.matches.size() - 1).index());
      }
      if (emitting) {
        return; // the emitter will get to it
      }
      emitting = true;
    } finally {
      lock.unlock();
    }
    emit();
  }

  /** Delivers every consecutive ready chunk, then gives up the emitter's role. */
  private void emit() {
    while (true) {
      ChunkResult result;
      lock.lock();
      try {
        result = stopped() ? null : ready.remove(nextToEmit);
        if (result == null) {
          emitting = false;
          return;
        }
      } finally {
        lock.unlock();
      }
      for (Match match : result.matches) {
        if (stopped()) {
          return;
        }
        if (delivered >= budget.maxMatches()) {
          stop(new BudgetExhaustedException(
              BudgetExhaustedException.Limit.MATCHES, budget.maxMatches(), examined()));
          return;
        }
        try {
          listener.onMatch(match);
        } catch (RuntimeException e) {
          stop(e); // the listener's own failure ends the search as it is, not as the engine's
          return;
        }
        delivered++;
      }
      if (result.endsWithIdeal) {
        stopFound();
        return;
      }
      lock.lock();
      try {
        nextToEmit = result.end;
        progress.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  @Override
  void completeNormally(boolean found) {
    if (found) {
      future.complete(null);
    } else {
      future.completeExceptionally(new BudgetExhaustedException(
          BudgetExhaustedException.Limit.HASHES, budget.maxHashes(), examined()));
    }
  }

  /** The matches of one chunk, in index order, whether the last one is ideal, and its end. */
  private record ChunkResult(long end, List<Match> matches, boolean endsWithIdeal) {}
}
