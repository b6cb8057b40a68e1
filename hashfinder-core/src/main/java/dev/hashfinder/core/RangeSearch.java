package dev.hashfinder.core;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

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
  private final Map<Long, ChunkResult> ready = new HashMap<>(); // guarded by lock
  private long nextChunk; // guarded by lock
  private long nextToEmit; // guarded by lock
  private long firstIdealChunk = Long.MAX_VALUE; // guarded by lock
  private boolean emitting; // guarded by lock
  private long delivered; // touched by the emitter only

  RangeSearch(
      Query query,
      HashAlgorithm algorithm,
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
        Math.max(query.idealDistance(), query.interestingDistance()),
        budget,
        ticker,
        engineExamined,
        future);
    this.listener = listener;
    this.window = window;
    this.waitSliceNanos = waitSliceNanos;
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
    List<Match> matches = new ArrayList<>();
    while (true) {
      long chunk = claim();
      if (chunk < 0) {
        return;
      }
      long start = chunk * CHUNK_SIZE;
      matches.clear();
      worker.found = matches;
      worker.ideal = false;
      if (!scan(worker, start, start + Math.min(CHUNK_SIZE, limit - start))) {
        return; // stopped part-way: a partial chunk is never delivered
      }
      handIn(chunk, new ChunkResult(List.copyOf(matches), worker.ideal));
    }
  }

  /** The next chunk to scan, waiting while the workers are a window ahead; -1 when done. */
  private long claim() throws InterruptedException {
    lock.lock();
    try {
      while (true) {
        if (stopped() || nextChunk > lastChunk() || nextChunk > firstIdealChunk) {
          return -1;
        }
        if (nextChunk < nextToEmit + window) {
          return nextChunk++;
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

  private void handIn(long chunk, ChunkResult result) {
    lock.lock();
    try {
      ready.put(chunk, result);
      if (result.endsWithIdeal) {
        firstIdealChunk = Math.min(firstIdealChunk, chunk);
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
        listener.onMatch(match);
        delivered++;
      }
      if (result.endsWithIdeal) {
        stopFound();
        return;
      }
      lock.lock();
      try {
        nextToEmit++;
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
          BudgetExhaustedException.Limit.HASHES, limit, examined()));
    }
  }

  /** The matches of one chunk, in index order, and whether the last one is ideal. */
  private record ChunkResult(List<Match> matches, boolean endsWithIdeal) {}
}
