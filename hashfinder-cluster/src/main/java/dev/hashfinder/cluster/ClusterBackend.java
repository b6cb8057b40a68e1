package dev.hashfinder.cluster;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.FinderBusyException;
import dev.hashfinder.HashFinder;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.MatchVerifier;
import dev.hashfinder.core.internal.Callbacks;
import dev.hashfinder.core.internal.Formats;
import dev.hashfinder.grpc.HashFinderClient;
import dev.hashfinder.grpc.Outcomes;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * One server of a cluster: its channel, whether it may take work (it proved to
 * be a hashfinder server and its health service says {@code SERVING}), and what the cluster
 * learned about it (its rate, its last failure). A backend caught answering what a hashfinder
 * server never answers is {@linkplain #distrust dropped}: it takes no work until it passes the
 * probe again, after a wait that doubles with each drop.
 *
 * <p>Its calls go through {@link #finder}: a gRPC client over its channel, or, with no channel, any
 * {@link HashFinder} (a simulated server), which is then taken to have no health service: the
 * probe alone decides whether it takes work.
 *
 * <p>Thread-safe: health and probe callbacks run on gRPC threads, searches read it from theirs.
 */
final class ClusterBackend {
  private static final Logger logger = Logger.getLogger(ClusterBackend.class.getName());

  /** Indices per second assumed before a backend's first range is measured. */
  static final double UNMEASURED_RATE = 1_000_000;
  /** The first range of an unmeasured backend: small, to measure it cheaply. */
  static final long FIRST_RANGE = 1 << 16;
  /** The fewest indices a range must hold to measure its backend: the smallest range dealt. */
  static final long SMALLEST_MEASURED_RANGE = FIRST_RANGE / 4;
  private static final Duration MAX_COOL_DOWN = Duration.ofSeconds(5);
  /** How a backend retries what failed: its health watch, its probe, its ranges. */
  static final Backoff RETRY = new Backoff(Duration.ofMillis(250), MAX_COOL_DOWN);
  /** The pause after a range refused for being busy: the backend is alive, only full. */
  private static final long BUSY_COOL_DOWN_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  /** The longest a dropped backend waits for its next probe, however often it was dropped. */
  static final Duration MAX_DROP_WAIT = Duration.ofMinutes(10);

  /**
   * How long a channel waits without hearing from its backend before it pings it. A backend that
   * dies silently (its host gone, a switch port down) sends no reset: the ping's missing answer
   * fails its health watch and its calls even while it holds no range. Ten seconds is the least
   * a hashfinder server permits (permit-keepalive-time), and the health watch keeps a call open
   * on the channel, so the pings are never ones "without calls", which servers refuse.
   */
  static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);
  /** How long a ping's answer may take before the connection counts as dead. */
  static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);

  /** The probe: one hash from index 1; a one-letter target within distance 1 matches any. */
  private static final Query PROBE = Query.of("a", 1).startingAt(1);
  private static final MatchVerifier PROBE_VERIFIER = MatchVerifier.forFind(PROBE);
  /** How grpc-java's deframer begins the description of a message over the channel's cap. */
  private static final String OVERSIZED = "gRPC message exceeds maximum size";

  /** How a backend stands. */
  enum State {
    /** Not yet reached, or its health service does not say SERVING. */
    NOT_SERVING,
    /** Serving, and proved to be a hashfinder server: takes work. */
    READY,
    /**
     * Answers, but is not a hashfinder server (it sets no index, ignores {@code first_index}, or
     * its probe's answer fails the proof): never takes work.
     */
    REFUSED,
    /**
     * Was dropped for an answer no hashfinder server gives: takes no work until it passes the
     * probe again, after a wait.
     */
    DROPPED,
    /** Left the cluster (no longer resolved) or the cluster closed. */
    GONE
  }

  final String name;
  /** The backend's channel; null for a backend reached otherwise (a simulated one). */
  final @Nullable ManagedChannel channel;
  final HashFinder finder;
  private final ClusterRuntime runtime;
  private final MeasuredRates measuredRates;
  private final Runnable closer;
  private final Consumer<ClusterBackend> onChange;
  private final Backoff dropWaits;

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
  private int drops; // guarded by this
  private final BusyTime busyTime = new BusyTime(); // guarded by this
  private final CompletableFuture<State> firstVerdict = new CompletableFuture<>();
  /** Cancels the health watch at close, so that the channel can end gracefully. */
  private final Context.CancellableContext watches = Context.current().withCancellation();

  /**
   * A backend reached over {@code channel}, which it owns and closes.
   *
   * @param onChange runs with this backend whenever it may have started or stopped taking work
   */
  static ClusterBackend overChannel(String name, ManagedChannel channel, CallOptions callOptions,
      ClusterRuntime runtime, MeasuredRates measuredRates, Duration firstDropWait,
      Consumer<ClusterBackend> onChange) {
    return new ClusterBackend(name, HashFinderClient.create(channel).withCallOptions(callOptions),
        channel, channel::shutdownNow, runtime, measuredRates, firstDropWait, onChange);
  }

  /**
   * A backend whose calls go to {@code finder}.
   *
   * @param channel the channel {@code finder} calls over, watched for health; null for none
   * @param closer closes what {@code finder} calls over, failing the calls still in flight
   * @param measuredRates where its rate is reported as it is measured
   * @param onChange runs with this backend whenever it may have started or stopped taking work
   */
  ClusterBackend(String name, HashFinder finder, @Nullable ManagedChannel channel,
      Runnable closer, ClusterRuntime runtime, MeasuredRates measuredRates,
      Duration firstDropWait, Consumer<ClusterBackend> onChange) {
    this.name = name;
    this.channel = channel;
    this.finder = finder;
    this.closer = closer;
    this.runtime = runtime;
    this.measuredRates = measuredRates;
    Duration first = firstDropWait.compareTo(MAX_DROP_WAIT) > 0 ? MAX_DROP_WAIT : firstDropWait;
    this.dropWaits = new Backoff(first.toMillis() < 1 ? Duration.ofMillis(1) : first,
        MAX_DROP_WAIT);
    this.onChange = onChange;
  }

  /** Starts watching the backend's health; the first SERVING runs the probe. */
  void start() {
    if (channel == null) {
      serving(); // no health service to watch: the probe alone decides
    } else {
      watchHealth(0);
    }
  }

  /** Completes with the first verdict: READY, REFUSED, or NOT_SERVING after a failed try. */
  CompletableFuture<State> firstVerdict() {
    return firstVerdict;
  }

  /** Watches the backend's health; {@code failedWatches} in a row ended before this one. */
  private void watchHealth(int failedWatches) {
    ManagedChannel channel = this.channel;
    if (state == State.GONE || channel == null) {
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
            notServing(Outcomes.describe(status));
            retryWatch(failedWatches + 1);
          }

          @Override
          public void onCompleted() {
            notServing("its health service ended the watch");
            retryWatch(failedWatches + 1);
          }
        }));
  }

  private void retryWatch(int failedWatches) {
    if (state == State.GONE) {
      return;
    }
    later(() -> watchHealth(failedWatches), RETRY.millis(failedWatches), "watching its health");
  }

  private void serving() {
    healthServing = true;
    if (state == State.NOT_SERVING) {
      probe(); // a dropped backend is probed when its wait is over, not before
    }
  }

  private void notServing(String why) {
    healthServing = false;
    lastProblem = why;
    if (state == State.READY) {
      state = State.NOT_SERVING;
      logger.fine("backend " + name + " takes no work until it serves again: " + why);
      onChange.accept(this);
    }
    firstVerdict.complete(State.NOT_SERVING);
  }

  /**
   * Asks for the one-hash answer a hashfinder server gives from index 1 (a one-letter target
   * within distance 1 matches whatever it examines first), and proves it: a server that leaves
   * the index unset (the reference), answers index 0 (one that ignores {@code first_index}) or
   * forges its answer would make the cluster's answers wrong.
   */
  private void probe() {
    Callbacks.whenComplete(finder.find(PROBE,
        ResourceBudget.ofHashes(1).withTimeout(Duration.ofSeconds(10)), new CancellationToken()),
        (match, failure) -> {
          if (state == State.GONE || state == State.DROPPED) {
            return; // a probe in flight when the backend was dropped does not readmit it
          }
          String forged = failure == null && match.index() == 1
              ? PROBE_VERIFIER.check(match).orElse(null) : null;
          if (failure == null && match.index() == 1 && forged == null) {
            synchronized (this) {
              if (state == State.GONE || state == State.DROPPED) {
                return; // dropped while the probe was in flight: the next probe decides
              }
              failedProbes = 0;
              state = State.READY;
            }
            refusesUs = false;
            lastProblem = "none";
            logger.fine(() -> "backend " + name + " is serving");
            onChange.accept(this);
            firstVerdict.complete(State.READY);
          } else if (failure == null) {
            state = State.REFUSED;
            lastProblem = match.index() < 0
                ? "not a hashfinder server: its Find response has no index"
                : forged != null ? "not a hashfinder server: its probe's answer fails the proof: "
                    + forged
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
        },
        thrown -> logger.log(Level.SEVERE, "backend " + name + ": its probe's verdict failed",
            thrown));
  }

  private void reprobeLater() {
    long delayMillis;
    synchronized (this) {
      delayMillis = RETRY.millis(++failedProbes);
    }
    later(() -> {
      if (healthServing && state == State.NOT_SERVING) {
        probe();
      }
    }, delayMillis, "probing it again");
  }

  /** Runs {@code task} on the cluster's timer after a while, unless the cluster is closing. */
  private void later(Runnable task, long delayMillis, String what) {
    try {
      TaskFailures.log(runtime.scheduler().schedule(task, delayMillis, TimeUnit.MILLISECONDS),
          "backend " + name + ": " + what);
    } catch (RejectedExecutionException closed) {
      // The cluster is closing.
    }
  }

  /**
   * A range outlived its deadline: the backend may have been cut off without a word (a dead host,
   * a partitioned network), and every range dealt to it would be lost the same way. It takes no
   * work until a probe, with a deadline of its own, proves it answers; the health watch probes
   * it again once it is back, if its pings showed the connection dead meanwhile.
   */
  void stalled() {
    synchronized (this) {
      if (state != State.READY) {
        return;
      }
      state = State.NOT_SERVING;
    }
    logger.fine(() -> "backend " + name + " takes no work until it answers a probe: a range "
        + "stalled");
    onChange.accept(this);
    probe();
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

  synchronized int inFlight() {
    return busyTime.inFlight();
  }

  synchronized void rangeStarted() {
    busyTime.started(runtime.nanoTime());
  }

  synchronized void rangeEnded() {
    busyTime.ended(runtime.nanoTime());
  }

  /** How long the backend has had at least one range in flight, in all. */
  synchronized long busyNanos() {
    return busyTime.totalNanos(runtime.nanoTime());
  }

  /** {@return the ticker's value from which the backend may take a range again} */
  long coolUntilNanos() {
    return coolUntilNanos;
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

  /**
   * A range of {@code indices} took {@code nanos}: fold it into the rate, unless it is smaller
   * than the ranges the cluster deals on purpose. Such a range (the one-hash probe a front passes
   * on to its own backends, a budget's last few indices) takes about a round trip whatever the
   * backend's rate; measured, it would make the next ranges tiny, and tiny ranges measure no
   * better.
   */
  void recordRate(long indices, long nanos) {
    synchronized (this) {
      consecutiveFailures = 0;
    }
    if (indices < SMALLEST_MEASURED_RANGE || nanos <= 0) {
      return;
    }
    double observed = indices * 1e9 / nanos;
    synchronized (this) {
      double before = rate;
      rate = measured ? 0.5 * before + 0.5 * observed : observed;
      if (state != State.GONE) {
        measuredRates.changed(measured ? before : Double.NaN, rate);
      }
      measured = true;
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
      coolNanos = busy ? BUSY_COOL_DOWN_NANOS
          : TimeUnit.MILLISECONDS.toNanos(RETRY.millis(consecutiveFailures));
      if (!busy) {
        double before = rate;
        rate = before / 2; // a stalled or failing backend gets smaller ranges when it returns
        if (measured && state != State.GONE) {
          measuredRates.changed(before, rate);
        }
      }
    }
    coolUntilNanos = nowNanos + coolNanos;
    logger.log(busy || !first ? Level.FINE : Level.WARNING,
        "backend " + name + " failed a range, which is dealt again: " + lastProblem);
  }

  /**
   * Drops the backend: it answered what no hashfinder server answers (a match that fails its
   * proof, indices out of order or outside its range, more matches than it was asked for, a
   * message over the size cap). It takes no work until it passes the probe again, after a wait
   * that doubles with each drop, from {@code firstDropWait} up to {@link #MAX_DROP_WAIT}. The
   * search that caught it deals its ranges again. One WARNING says so; a second search catching
   * it while it is dropped logs at FINE.
   *
   * @param why what it answered, in words that quote none of its text
   */
  void distrust(String why) {
    long waitMillis;
    synchronized (this) {
      if (state == State.GONE || state == State.REFUSED || state == State.DROPPED) {
        logger.fine(() -> "backend " + name + " (" + state + ") also " + why);
        return;
      }
      state = State.DROPPED;
      waitMillis = dropWaits.millis(++drops);
    }
    lastProblem = "dropped: " + why;
    logger.warning("backend " + name + " is dropped: it " + why + "; its ranges are dealt "
        + "again, and it takes no work until it passes the probe again, in "
        + Formats.duration(Duration.ofMillis(waitMillis)));
    onChange.accept(this);
    later(this::probeAfterDrop, waitMillis, "probing it after its drop");
  }

  private void probeAfterDrop() {
    synchronized (this) {
      if (state != State.DROPPED) {
        return;
      }
      state = State.NOT_SERVING;
    }
    if (healthServing) {
      probe(); // else the health watch probes it once it says SERVING
    }
  }

  /** Stops watching the backend's health: nothing is left on its channel but searches. */
  void stopWatching() {
    synchronized (this) {
      if (state != State.GONE && measured) {
        measuredRates.changed(rate, Double.NaN); // a backend that left sets no deadline
      }
      state = State.GONE;
    }
    watches.cancel(null);
  }

  /** Stops using the backend and closes its channel. */
  void close() {
    stopWatching();
    firstVerdict.complete(State.GONE);
    closer.run();
  }

  /**
   * Whether a call failed because a message was larger than the channel's cap ({@link
   * HashFinderClient#MAX_RESPONSE_SIZE}): gRPC's own deframer ends such a call with this status.
   */
  static boolean oversized(Throwable failure) {
    Status status = Status.fromThrowable(failure);
    return status.getCode() == Status.Code.RESOURCE_EXHAUSTED
        && String.valueOf(status.getDescription()).startsWith(OVERSIZED);
  }

  static String describe(Throwable failure) {
    Throwable cause = failure.getCause() instanceof StatusRuntimeException ? failure.getCause()
        : failure;
    if (cause instanceof StatusRuntimeException status) {
      return Outcomes.describe(status.getStatus());
    }
    return String.valueOf(failure.getMessage());
  }

  @Override
  public String toString() {
    return name + " (" + state + ")";
  }
}
