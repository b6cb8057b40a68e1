package dev.hashfinder.grpc;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.FinderBusyException;
import dev.hashfinder.HashFinder;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One server of a {@link HashFinderCluster}: its channel, whether it may take work (it proved to
 * be a hashfinder server and its health service says {@code SERVING}), and what the cluster
 * learned about it (its rate, its last failure).
 *
 * <p>Thread-safe: health and probe callbacks run on gRPC threads, searches read it from theirs.
 */
final class ClusterBackend {
  private static final Logger logger = Logger.getLogger(HashFinderCluster.class.getName());

  /** Indices per second assumed before a backend's first range is measured. */
  static final double UNMEASURED_RATE = 1_000_000;
  private static final Duration MAX_COOL_DOWN = Duration.ofSeconds(5);

  /** How a backend stands. */
  enum State {
    /** Not yet reached, or its health service does not say SERVING. */
    NOT_SERVING,
    /** Serving, and proved to be a hashfinder server: takes work. */
    READY,
    /** Answers, but is not a hashfinder server (it sets no index): never takes work. */
    REFUSED,
    /** Left the cluster (no longer resolved) or the cluster closed. */
    GONE
  }

  final String name;
  final ManagedChannel channel;
  final HashFinder finder;
  private final ScheduledExecutorService scheduler;
  private final Runnable onChange;

  private volatile State state = State.NOT_SERVING;
  private volatile boolean healthServing;
  private volatile boolean refusesUs;
  private volatile boolean lastFailureBusy;
  private int failedProbes; // guarded by this
  private volatile String lastProblem = "not reached yet";
  private volatile double rate = UNMEASURED_RATE; // indices per second, per range
  private volatile boolean measured;
  private volatile long largestRange = Long.MAX_VALUE; // what its own budget lets one call examine
  private volatile long coolUntilNanos;
  private int consecutiveFailures; // guarded by this
  private final AtomicInteger inFlight = new AtomicInteger();
  private long busySinceNanos; // guarded by this
  private long busyNanos; // guarded by this
  private final CompletableFuture<State> firstVerdict = new CompletableFuture<>();
  /** Cancels the health watch at close, so that the channel can end gracefully. */
  private final Context.CancellableContext watches = Context.current().withCancellation();

  ClusterBackend(String name, ManagedChannel channel, CallOptions callOptions,
      ScheduledExecutorService scheduler, Runnable onChange) {
    this.name = name;
    this.channel = channel;
    this.finder = HashFinderClient.create(channel).withCallOptions(callOptions);
    this.scheduler = scheduler;
    this.onChange = onChange;
  }

  /** Starts watching the backend's health; the first SERVING runs the probe. */
  void start() {
    watchHealth(Duration.ofMillis(200));
  }

  /** Completes with the first verdict: READY, REFUSED, or NOT_SERVING after a failed try. */
  CompletableFuture<State> firstVerdict() {
    return firstVerdict;
  }

  private void watchHealth(Duration nextRetry) {
    if (state == State.GONE) {
      return;
    }
    watches.run(() -> HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(),
        new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse response) {
            if (response.getStatus() == ServingStatus.SERVING) {
              serving();
            } else {
              notServing("its health service says " + response.getStatus());
            }
          }

          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            if (status.getCode() == Status.Code.UNIMPLEMENTED) {
              serving(); // no health service: the probe alone decides
              return;
            }
            notServing(status.getCode() + ": " + status.getDescription());
            retryWatch(nextRetry);
          }

          @Override
          public void onCompleted() {
            notServing("its health service ended the watch");
            retryWatch(nextRetry);
          }
        }));
  }

  private void retryWatch(Duration after) {
    if (state == State.GONE) {
      return;
    }
    Duration next = after.multipliedBy(2).compareTo(MAX_COOL_DOWN) > 0
        ? MAX_COOL_DOWN : after.multipliedBy(2);
    try {
      scheduler.schedule(() -> watchHealth(next), after.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      // The cluster is closing.
    }
  }

  private void serving() {
    healthServing = true;
    if (state == State.NOT_SERVING) {
      probe();
    }
  }

  private void notServing(String why) {
    healthServing = false;
    lastProblem = why;
    if (state == State.READY) {
      state = State.NOT_SERVING;
      logger.fine("backend " + name + " takes no work until it serves again: " + why);
      onChange.run();
    }
    firstVerdict.complete(State.NOT_SERVING);
  }

  /**
   * Asks for the one-hash answer a hashfinder server gives from index 1 (a one-letter target
   * within distance 1 matches whatever it examines first): a server that leaves the index unset
   * (the reference) or answers index 0 (one that ignores {@code first_index}) would make the
   * cluster's answers wrong.
   */
  private void probe() {
    finder.find(Query.of("a", 1).startingAt(1),
        ResourceBudget.ofHashes(1).withTimeout(Duration.ofSeconds(10)),
        new CancellationToken()).whenComplete((match, failure) -> {
          if (state == State.GONE) {
            return;
          }
          if (failure == null && match.index() == 1) {
            synchronized (this) {
              failedProbes = 0;
            }
            refusesUs = false;
            state = State.READY;
            lastProblem = "none";
            logger.fine(() -> "backend " + name + " is serving");
            onChange.run();
            firstVerdict.complete(State.READY);
          } else if (failure == null) {
            state = State.REFUSED;
            lastProblem = match.index() < 0
                ? "not a hashfinder server: its Find response has no index"
                : "not a hashfinder server that deals ranges: it ignores first_index";
            logger.severe("backend " + name + " is refused: " + lastProblem);
            firstVerdict.complete(State.REFUSED);
          } else {
            lastProblem = "probe failed: " + describe(failure);
            Status.Code code = Status.fromThrowable(
                failure.getCause() != null ? failure.getCause() : failure).getCode();
            refusesUs = code == Status.Code.UNAUTHENTICATED
                || code == Status.Code.PERMISSION_DENIED;
            firstVerdict.complete(State.NOT_SERVING);
            reprobeLater(); // busy, slow or not yet authorized: try again while it serves
          }
        });
  }

  private void reprobeLater() {
    long delayMillis;
    synchronized (this) {
      delayMillis = Math.min(MAX_COOL_DOWN.toMillis(), 250L << Math.min(failedProbes++, 5));
    }
    try {
      scheduler.schedule(() -> {
        if (healthServing && state == State.NOT_SERVING) {
          probe();
        }
      }, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      // The cluster is closing.
    }
  }

  /** Whether the backend may take a range now. */
  boolean available(long nowNanos) {
    return state == State.READY && nowNanos - coolUntilNanos >= 0;
  }

  State state() {
    return state;
  }

  /** What went wrong last, for the message of a search that lost every backend. */
  String lastProblem() {
    return lastProblem;
  }

  /**
   * Whether the backend turned this client away at its last probe (no token, a token or
   * certificate it does not accept): waiting will not help until the credentials change.
   */
  boolean refusesUs() {
    return refusesUs;
  }

  /** Whether the backend's last failure was a refusal for being busy (it is alive). */
  boolean lastFailureWasBusy() {
    return lastFailureBusy;
  }

  int inFlight() {
    return inFlight.get();
  }

  synchronized void rangeStarted() {
    if (inFlight.getAndIncrement() == 0) {
      busySinceNanos = System.nanoTime();
    }
  }

  synchronized void rangeEnded() {
    if (inFlight.decrementAndGet() == 0) {
      busyNanos += System.nanoTime() - busySinceNanos;
    }
  }

  /** How long the backend has had at least one range in flight, in all. */
  synchronized long busyNanos() {
    return busyNanos + (inFlight.get() > 0 ? System.nanoTime() - busySinceNanos : 0);
  }

  /** Indices per second one range ran at, as last measured. */
  double rate() {
    return rate;
  }

  boolean measured() {
    return measured;
  }

  long largestRange() {
    return largestRange;
  }

  /** A range of {@code indices} took {@code nanos}: fold it into the rate. */
  void recordRate(long indices, long nanos) {
    if (indices <= 0 || nanos <= 0) {
      return;
    }
    double observed = indices * 1e9 / nanos;
    rate = measured ? 0.5 * rate + 0.5 * observed : observed;
    measured = true;
    synchronized (this) {
      consecutiveFailures = 0;
    }
  }

  /** The backend's own budget stopped a range after {@code examined} indices. */
  void recordLargestRange(long examined) {
    if (examined > 0) {
      largestRange = Math.min(largestRange, examined);
    }
  }

  /**
   * A range failed: cool down before the next, longer after each failure in a row.
   *
   * @param failure how the range's call ended
   * @param problem what went wrong, in words
   */
  void recordFailure(Throwable failure, String problem, long nowNanos) {
    boolean busy = failure instanceof FinderBusyException;
    lastFailureBusy = busy;
    lastProblem = (busy ? "busy: " : "") + problem;
    long coolNanos;
    boolean first;
    synchronized (this) {
      first = consecutiveFailures++ == 0;
      coolNanos = busy ? TimeUnit.MILLISECONDS.toNanos(200)
          : Math.min(MAX_COOL_DOWN.toNanos(),
              TimeUnit.MILLISECONDS.toNanos(250) << Math.min(consecutiveFailures - 1, 5));
    }
    if (!busy) {
      rate = rate / 2; // a stalled or failing backend gets smaller ranges when it returns
    }
    coolUntilNanos = nowNanos + coolNanos;
    logger.log(busy || !first ? Level.FINE : Level.WARNING,
        "backend " + name + " failed a range, which is dealt again: " + lastProblem);
  }

  /** Stops watching the backend's health: nothing is left on its channel but searches. */
  void stopWatching() {
    state = State.GONE;
    watches.cancel(null);
  }

  /** Stops using the backend and closes its channel. */
  void close() {
    stopWatching();
    firstVerdict.complete(State.GONE);
    channel.shutdownNow();
  }

  static String describe(Throwable failure) {
    Throwable cause = failure.getCause() instanceof StatusRuntimeException ? failure.getCause()
        : failure;
    if (cause instanceof StatusRuntimeException status) {
      return status.getStatus().getCode() + ": " + status.getStatus().getDescription();
    }
    return String.valueOf(failure.getMessage());
  }

  @Override
  public String toString() {
    return name + " (" + state + ")";
  }
}
