package dev.hashfinder.core;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.internal.ChunkPlan;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A search for the lowest-index candidate within the ideal distance.
 *
 * <p>Workers claim chunks from the plan in index order. A hit at index {@code i} becomes the
 * answer if no lower hit is known; the plan deals no chunk starting above the best hit, and a
 * chunk in progress is given up past it, but every chunk below it runs to its end, so the lowest
 * hit wins whatever the number of workers. Thread-safe.
 */
final class FindSearch extends Search<Match> {
  private @Nullable Match best; // guarded by this

  FindSearch(
      Query query,
      HashAlgorithm algorithm,
      boolean nativeKernel,
      ResourceBudget budget,
      LongSupplier ticker,
      LongAdder engineExamined,
      CompletableFuture<Match> future) {
    super(query, algorithm, nativeKernel, query.idealDistance(), budget, ticker, engineExamined,
        future);
  }

  @Override
  void work(Worker worker) {
    while (!stopped()) {
      ChunkPlan.Range chunk = plan.claim(CHUNK_SIZE);
      if (chunk == null) {
        return;
      }
      scan(worker, chunk.start(), chunk.end());
    }
  }

  @Override
  boolean onCandidate(Worker worker, long index, byte[] secret, int length) {
    Match match = match(worker, index, secret, length, matcher.distance(worker.codes));
    synchronized (this) {
      if (plan.hit(index)) {
        best = match;
      }
    }
    return false; // later candidates of this chunk cannot beat this one
  }

  @Override
  boolean abandon(long nextIndex) {
    return plan.beyondBest(nextIndex);
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
          BudgetExhaustedException.Limit.HASHES, budget.maxHashes(), examined()));
    }
  }
}
