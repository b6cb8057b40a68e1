package dev.hashfinder.core;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A search for the lowest-index candidate within the ideal distance.
 *
 * <p>Workers claim chunks in index order. A hit at index {@code i} becomes the answer if no lower
 * hit is known; chunks starting above the best hit are not claimed, and a chunk in progress is
 * given up past it, but every chunk below it runs to its end, so the lowest hit wins whatever the
 * number of workers. Thread-safe.
 */
final class FindSearch extends Search<Match> {
  private final AtomicLong nextChunk = new AtomicLong();
  /** The lowest index of a hit so far; {@link Long#MAX_VALUE} while there is none. */
  private final AtomicLong bestIndex = new AtomicLong(Long.MAX_VALUE);
  private Match best; // guarded by this

  FindSearch(
      Query query,
      HashAlgorithm algorithm,
      ResourceBudget budget,
      LongSupplier ticker,
      LongAdder engineExamined,
      CompletableFuture<Match> future) {
    super(query, algorithm, query.idealDistance(), budget, ticker, engineExamined, future);
  }

  @Override
  void work(Worker worker) {
    long last = lastChunk();
    while (!stopped()) {
      long chunk = nextChunk.getAndIncrement();
      if (chunk > last) {
        return;
      }
      long start = chunk * CHUNK_SIZE;
      if (start > bestIndex.get()) {
        return;
      }
      scan(worker, start, start + Math.min(CHUNK_SIZE, limit - start));
    }
  }

  @Override
  boolean onCandidate(Worker worker, long index, byte[] secret, int length) {
    Match match = match(worker, index, secret, length, matcher.distance(worker.codes));
    synchronized (this) {
      if (index < bestIndex.get()) {
        best = match;
        bestIndex.set(index);
      }
    }
    return false; // later candidates of this chunk cannot beat this one
  }

  @Override
  boolean abandon(long nextIndex) {
    return nextIndex > bestIndex.get();
  }

  @Override
  void completeNormally(boolean found) {
    Match answer;
    synchronized (this) {
      answer = best;
    }
    if (answer != null) {
      future.complete(answer);
    } else {
      future.completeExceptionally(new BudgetExhaustedException(
          BudgetExhaustedException.Limit.HASHES, limit, examined()));
    }
  }
}
