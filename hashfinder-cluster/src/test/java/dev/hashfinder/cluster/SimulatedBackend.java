package dev.hashfinder.cluster;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.DeadlineExceededException;
import dev.hashfinder.FinderUnavailableException;
import dev.hashfinder.HashFinder;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A hashfinder server in virtual time: it examines {@code rate} indices a second, one call after
 * another in the order they arrive, each call costing {@code perCallNanos} before its first
 * index, and each message taking {@code oneWayNanos} across the network. It hashes nothing unless
 * given an engine: without one it answers what a target no index matches gets (its budget
 * exhausted, every index examined), which is the truth for the long searches' targets; calls of
 * a few indices (the cluster's probe) are always answered by the engine.
 *
 * <p>Its fate: it {@linkplain Fate#DIES dies} at a virtual time (the call it is examining and
 * every later one fail {@code UNAVAILABLE}, with the matches it streamed before), or {@linkplain
 * Fate#STALLS stalls} for good (no call completes again until its deadline or cancellation), or
 * neither. A call's deadline (its budget's timeout) is the client's: it fails the call {@code
 * DEADLINE_EXCEEDED}, as a gRPC client does. Closing it (the cluster let it go) fails its calls
 * {@code UNAVAILABLE}, as a channel shut down does.
 *
 * <p>It records when it was examining indices, for the simulation's figures.
 *
 * <p>Not thread-safe: the simulation's one thread runs it.
 */
final class SimulatedBackend implements HashFinder {
  /** Calls of at most this many indices are answered by the engine, whatever the mode. */
  static final long ALWAYS_HASHED = 16;

  /** What becomes of a backend. */
  enum Fate {
    HEALTHY,
    /** Dies at its fate's time: its calls fail UNAVAILABLE from then on. */
    DIES,
    /** Stalls for good at its fate's time: no call of it completes again. */
    STALLS
  }

  final String name;
  final double rate;
  private final VirtualTime time;
  private final HashFinder engine;
  private final boolean hashesEverything;
  private final long oneWayNanos;
  private final long perCallNanos;
  private final long coordinatorNanosPerRange;
  private final Consumer<SimulatedBackend> onDeath;

  private Fate fate = Fate.HEALTHY;
  private boolean dead;
  private boolean stalled;
  private boolean closed;
  private final ArrayDeque<Call> queue = new ArrayDeque<>();
  private @Nullable Call running;
  private long[] examining = new long[8]; // [start, end) pairs of virtual nanoseconds
  private int spans;
  private long calls;
  private long ranges;

  /**
   * @param engine answers calls of a few indices, and every call if {@code hashesEverything}
   * @param coordinatorNanosPerRange what each range dealt to it costs the cluster's thread: the
   *     call leaves once the thread has done it
   * @param onDeath runs when it dies
   */
  SimulatedBackend(String name, double rate, VirtualTime time, HashFinder engine,
      boolean hashesEverything, long oneWayNanos, long perCallNanos,
      long coordinatorNanosPerRange, Consumer<SimulatedBackend> onDeath) {
    this.name = name;
    this.rate = rate;
    this.time = time;
    this.engine = engine;
    this.hashesEverything = hashesEverything;
    this.oneWayNanos = oneWayNanos;
    this.perCallNanos = perCallNanos;
    this.coordinatorNanosPerRange = coordinatorNanosPerRange;
    this.onDeath = onDeath;
  }

  /** Meets {@code fate} at virtual {@code atNanos}. */
  void fate(Fate fate, long atNanos) {
    this.fate = fate;
    time.world(atNanos - time.now(), () -> {
      if (fate == Fate.DIES) {
        die();
      } else if (fate == Fate.STALLS) {
        stall();
      }
    });
  }

  Fate fate() {
    return fate;
  }

  /** {@return whether it still examines indices: not dead, not stalled} */
  boolean alive() {
    return !dead && !stalled;
  }

  /** {@return the calls it received, probes included} */
  long calls() {
    return calls;
  }

  /** {@return the calls of more than {@link #ALWAYS_HASHED} indices it received: ranges} */
  long ranges() {
    return ranges;
  }

  /** {@return the virtual nanoseconds it spent examining indices within {@code [from, to)}} */
  long examiningNanos(long from, long to) {
    long sum = 0;
    for (int i = 0; i < spans; i++) {
      long start = Math.max(from, examining[2 * i]);
      long end = Math.min(to, examining[2 * i + 1]);
      sum += Math.max(0, end - start);
    }
    return sum;
  }

  /** Adds its examining time within each bucket of {@code width} nanoseconds from {@code from}. */
  void addExamining(long from, long width, double[] buckets) {
    for (int i = 0; i < spans; i++) {
      long start = examining[2 * i] - from;
      long end = examining[2 * i + 1] - from;
      for (long b = Math.max(0, start / width); b < buckets.length && b * width < end; b++) {
        long lo = Math.max(start, b * width);
        long hi = Math.min(end, (b + 1) * width);
        if (hi > lo) {
          buckets[(int) b] += hi - lo;
        }
      }
    }
  }

  private void recordExamining(long start, long end) {
    if (end <= start) {
      return;
    }
    if (2 * spans + 2 > examining.length) {
      examining = Arrays.copyOf(examining, examining.length * 2);
    }
    examining[2 * spans] = start;
    examining[2 * spans + 1] = end;
    spans++;
  }

  @Override
  public CompletableFuture<Match> find(Query query, ResourceBudget budget,
      CancellationToken token) {
    CompletableFuture<Match> future = new CompletableFuture<>();
    call(new Call(query, budget, token, null, future));
    return future;
  }

  @Override
  public CompletableFuture<Void> findRange(Query query, ResourceBudget budget,
      CancellationToken token, MatchListener listener) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    call(new Call(query, budget, token, listener, future));
    return future;
  }

  /** One call: what it asks, and where it stands. */
  private final class Call {
    final Query query;
    final ResourceBudget budget;
    final @Nullable MatchListener listener;
    final CompletableFuture<?> future;
    boolean over; // answered, failed or cancelled
    @Nullable ScheduledFuture<?> deadline;
    @Nullable ScheduledFuture<?> completion;
    long examiningFrom; // when it started examining, once running
    /** What the engine answered: its matches, and its result or failure. */
    List<Match> matches = List.of();
    @Nullable Object result;
    @Nullable Throwable failure;
    long examined;

    Call(Query query, ResourceBudget budget, CancellationToken token,
        @Nullable MatchListener listener, CompletableFuture<?> future) {
      this.query = query;
      this.budget = budget;
      this.listener = listener;
      this.future = future;
      token.onCancel(() -> time.world(0, () -> cancelled(this)));
      future.whenComplete((r, e) -> {
        if (future.isCancelled()) {
          cancelled(this);
        }
      });
    }
  }

  private void call(Call call) {
    calls++;
    long sent = 0; // when the call leaves the cluster, from now
    if (call.budget.maxHashes() > ALWAYS_HASHED) {
      ranges++;
      sent = time.chargeCoordinator(coordinatorNanosPerRange);
    }
    long leaves = sent;
    call.budget.timeout().ifPresent(timeout -> call.deadline = time.world(
        leaves + timeout.toNanos(),
        () -> {
          if (!call.over) {
            stop(call);
            call.future.completeExceptionally(new DeadlineExceededException(
                "deadline exceeded after " + timeout, 0));
          }
        }));
    if (closed) {
      fail(call, "the channel is shut down");
      return;
    }
    time.world(leaves + oneWayNanos, () -> arrive(call));
  }

  private void arrive(Call call) {
    if (call.over) {
      return;
    }
    if (dead) {
      answerLater(call, () -> fail(call, "connection refused"));
      return;
    }
    queue.addLast(call);
    startNext();
  }

  private void startNext() {
    while (running == null && !stalled && !dead && !queue.isEmpty()) {
      Call call = queue.pollFirst();
      if (call.over) {
        continue;
      }
      running = call;
      answer(call);
      call.examiningFrom = time.now() + perCallNanos;
      long doneAt = call.examiningFrom + (long) Math.ceil(call.examined * 1e9 / rate);
      call.completion = time.world(doneAt - time.now(), () -> finished(call));
    }
  }

  /** Works out the call's answer: the engine's, or that no index in its range matches. */
  private void answer(Call call) {
    long hashes = call.budget.maxHashes();
    if (!hashesEverything && hashes > ALWAYS_HASHED) {
      call.examined = hashes;
      call.failure = new BudgetExhaustedException(BudgetExhaustedException.Limit.HASHES,
          hashes, hashes);
      return;
    }
    ResourceBudget untimed = ResourceBudget.ofHashes(hashes)
        .withMaxMatches(call.budget.maxMatches());
    List<Match> streamed = new ArrayList<>();
    CompletableFuture<?> engineCall = call.listener == null
        ? engine.find(call.query, untimed, new CancellationToken())
        : engine.findRange(call.query, untimed, new CancellationToken(), streamed::add);
    try {
      call.result = engineCall.join();
      Match last = call.result instanceof Match match ? match
          : streamed.get(streamed.size() - 1);
      call.examined = last.index() - call.query.firstIndex() + 1;
    } catch (CompletionException e) {
      call.failure = e.getCause();
      call.examined = e.getCause() instanceof BudgetExhaustedException exhausted
          ? exhausted.hashesExamined() : 0;
    }
    call.matches = List.copyOf(streamed);
  }

  private void finished(Call call) {
    running = null;
    recordExamining(call.examiningFrom, time.now());
    answerLater(call, () -> deliver(call, Long.MAX_VALUE, null));
    startNext();
  }

  /** Streams the call's matches below {@code below}, then ends it, or fails it with {@code why}. */
  @SuppressWarnings("unchecked")
  private void deliver(Call call, long below, @Nullable String why) {
    if (call.over) {
      return;
    }
    if (call.listener != null) {
      for (Match match : call.matches) {
        if (match.index() < below) {
          call.listener.onMatch(match);
        }
      }
    }
    if (call.over) {
      return; // the listener's cluster cut the call off
    }
    call.over = true;
    cancelTimers(call);
    if (why != null) {
      call.future.completeExceptionally(new FinderUnavailableException(name + ": " + why, null));
    } else if (call.failure != null) {
      call.future.completeExceptionally(call.failure);
    } else {
      ((CompletableFuture<Object>) call.future).complete(call.result);
    }
  }

  private void answerLater(Call call, Runnable answer) {
    time.world(oneWayNanos, answer);
  }

  private void fail(Call call, String why) {
    if (!call.over) {
      call.over = true;
      cancelTimers(call);
      call.future.completeExceptionally(new FinderUnavailableException(name + ": " + why, null));
    }
  }

  private static void cancelTimers(Call call) {
    if (call.deadline != null) {
      call.deadline.cancel(false);
    }
    if (call.completion != null) {
      call.completion.cancel(false);
    }
  }

  /** The client gave up on the call: the server stops examining it. */
  private void cancelled(Call call) {
    if (!call.over) {
      call.over = true;
      cancelTimers(call);
    }
    stop(call);
  }

  private void stop(Call call) {
    call.over = true;
    cancelTimers(call);
    if (running == call) {
      running = null;
      if (!stalled && !dead) {
        recordExamining(call.examiningFrom, time.now());
      }
      startNext();
    } else {
      queue.remove(call);
    }
  }

  private void die() {
    dead = true;
    Call call = running;
    running = null;
    if (call != null && !stalled) {
      recordExamining(call.examiningFrom, time.now());
      // What it examined before it died was streamed; the rest of its matches never come.
      long reached = call.query.firstIndex()
          + (long) ((time.now() - call.examiningFrom) * rate / 1e9);
      answerLater(call, () -> deliver(call, reached, "connection reset"));
    }
    for (Call queued : queue) {
      answerLater(queued, () -> fail(queued, "connection reset"));
    }
    queue.clear();
    onDeath.accept(this);
  }

  private void stall() {
    stalled = true;
    Call call = running;
    if (call != null) {
      if (call.completion != null) {
        call.completion.cancel(false);
      }
      recordExamining(call.examiningFrom, Math.max(call.examiningFrom, time.now()));
    }
  }

  /** The cluster let it go: its calls fail as a channel shut down fails them. */
  void close() {
    closed = true;
    Call call = running;
    running = null;
    if (call != null && !stalled && !dead) {
      recordExamining(call.examiningFrom, Math.max(call.examiningFrom, time.now()));
    }
    if (call != null) {
      fail(call, "the channel is shut down");
    }
    for (Call queued : List.copyOf(queue)) {
      fail(queued, "the channel is shut down");
    }
    queue.clear();
  }
}
