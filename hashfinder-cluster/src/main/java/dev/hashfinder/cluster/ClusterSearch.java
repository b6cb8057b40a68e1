package dev.hashfinder.cluster;

import static java.util.Objects.requireNonNull;

import com.google.common.math.LongMath;
import com.google.common.util.concurrent.MoreExecutors;
import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.DeadlineExceededException;
import dev.hashfinder.FinderBusyException;
import dev.hashfinder.FinderUnavailableException;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.MatchVerifier;
import dev.hashfinder.core.internal.Callbacks;
import dev.hashfinder.core.internal.ChunkPlan;
import dev.hashfinder.core.internal.Deadline;
import dev.hashfinder.core.internal.Formats;
import dev.hashfinder.core.internal.InOrderDelivery;
import dev.hashfinder.core.internal.UntrustedText;
import dev.hashfinder.grpc.HashFinderClient;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.PriorityQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * One search run on a cluster: deals its {@link ChunkPlan} out as ranges, one {@code Find} or
 * {@code FindRange} call each, and puts the answers back together in index order.
 *
 * <p>A range is sized from its backend's measured rate (about {@code rangeDuration} of work, a
 * small first one to measure), and each backend has up to {@code rangesPerBackend} in flight to
 * hide the round trip. A range that fails is given back to the plan from where it provably got to
 * (a ranged call's last match; otherwise its start) and dealt again, first. A hit at {@code i}
 * cancels every range above it. Ranged searches keep their out-of-order results in a window of
 * at most {@link #WINDOW_PER_RANGE_IN_FLIGHT} ranges per range in flight (at least 8), each with
 * at most {@link #MATCHES_PER_RANGE} matches, so memory
 * stays bounded whatever the listener's speed.
 *
 * <p>Nothing a backend says counts before it is checked: every match is proven ({@link
 * MatchVerifier}: the secret at its index, its digest, its distance), a ranged call's matches must
 * come in index order, inside the range, at most {@link #MATCHES_PER_RANGE} of them and nothing
 * after the ideal one. The first match that breaks a rule ends the call at once, so a range never
 * buffers more than that many. A backend that breaks one is {@linkplain ClusterBackend#distrust
 * dropped} and every range it holds in the search is dealt again, whole. What a backend says it
 * did not find is trusted: a range it reports exhausted is not examined again.
 *
 * <p>No event walks every backend: the backends that may take a range wait in a queue (a
 * backend joins it when the search starts, when one of its ranges ends, and when it starts
 * serving; one cooling down after a failure waits in a second queue, by when it may take work
 * again), and a backend's first deadline comes from the slowest measured rate, which the
 * membership keeps as rates change. What the search keeps grows with the backends and the
 * window, not with its length: a backend that left is let go once its ranges have ended.
 *
 * <p>Thread-safe: every event (a range's end, a backend's change, the clock's tick) runs on one
 * sequential executor, which owns the search's state; the listener is called there too.
 */
final class ClusterSearch<T> {
  private static final Logger logger = Logger.getLogger(ClusterSearch.class.getName());

  /**
   * A ranged search's window, in ranges for each a backend may have in flight. A range that
   * stalls holds the head of the window until its deadline, about four times a range's expected
   * time: the window holds what the other backends finish meanwhile (a range each half a second
   * of each of their two slots, plus those in flight), so that one silent backend does not stop
   * them all. Pieces without matches are a few dozen bytes.
   */
  static final int WINDOW_PER_RANGE_IN_FLIGHT = 6;

  /**
   * The CPU time the coordinator is allowed per range it deals (it takes a few microseconds): a
   * large cluster's first ranges are sized from it.
   */
  static final long DEALING_BUDGET_NANOS = 20_000;

  /** The most matches one range of a ranged search may stream before it is cut short. */
  static final int MATCHES_PER_RANGE = 1024;

  private final ClusterSettings settings;
  private final ClusterMembership membership;
  private final ClusterWork work;
  private final Query query;
  private final ResourceBudget budget;
  private final @Nullable MatchListener listener; // null for Find
  private final @Nullable InOrderDelivery delivery; // null for Find
  private final MatchVerifier verifier;
  private final ChunkPlan plan;
  final CompletableFuture<T> future = new CompletableFuture<>();
  /** Completes once every outstanding call of an ended search was cancelled. */
  final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final Executor events;
  private final ClusterRuntime runtime;
  private final long startNanos;
  private final Deadline deadline;

  // Owned by the events executor:
  private final Map<ChunkPlan.Range, Dealt> outstanding = new HashMap<>();
  private @Nullable Match best;
  private long stuckSinceNanos = -1;
  private @Nullable ScheduledFuture<?> ticker;
  private long redealt;
  private long ranges;
  private long dealtIndices;
  /** Every backend the search dealt to or may deal to, while it is in the cluster. */
  private final Map<ClusterBackend, Busy> busyByBackend = new HashMap<>();
  /** Backends that may take a range now, round robin: serving, with room, not cooling down. */
  private final ArrayDeque<ClusterBackend> takers = new ArrayDeque<>();
  /** Backends cooling down after a failure, by when they may take a range again. */
  private final PriorityQueue<Cooling> cooling = new PriorityQueue<>();
  private int serversDealtTo;
  private long busyNanosOfLeft; // the busy time of backends let go of
  private int mostOutstanding; // the most ranges in flight at once, for tests of memory

  /**
   * A search of {@code query}; {@code verifier} proves its matches: {@link
   * MatchVerifier#forFind} for a {@code find} (no listener), {@link MatchVerifier#forFindRange}
   * for a ranged one.
   */
  ClusterSearch(ClusterSettings settings, ClusterMembership membership,
      ClusterWork work, Query query, ResourceBudget budget,
      @Nullable MatchListener listener, MatchVerifier verifier) {
    this.settings = settings;
    this.membership = membership;
    this.work = work;
    this.query = query;
    this.budget = budget;
    this.listener = listener;
    this.verifier = verifier;
    this.plan = new ChunkPlan(query.firstIndex(), budget.maxHashes());
    this.delivery = listener == null ? null
        : new InOrderDelivery(query.firstIndex(), budget.maxMatches(), listener);
    this.events = MoreExecutors.newSequentialExecutor(membership.executor());
    this.runtime = membership.runtime();
    this.startNanos = runtime.nanoTime();
    this.deadline = Deadline.start(budget, startNanos);
  }

  /**
   * A range in flight on a backend, and the matches its call streamed so far. The call's thread
   * adds them; the events executor reads them once the call has ended.
   */
  private final class Dealt {
    final ChunkPlan.Range range;
    final ClusterBackend backend;
    final long startNanos = runtime.nanoTime();
    /** Cancelling it ends the call: a backend that breaks a rule is cut off at once. */
    final CancellationToken token = new CancellationToken();
    private final List<Match> matches = new ArrayList<>(); // guarded by this
    private boolean ideal; // the last match is ideal; guarded by this
    // The first rule the backend broke, or null; guarded by this.
    private @Nullable String violation;
    /** The backend's call; null until the backend took it. */
    @Nullable CompletableFuture<?> call;
    long timeoutNanos;
    boolean cancelledByUs;

    Dealt(ChunkPlan.Range range, ClusterBackend backend) {
      this.range = range;
      this.backend = backend;
    }

    /** Takes a streamed match if it breaks no rule; the first that does ends the call. */
    void take(Match match) {
      synchronized (this) {
        if (violation != null) {
          return;
        }
        violation = problemWith(match);
        if (violation == null) {
          matches.add(match);
          ideal = match.distance() <= query.idealDistance();
          return;
        }
      }
      token.cancel();
    }

    /** What is wrong with the next streamed match, or null if it counts. */
    private @Nullable String problemWith(Match match) {
      long index = match.index();
      Match last = matches.isEmpty() ? null : matches.get(matches.size() - 1);
      if (matches.size() >= MATCHES_PER_RANGE) {
        return "streamed more than the " + MATCHES_PER_RANGE + " matches it was asked for "
            + "(max_matches)";
      }
      if (index < range.start() || index >= range.end()) {
        return "streamed index " + index + " outside its range " + range;
      }
      if (last != null && index <= last.index()) {
        return "streamed index " + index + " after index " + last.index()
            + ", out of index order";
      }
      if (ideal && last != null) { // ideal: the last match, so there is one
        return "streamed on past its ideal match at index " + last.index();
      }
      return verifier.check(match).map(why -> "streamed a match that fails its proof: " + why)
          .orElse(null);
    }

    synchronized List<Match> matches() {
      return List.copyOf(matches);
    }

    synchronized boolean endsWithIdeal() {
      return ideal;
    }

    synchronized @Nullable String violation() {
      return violation;
    }
  }

  /** Starts dealing; cancelling the token or completing the future stops every range. */
  void start(CancellationToken token) {
    CancellationToken.Registration byToken = token.onCancel(() -> future.cancel(false));
    Callbacks.whenComplete(future, (result, failure) -> {
      byToken.close();
      try {
        events.execute(this::stopAll);
      } catch (RejectedExecutionException closing) {
        stopAll(); // the cluster is closing: its events have stopped, nothing else runs here
      }
    }, thrown -> logger.log(Level.SEVERE, "a search's ranges were not stopped", thrown));
    if (future.isDone()) {
      return;
    }
    events.execute(() -> {
      ticker = membership.scheduler().scheduleWithFixedDelay(
          () -> events.execute(this::pump), 100, 100, TimeUnit.MILLISECONDS);
      if (future.isDone()) {
        ticker.cancel(false);
      }
      for (ClusterBackend backend : membership.backends()) { // once a search, not once an event
        offer(backend);
      }
      pump();
    });
  }

  /**
   * {@code backend} may have started or stopped serving, or left: deal to it if it can take
   * work; or, if null, backends may have joined or left (one that joins is offered once it
   * serves).
   */
  void backendChanged(@Nullable ClusterBackend backend) {
    events.execute(() -> {
      if (backend != null) {
        offer(backend);
      }
      pump();
    });
  }

  /** A backend cooling down, and when it may take a range again. */
  private record Cooling(long untilNanos, ClusterBackend backend) implements Comparable<Cooling> {
    @Override
    public int compareTo(Cooling other) {
      return Long.compare(untilNanos - other.untilNanos, 0); // ticker values may overflow
    }
  }

  /**
   * Queues {@code backend} to take a range if it might: it serves and has room. One that left is
   * let go of once nothing of it is queued or in flight.
   */
  private void offer(ClusterBackend backend) {
    Busy busy = busyByBackend.get(backend);
    ClusterBackend.State state = backend.state();
    if (state == ClusterBackend.State.GONE) {
      if (busy != null) {
        letGoIfIdle(backend, busy);
      }
      return;
    }
    if (state != ClusterBackend.State.READY) {
      return; // it is offered again when it serves
    }
    if (busy == null) {
      busy = new Busy();
      busyByBackend.put(backend, busy);
    }
    if (!busy.queued && !busy.cooling && busy.time.inFlight() < settings.rangesPerBackend()) {
      busy.queued = true;
      takers.addLast(backend);
    }
  }

  /** Forgets a backend that left, once none of its ranges is in flight, keeping its busy time. */
  private void letGoIfIdle(ClusterBackend backend, Busy busy) {
    if (busy.time.inFlight() == 0 && !busy.queued && !busy.cooling) {
      busyNanosOfLeft += busy.time.totalNanos(runtime.nanoTime());
      busyByBackend.remove(backend);
    }
  }

  /** Queues again the backends whose cool-down is over. */
  private void wakeCooled(long now) {
    for (Cooling next = cooling.peek(); next != null && now - next.untilNanos() >= 0;
        next = cooling.peek()) {
      cooling.poll();
      Busy busy = busyByBackend.get(next.backend());
      if (busy != null) {
        busy.cooling = false;
        offer(next.backend());
      }
    }
  }

  private void stopAll() {
    if (ticker != null) {
      ticker.cancel(false);
    }
    for (Dealt dealt : outstanding.values()) {
      dealt.cancelledByUs = true;
      if (dealt.call != null) {
        dealt.call.cancel(false);
      }
    }
    logger.fine(this::summary);
    stopped.complete(null);
  }

  /** One line on how the search went: for operators, and for tuning the range duration. */
  private String summary() {
    long now = runtime.nanoTime();
    double seconds = (now - startNanos) / 1e9;
    long busy = busyNanosOfLeft;
    for (Busy b : busyByBackend.values()) {
      busy += b.time.totalNanos(now);
    }
    String outcome = future.isCancelled() ? "cancelled"
        : future.isCompletedExceptionally() ? "ended without an answer" : "answered";
    return String.format(Locale.ROOT, "cluster search desired_name=\"%s\" %s: %,d "
            + "indices in %.2f s on %d servers, %d ranges of %,d on average, %,d indices dealt "
            + "again, servers idle %.0f%%",
        UntrustedText.quote(query.target()), outcome, plan.examined(), seconds,
        serversDealtTo, ranges, ranges == 0 ? 0 : dealtIndices / ranges, redealt,
        serversDealtTo == 0 ? 0.0
            : 100.0 * (1 - busy / ((now - startNanos) * (double) serversDealtTo)));
  }

  /**
   * How many of this search's ranges a backend was dealt, how long it had one, and where it
   * waits to take the next.
   */
  private static final class Busy {
    int dealt;
    final BusyTime time = new BusyTime();
    boolean queued; // in takers
    boolean cooling; // in cooling
  }

  /** What the search holds now, to show that it is bounded by the window, not its length. */
  record Footprint(int outstanding, int mostOutstanding, int waitingToBeDelivered,
      int backendsKept, int queued, int cooling) {
  }

  /** {@return what the search holds now}; read on its events executor, or once it has stopped */
  Footprint footprint() {
    return new Footprint(outstanding.size(), mostOutstanding,
        delivery == null ? 0 : delivery.waiting(), busyByBackend.size(), takers.size(),
        cooling.size());
  }

  /**
   * Deals ranges to the backends that can take one, round robin, one range at a time, and ends
   * the search when it can. Its cost is that of the ranges it deals, plus one step for each
   * backend it finds it cannot deal to any more, which leaves the queue: never a walk of every
   * backend.
   */
  private void pump() {
    if (future.isDone()) {
      return;
    }
    long now = runtime.nanoTime();
    if (deadline.passed(now)) {
      future.completeExceptionally(deadline.exceeded(plan.examined()));
      return;
    }
    if (finishIfSettled()) {
      return;
    }
    wakeCooled(now);
    int backends = membership.backends().size();
    int window = Math.max(8, WINDOW_PER_RANGE_IN_FLIGHT * settings.rangesPerBackend() * backends);
    for (ClusterBackend backend = takers.peekFirst(); backend != null;
        backend = takers.peekFirst()) {
      Busy busy = requireNonNull(busyByBackend.get(backend), "busy"); // offer() put it there
      if (!backend.available(now) || busy.time.inFlight() >= settings.rangesPerBackend()) {
        takers.pollFirst();
        busy.queued = false;
        if (backend.state() == ClusterBackend.State.READY
            && busy.time.inFlight() < settings.rangesPerBackend()) {
          busy.cooling = true; // ready with room, so cooling down: it may deal again at the end
          cooling.add(new Cooling(backend.coolUntilNanos(), backend));
        } else if (backend.state() == ClusterBackend.State.GONE) {
          letGoIfIdle(backend, busy);
        } // else it is offered again when a range ends or it serves again
        continue;
      }
      // A ranged search with a full window deals only the range at its head (one given back
      // after a failure), which is what everything in the window waits for.
      long horizon = delivery != null && outstanding.size() + delivery.waiting() >= window
          ? LongMath.saturatedAdd(delivery.nextToEmit(), 1) : Long.MAX_VALUE;
      ChunkPlan.Range range = plan.claim(rangeSize(backend, backends), horizon);
      if (range == null) {
        break; // the backend stays at the head of the queue for the next range there is
      }
      takers.pollFirst();
      deal(range, backend, busy, now);
      if (busy.time.inFlight() < settings.rangesPerBackend()) {
        takers.addLast(backend);
      } else {
        busy.queued = false;
      }
    }
    checkStuck(now);
  }

  /**
   * About {@code rangeDuration} of the backend's work; small while it is unmeasured; and, as the
   * plan runs low, a share of what is left (guided self-scheduling), so that the backends finish
   * their last ranges together instead of one working alone through a last long range.
   */
  private long rangeSize(ClusterBackend backend, int backends) {
    long first = firstRange(backends);
    if (!backend.measured()) {
      return first;
    }
    double seconds = settings.rangeDuration().toNanos() / 1e9;
    // Each search starts small and grows fourfold a range, even on a measured backend: an
    // answer early in the index space then waits for a small range, not a second's worth.
    Busy here = busyByBackend.get(backend);
    long ramp = LongMath.saturatedMultiply(first,
        1L << Math.min(40, 2 * (here == null ? 0 : here.dealt)));
    long size = Math.min(ramp, (long) (backend.rate() * seconds));
    // The share never drops under a quarter of a range's work, where a range's round trip would
    // stop being noise: a front's every search is one range of its caller's, and would otherwise
    // end in a tail of tiny ranges each time.
    long share = Math.max(plan.undealt() / (2L * backends * settings.rangesPerBackend()),
        (long) (backend.rate() * seconds / 4));
    return Math.max(ClusterBackend.SMALLEST_MEASURED_RANGE, Math.min(Math.min(size, share), backend.largestRange()));
  }

  /**
   * The first range of a search on a backend: {@link ClusterBackend#FIRST_RANGE} indices, or, in
   * a cluster of thousands, what a backend examines at the rate assumed before it is measured
   * while the coordinator deals a range to every backend's every slot, at its budget of {@link
   * #DEALING_BUDGET_NANOS} a range. Smaller, a backend would sit idle through the start of a
   * search, waiting for the coordinator to come round to it again.
   */
  private long firstRange(int backends) {
    double dealingSeconds = DEALING_BUDGET_NANOS / 1e9 * backends * settings.rangesPerBackend();
    return Math.max(ClusterBackend.FIRST_RANGE,
        (long) (ClusterBackend.UNMEASURED_RATE * dealingSeconds));
  }

  /** How long a range may run before its backend counts as stalled. */
  private long rangeTimeoutNanos(ClusterBackend backend, ChunkPlan.Range range) {
    // A backend not measured yet is held to the slowest measured one: ten range durations would
    // let a backend that went silent before its first answer hold its ranges that long.
    double rate = backend.rate();
    boolean measured = backend.measured();
    if (!measured) {
      OptionalDouble slowest = membership.slowestMeasuredRate();
      if (slowest.isPresent()) {
        rate = slowest.getAsDouble();
        measured = true;
      }
    }
    // Never under half a second: a range's round trip and start cost a few milliseconds, and a
    // short range must not be taken for a stalled one.
    long floor = Math.max(TimeUnit.MILLISECONDS.toNanos(500), LongMath.saturatedMultiply(
        settings.rangeDuration().toNanos(), measured ? 3 : 10));
    long expected = (long) (range.length() / rate * 1e9); // a cast saturates
    long timeout = Math.max(floor, LongMath.saturatedMultiply(4, expected));
    return Math.max(1, deadline.nanosLeft(runtime.nanoTime(), timeout));
  }

  private void deal(ChunkPlan.Range range, ClusterBackend backend, Busy busy, long now) {
    Dealt dealt = new Dealt(range, backend);
    outstanding.put(range, dealt);
    mostOutstanding = Math.max(mostOutstanding, outstanding.size());
    backend.rangeStarted();
    if (busy.dealt++ == 0) {
      serversDealtTo++;
    }
    busy.time.started(now);
    ranges++;
    dealtIndices += range.length();
    stuckSinceNanos = -1;
    Query slice = query.startingAt(range.start());
    dealt.timeoutNanos = rangeTimeoutNanos(backend, range);
    ResourceBudget sliceBudget = ResourceBudget.ofHashes(range.length())
        .withTimeout(Duration.ofNanos(dealt.timeoutNanos));
    CompletableFuture<?> call = listener == null
        ? backend.finder.find(slice, sliceBudget, dealt.token)
        : backend.finder.findRange(slice, sliceBudget.withMaxMatches(MATCHES_PER_RANGE),
            dealt.token, dealt::take);
    dealt.call = call;
    // Handed to the events executor from the thread that completes the call, not with
    // whenCompleteAsync: the dependent future it makes wraps a failure in a new exception, whose
    // stack trace is then filled in on the completing thread, not on the one the events share.
    Callbacks.whenComplete(call,
        (result, failure) -> events.execute(() -> ended(dealt, result, failure)),
        thrown -> {
          if (!(thrown instanceof RejectedExecutionException)) { // else the cluster is closing
            logger.log(Level.SEVERE, "the end of a range was lost", thrown);
          }
        });
  }

  private void ended(Dealt dealt, @Nullable Object result, @Nullable Throwable failure) {
    dealt.backend.rangeEnded();
    // deal() put the backend's entry there, and it stays while the backend has a range.
    requireNonNull(busyByBackend.get(dealt.backend), "busy").time.ended(runtime.nanoTime());
    outstanding.remove(dealt.range, dealt); // a dropped backend's ranges left it already
    offer(dealt.backend); // it has room again, or it left and is let go of
    if (future.isDone() || dealt.cancelledByUs) {
      return;
    }
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    ChunkPlan.Range range = dealt.range;
    String violation = violation(dealt, result, cause);
    long elapsed = runtime.nanoTime() - dealt.startNanos;
    if (violation != null) {
      drop(dealt, violation);
    } else if (cause == null) {
      if (listener == null) {
        Match match = (Match) requireNonNull(result, "answer"); // a find succeeded
        finish(dealt, match.index() + 1, elapsed, List.of(), false); // below the range's end
        if (plan.hit(match.index())) {
          best = match;
          cancelAbove(match.index());
        }
      } else {
        List<Match> matches = dealt.matches();
        Match last = matches.get(matches.size() - 1);
        finish(dealt, last.index() + 1, elapsed, matches, true);
        if (plan.hit(last.index())) {
          cancelAbove(last.index());
        }
      }
    } else if (cause instanceof BudgetExhaustedException exhausted
        && exhausted.limit() == BudgetExhaustedException.Limit.HASHES) {
      long examined = Math.min(range.length(), exhausted.hashesExamined());
      if (examined < range.length()) {
        dealt.backend.recordLargestRange(examined);
      }
      finish(dealt, range.start() + examined, elapsed, dealt.matches(), false);
      plan.giveBack(range.start() + examined, range.end());
    } else if (cause instanceof BudgetExhaustedException) { // this range's share of matches
      List<Match> matches = dealt.matches();
      long stop = matches.get(matches.size() - 1).index() + 1;
      finish(dealt, stop, elapsed, matches, false);
      plan.giveBack(stop, range.end());
    } else if (cause instanceof IllegalArgumentException) { // the query: every backend says so
      fail(cause);
      return;
    } else if (cause instanceof CancellationException) {
      plan.giveBack(range.start(), range.end()); // not ours: the channel was closed under it
    } else {
      // Busy, gone, stalled past its deadline, broken: what it proved stays, the rest goes back.
      List<Match> matches = listener == null ? List.of() : dealt.matches();
      long stop = matches.isEmpty() ? range.start() : matches.get(matches.size() - 1).index() + 1;
      if (stop > range.start()) {
        finish(dealt, stop, 0, matches, false);
      }
      plan.giveBack(stop, range.end());
      redealt += range.end() - stop;
      work.redealt(range.end() - stop);
      String problem = cause instanceof DeadlineExceededException
          ? "stalled: range " + range + " not done within "
              + Formats.duration(Duration.ofNanos(dealt.timeoutNanos))
          : ClusterBackend.describe(cause);
      long now = runtime.nanoTime();
      dealt.backend.recordFailure(cause, problem, now);
      if (!(cause instanceof FinderBusyException)) {
        membership.backendFailed(dealt.backend);
      }
      boolean searchOver = deadline.passed(now);
      if (cause instanceof DeadlineExceededException && !searchOver) {
        dealt.backend.stalled(); // the range's own deadline, not the search's: it went silent
      }
    }
    emit();
    pump();
  }

  /**
   * The rule a backend broke in answering a range, or null if it broke none: what no hashfinder
   * server answers, for a reason none but a broken or hostile server has.
   *
   * @param result the call's result if it succeeded
   * @param cause why it failed, or null if it succeeded
   */
  private @Nullable String violation(
      Dealt dealt, @Nullable Object result, @Nullable Throwable cause) {
    String streamed = dealt.violation();
    if (streamed != null) {
      return streamed;
    }
    ChunkPlan.Range range = dealt.range;
    List<Match> matches = dealt.matches();
    if (cause == null && listener == null) {
      Match match = (Match) requireNonNull(result, "answer"); // a find succeeded
      if (match.index() < range.start() || match.index() >= range.end()) {
        return "answered index " + match.index() + " outside its range " + range;
      }
      return verifier.check(match).map(why -> "answered a match that fails its proof: " + why)
          .orElse(null);
    }
    if (cause == null) {
      return dealt.endsWithIdeal() ? null : "ended its stream without an ideal match";
    }
    if (ClusterBackend.oversized(cause)) {
      return "sent a message over the " + HashFinderClient.MAX_RESPONSE_SIZE + " bytes a "
          + "response may have";
    }
    if (cause instanceof IllegalArgumentException
        && !(cause.getCause() instanceof StatusRuntimeException)) {
      // Not a status the server sent, but a response that is no match (Wire.match refused it).
      return "sent a response that is not a match: "
          + UntrustedText.quote(String.valueOf(cause.getMessage()));
    }
    if (cause instanceof BudgetExhaustedException exhausted) {
      if (exhausted.limit() == BudgetExhaustedException.Limit.MATCHES) {
        return matches.isEmpty() ? "said it reached max_matches without streaming a match"
            : null;
      }
      if (exhausted.hashesExamined() < 1) {
        return "said its budget ran out before it examined an index";
      }
      long examinedEnd = range.start() + Math.min(range.length(), exhausted.hashesExamined());
      if (!matches.isEmpty() && matches.get(matches.size() - 1).index() >= examinedEnd) {
        return "streamed index " + matches.get(matches.size() - 1).index() + " beyond the "
            + exhausted.hashesExamined() + " indices it says it examined";
      }
    }
    return null;
  }

  /**
   * Drops a backend that broke a rule: every range it holds in this search is dealt again,
   * whole, and it takes no more work until it passes the probe again.
   */
  private void drop(Dealt caught, String why) {
    ClusterBackend backend = caught.backend;
    redeal(caught.range);
    for (Dealt other : List.copyOf(outstanding.values())) {
      if (other.backend == backend) {
        other.cancelledByUs = true;
        if (other.call != null) {
          other.call.cancel(false);
        }
        outstanding.remove(other.range, other);
        redeal(other.range);
      }
    }
    backend.distrust(why);
  }

  private void redeal(ChunkPlan.Range range) {
    plan.giveBack(range.start(), range.end());
    redealt += range.length();
    work.redealt(range.length());
  }

  /** Records {@code [range.start, stop)} as examined, with what it found. */
  private void finish(Dealt dealt, long stop, long elapsedNanos, List<Match> matches,
      boolean endsWithIdeal) {
    long start = dealt.range.start();
    if (stop <= start) {
      return;
    }
    plan.finished(start, stop);
    work.examined(stop - start);
    if (elapsedNanos > 0) {
      dealt.backend.recordRate(stop - start, elapsedNanos);
    }
    if (delivery != null) {
      delivery.put(start, new InOrderDelivery.Piece(stop, matches, endsWithIdeal));
    }
  }

  private void cancelAbove(long index) {
    for (Dealt dealt : List.copyOf(outstanding.values())) {
      if (dealt.range.start() > index) {
        dealt.cancelledByUs = true;
        if (dealt.call != null) {
          dealt.call.cancel(false);
        }
      }
    }
  }

  /** Delivers every consecutive piece of a ranged search that has come in. */
  private void emit() {
    if (delivery == null) {
      return; // a Find: no stream to deliver
    }
    try {
      if (delivery.deliverReady(future::isDone, plan::examined) == InOrderDelivery.Step.FOUND) {
        complete(null);
      }
    } catch (RuntimeException e) {
      fail(e); // over max_matches, or the listener's own failure
    }
  }

  /** Ends the search if its outcome is known. */
  private boolean finishIfSettled() {
    if (!plan.settled()) {
      return false;
    }
    if (listener == null && best != null) {
      complete(best);
    } else if (plan.bestHit() == Long.MAX_VALUE) {
      fail(new BudgetExhaustedException(BudgetExhaustedException.Limit.HASHES,
          budget.maxHashes(), plan.examined()));
    } else {
      return false; // a ranged search ends when its ideal match is delivered
    }
    return true;
  }

  /**
   * Fails the search if no backend has been able to take its work for the cluster's grace. With
   * nothing in flight, a backend that can take a range is in the queue (the pump just dealt to
   * every one there), so only a search that is stuck looks at every backend.
   */
  private void checkStuck(long now) {
    if (!outstanding.isEmpty() || future.isDone() || !takers.isEmpty()) {
      stuckSinceNanos = -1;
      return;
    }
    List<ClusterBackend> backends = membership.backends();
    boolean allRefuseUs = !backends.isEmpty()
        && backends.stream().allMatch(ClusterBackend::refusesUs);
    if (stuckSinceNanos < 0 && !allRefuseUs) {
      stuckSinceNanos = now;
      return;
    }
    if (!allRefuseUs && now - stuckSinceNanos < settings.unavailableGrace().toNanos()) {
      return; // a backend may come back; one that refuses our credentials will not
    }
    String problems = backends.isEmpty() ? "no backend resolved from " + settings.targets()
        : backends.stream().map(b -> b.name + ": " + b.lastProblem())
            .collect(Collectors.joining("; "));
    boolean allBusy = !backends.isEmpty()
        && backends.stream().allMatch(ClusterBackend::lastFailureWasBusy);
    fail(allBusy
        ? new FinderBusyException("every backend is busy: " + problems, null)
        : new FinderUnavailableException("no backend can take the search (" + plan.examined()
            + " hashes examined): " + problems, null));
  }

  @SuppressWarnings("unchecked")
  private void complete(@Nullable Object value) {
    future.complete((T) value);
  }

  private void fail(Throwable failure) {
    future.completeExceptionally(failure);
  }
}
