package dev.hashfinder.core;

import com.google.common.math.LongMath;
import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.internal.ChunkPlan;
import dev.hashfinder.core.internal.InOrderDelivery;
import java.util.List;
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

  private final int window;
  private final long waitSliceNanos;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition progress = lock.newCondition();
  /** Scanned chunks waiting for their turn: handed in and taken under lock, then delivered. */
  private final InOrderDelivery delivery;
  private boolean emitting; // guarded by lock

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
    this.window = window;
    this.waitSliceNanos = waitSliceNanos;
    this.delivery = new InOrderDelivery(query.firstIndex(), budget.maxMatches(), listener);
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
      handIn(chunk, new InOrderDelivery.Piece(chunk.end(), matches, worker.ideal));
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
            LongMath.saturatedAdd(delivery.nextToEmit(), (long) window * CHUNK_SIZE));
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

  private void handIn(ChunkPlan.Range chunk, InOrderDelivery.Piece result) {
    lock.lock();
    try {
      delivery.put(chunk.start(), result);
      if (result.endsWithIdeal()) {
        plan.hit(result.matches().get(result.matches().size() - 1).index());
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
      InOrderDelivery.Piece result;
      lock.lock();
      try {
        result = stopped() ? null : delivery.takeNext();
        if (result == null) {
          emitting = false;
          return;
        }
      } finally {
        lock.unlock();
      }
      InOrderDelivery.Step step;
      try {
        step = delivery.deliver(result, this::stopped, this::examined);
      } catch (RuntimeException e) {
        stop(e); // the listener's own failure ends the search as it is, not as the engine's
        return;
      }
      if (step == InOrderDelivery.Step.FOUND) {
        stopFound();
      }
      if (step != InOrderDelivery.Step.NEXT) {
        return;
      }
      lock.lock();
      try {
        progress.signalAll(); // the window moved on
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
}
