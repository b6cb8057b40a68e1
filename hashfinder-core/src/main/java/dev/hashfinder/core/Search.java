package dev.hashfinder.core;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.FinderFailedException;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.internal.ChunkPlan;
import dev.hashfinder.core.internal.Deadline;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One running search: the state its workers share, and the scan loop they run. Each call of
 * {@link #run()} is one worker; the last worker to leave ends the search and completes its future.
 *
 * <p>The search's indices are dealt by a {@link ChunkPlan} in chunks of {@link #CHUNK_SIZE}
 * candidates that workers claim in index order; subclasses decide what a hit means and how
 * chunks are reported, so that the answer never depends on how many workers ran. A chunk is
 * scanned by the native kernel where it runs this search's digest ({@link NativeKernel}), else in
 * Java; both report the same candidates.
 *
 * <p>Thread-safe: shared by its workers and by whoever cancels it.
 */
abstract class Search<T> implements Runnable {
  /** Candidates a worker claims at once: about a millisecond of hashing. */
  static final int CHUNK_SIZE = 8192;

  /**
   * Candidates between two looks at the stop signals (cancellation, deadline, a better answer):
   * well under a millisecond, and a volatile read per block costs nothing.
   */
  static final int CHECK_INTERVAL = 1024;

  /** Why a search stopped early, when that is not an exception. */
  private enum Stop {
    CANCELLED,
    FOUND
  }

  final Query query;
  final HashAlgorithm algorithm;
  final WindowMatcher matcher;
  /** The native kernel's scan for this search, or null: this search scans in Java. */
  private final NativeKernel.@Nullable Scan kernelScan;
  final ResourceBudget budget;
  /**
   * The indices this search may examine, {@code [firstIndex, firstIndex + maxHashes)} cut at
   * {@link Long#MAX_VALUE}, the end of the index space.
   */
  final ChunkPlan plan;
  final CompletableFuture<T> future;

  private final LongSupplier ticker;
  private final Deadline deadline;
  private final LongAdder examined = new LongAdder();
  private final LongAdder engineExamined;
  private final AtomicInteger workersLeft = new AtomicInteger();
  /** The first reason to stop: a {@link Stop} or the exception the future fails with. */
  private final AtomicReference<Object> stopCause = new AtomicReference<>();
  /** Cancelled when the search must stop; wakes whatever waits on it. */
  final CancellationToken stopping = new CancellationToken();
  private Runnable onFinished = () -> {};

  Search(
      Query query,
      HashAlgorithm algorithm,
      boolean nativeKernel,
      int matcherThreshold,
      ResourceBudget budget,
      LongSupplier ticker,
      LongAdder engineExamined,
      CompletableFuture<T> future) {
    this.query = query;
    this.algorithm = algorithm;
    this.matcher = new WindowMatcher(query.target(), matcherThreshold, algorithm.digestLength());
    this.kernelScan = nativeKernel
        ? NativeKernel.scanFor(algorithm, query.target(), matcherThreshold) : null;
    this.budget = budget;
    this.plan = new ChunkPlan(query.firstIndex(), budget.maxHashes());
    this.ticker = ticker;
    this.engineExamined = engineExamined;
    this.future = future;
    this.deadline = Deadline.start(budget, ticker.getAsLong());
  }

  /** Starts up to {@code threads} workers on {@code executor}, fewer if there are fewer chunks. */
  final void launch(Executor executor, int threads, Runnable onFinished) {
    this.onFinished = onFinished;
    long chunks = (plan.end() - plan.first() - 1) / CHUNK_SIZE + 1;
    int workers = (int) Math.min(threads, chunks);
    workersLeft.set(workers);
    for (int i = 0; i < workers; i++) {
      try {
        executor.execute(this);
      } catch (RejectedExecutionException e) {
        stop(e);
        for (int notStarted = workers - i; notStarted > 0; notStarted--) {
          workerLeft();
        }
        return;
      }
    }
  }

  /**
   * One worker: claims and scans chunks until the search stops. Whatever the scan throws is a
   * fault of the engine or its digest, not of the query (which was checked before the start), so
   * the search fails with {@link FinderFailedException}, whatever the exception's type: an
   * {@link IllegalArgumentException} from deep inside must not read as a bad argument. An {@link
   * Error} fails the search as it is and goes on to the thread.
   */
  @Override
  public final void run() {
    try {
      work(new Worker(CandidateHasher.of(algorithm), matcher));
    } catch (Exception e) {
      stop(new FinderFailedException("search failed: " + e, e));
    } catch (Throwable t) {
      stop(t);
      if (t instanceof Error error && !(t instanceof AssertionError)) {
        throw error;
      }
    } finally {
      workerLeft();
    }
  }

  private void workerLeft() {
    if (workersLeft.decrementAndGet() == 0) {
      onFinished.run();
      complete(stopCause.get());
    }
  }

  /** Claims and scans chunks until there are none left or the search stops. */
  abstract void work(Worker worker) throws InterruptedException;

  /**
   * Ends the search once every worker has left.
   *
   * @param cause the first reason the search stopped early, or null if it ran out of chunks
   */
  private void complete(@Nullable Object cause) {
    if (cause == Stop.CANCELLED) {
      future.cancel(false);
    } else if (cause instanceof Throwable t) {
      future.completeExceptionally(t);
    } else {
      completeNormally(cause == Stop.FOUND);
    }
  }

  /**
   * Completes the future of a search that was not cancelled and did not fail.
   *
   * @param found whether a ranged search delivered its ideal match
   */
  abstract void completeNormally(boolean found);

  /** Asks the workers to stop; the future is cancelled once they have. */
  final void cancel() {
    stop(Stop.CANCELLED);
  }

  /** Ends a ranged search after it delivered its ideal match. */
  final void stopFound() {
    stop(Stop.FOUND);
  }

  /** Stops the search; the first cause wins. */
  final void stop(Object cause) {
    if (stopCause.compareAndSet(null, cause)) {
      stopping.cancel();
    }
  }

  /** Whether the workers should stop; also notices a passed deadline. */
  final boolean stopped() {
    if (stopCause.get() == null && deadline.passed(ticker.getAsLong())) {
      stop(deadline.exceeded(examined.sum()));
    }
    return stopCause.get() != null;
  }

  /** Nanoseconds until the deadline, or {@code fallback} if there is none or it is further. */
  final long nanosToDeadline(long fallback) {
    return deadline.nanosLeft(ticker.getAsLong(), fallback);
  }

  /** Candidates examined so far. */
  final long examined() {
    return examined.sum();
  }

  /**
   * Examines the candidates {@code [start, end)} in order, calling {@link #onCandidate} for each
   * the matcher accepts, and looking at the stop signals every {@link #CHECK_INTERVAL}.
   *
   * @return true if the chunk was examined to its end or until {@code onCandidate} ended it;
   *     false if the search stopped or {@link #abandon} gave the rest up
   */
  final boolean scan(Worker worker, long start, long end) {
    if (kernelScan != null) {
      return scanNative(worker, start, end, kernelScan);
    }
    CandidateHasher hasher = worker.hasher;
    long[] packed = worker.packed;
    byte[] codes = worker.codes;
    WindowMatcher matcher = this.matcher;
    int length = hasher.seek(start);
    long index = start;
    while (index < end) {
      long blockStart = index;
      long blockEnd = blockEnd(index, end, CHECK_INTERVAL);
      boolean ended = false;
      VectorState.clear(); // keeps the JDK's SHA-NI stubs off a slow path: see there
      for (; index < blockEnd; index++) {
        hasher.hash(length, packed);
        if (matcher.mayQualify(packed)) { // rejects all but a few percent, branch-free
          matcher.decode(hasher.digest(), codes);
          if (matcher.within(codes) && !onCandidate(worker, index, hasher.secret(), length)) {
            index++;
            ended = true;
            break;
          }
        }
        length = hasher.advance(length);
      }
      counted(index - blockStart);
      if (ended) {
        return true;
      }
      if (stopped() || abandon(index)) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@link #scan} on the native kernel: it hashes and filters a block at a time; each index it
   * returns is hashed again here and must pass the Java matcher before it counts.
   */
  private boolean scanNative(
      Worker worker, long start, long end, NativeKernel.Scan kernelScan) {
    CandidateHasher hasher = worker.hasher;
    long[] hits = worker.hits;
    long index = start;
    while (index < end) {
      // A block a call: about a tenth of a millisecond (NativeKernel.Digest.block).
      long blockEnd = blockEnd(index, end, kernelScan.block());
      int found = kernelScan.scan(index, blockEnd, hits);
      long scanned = found == hits.length ? hits[found - 1] + 1 : blockEnd;
      for (int h = 0; h < found; h++) {
        long hit = hits[h];
        int length = hasher.seek(hit);
        hasher.hash(length, worker.packed);
        matcher.decode(hasher.digest(), worker.codes);
        if (!matcher.within(worker.codes)) {
          throw new IllegalStateException("native kernel reported index " + hit
              + ", which is not within the threshold; run with -D" + NativeKernel.PROPERTY
              + "=false and report it");
        }
        if (!onCandidate(worker, hit, hasher.secret(), length)) {
          counted(hit + 1 - index);
          return true;
        }
      }
      counted(scanned - index);
      index = scanned;
      if (stopped() || abandon(index)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The end of the block of at most {@code size} candidates from {@code index} on, within {@code
   * end}: written so that it cannot overflow where {@code end} is at the top of the index space.
   */
  static long blockEnd(long index, long end, int size) {
    return end - index <= size ? end : index + size;
  }

  private void counted(long candidates) {
    examined.add(candidates);
    engineExamined.add(candidates);
  }

  /**
   * Takes a candidate the matcher accepted.
   *
   * @return whether to go on with the chunk
   */
  abstract boolean onCandidate(Worker worker, long index, byte[] secret, int length);

  /** Whether the rest of a chunk, from {@code nextIndex} on, can no longer change the answer. */
  boolean abandon(long nextIndex) {
    return false;
  }

  /** Builds the match for the candidate in the worker's buffers. */
  final Match match(Worker worker, long index, byte[] secret, int length, int distance) {
    return new Match(
        index,
        Arrays.copyOf(secret, length),
        Base64.getEncoder().encodeToString(
            Arrays.copyOf(worker.hasher.digest(), algorithm.digestLength())),
        distance);
  }

  /** A worker's own hasher and buffers, so that the scan allocates nothing. */
  static final class Worker {
    final CandidateHasher hasher;
    final long[] packed;
    final byte[] codes;
    /** The native kernel's hits from one call. */
    final long[] hits = new long[64];
    /** A ranged search's matches in the chunk being scanned. */
    final List<Match> found = new ArrayList<>();
    /** Whether the chunk being scanned ended at an ideal match (ranged searches). */
    boolean ideal;

    Worker(CandidateHasher hasher, WindowMatcher matcher) {
      this.hasher = hasher;
      this.packed = new long[matcher.packedLongs()];
      this.codes = new byte[matcher.textLength()];
    }
  }
}
