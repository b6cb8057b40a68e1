package dev.hashfinder.cluster;

import static com.google.common.base.Preconditions.checkState;

import com.google.common.util.concurrent.MoreExecutors;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.HashFinder;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * A cluster of simulated backends in virtual time: the real coordinator ({@link
 * HashFinderCluster}, its searches, its membership resolving a DNS name) on a {@link VirtualTime}
 * clock and thread, and {@link SimulatedBackend}s of rates spread tenfold, some of which die,
 * stall, join or leave as the simulation says. It runs searches and measures them: how busy the
 * backends were, how long the ramp took, the coordinator's CPU time per range and per event, and
 * what a search held.
 *
 * <p>Not thread-safe: one thread runs it.
 */
final class ClusterSimulation implements AutoCloseable {
  /** The slowest backend's rate; the fastest is ten times this. */
  static final double SLOWEST_RATE = 1_000_000;
  /** How long a message takes across the network, one way. */
  static final long ONE_WAY_NANOS = 250_000;
  /**
   * What a call costs a backend besides its hashing (the call, a search set up and torn down):
   * about what two real servers on two cores measured, 4 to 8 ms.
   */
  static final long PER_CALL_NANOS = 4_000_000;
  /**
   * What each range dealt costs the cluster's one thread, in virtual time: the target's bound on
   * its CPU time per range, so that the ramp includes the time it takes to deal to every backend
   * (the real CPU time is measured apart).
   */
  static final long COORDINATOR_NANOS_PER_RANGE = ClusterSearch.DEALING_BUDGET_NANOS;
  /** How old the DNS answer may be before a refresh resolves the name again. */
  static final Duration DNS_TTL = Duration.ofSeconds(5);
  private static final String TARGET = "dns:///simulated.cluster:50051";
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  final VirtualTime time;
  final SimulatedResolution dns;
  final HashFinderCluster cluster;
  final Random random;
  private final HashFinder engine;
  private final boolean hashesEverything;
  private final Map<String, Life> byName = new HashMap<>();
  private final List<Life> lives = new ArrayList<>();
  private int nextAddress;

  /** A backend and when it could work: from its joining the DNS name to its end. */
  static final class Life {
    final SimulatedBackend backend;
    final InetSocketAddress address;
    final long from;
    long until = Long.MAX_VALUE; // died, stalled, or let go of by the cluster

    Life(SimulatedBackend backend, InetSocketAddress address, long from) {
      this.backend = backend;
      this.address = address;
      this.from = from;
    }

    long liveNanos(long start, long end) {
      return Math.max(0, Math.min(end, until) - Math.max(start, from));
    }
  }

  /**
   * A cluster of {@code backends} simulated backends, every one serving once this returns.
   *
   * @param engine answers the backends' probes, and every call if {@code hashesEverything}
   * @param measureCpu whether to measure the coordinator's CPU time per event
   */
  ClusterSimulation(int backends, long seed, HashFinder engine, boolean hashesEverything,
      boolean measureCpu) {
    this.random = new Random(seed);
    this.engine = engine;
    this.hashesEverything = hashesEverything;
    this.time = new VirtualTime(measureCpu);
    this.dns = new SimulatedResolution(time, DNS_TTL.toNanos());
    for (int i = 0; i < backends; i++) {
      join();
    }
    ClusterSettings settings = new ClusterSettings(TARGET, List.of(TARGET),
        ResourceBudget.unlimited(), Duration.ofSeconds(1), 2, Duration.ofSeconds(10),
        Duration.ofSeconds(10), DNS_TTL, Duration.ofSeconds(10));
    this.cluster = HashFinderCluster.start(settings,
        new ClusterRuntime(time.ticker(), time, MoreExecutors.listeningDecorator(time)), dns,
        (target, authority, runtime, rates, onChange) -> {
          Life life = byName.get(target);
          checkState(life != null, "no simulated backend at %s", target);
          return new ClusterBackend(target, life.backend, null, () -> {
            life.until = Math.min(life.until, time.now());
            life.backend.close();
          }, runtime, rates, settings.firstDropWait(), onChange);
        });
    time.runUntil(() -> false, time.now() + Duration.ofSeconds(1).toNanos());
    checkState(cluster.readyBackends() == backends, "%s of %s backends ready",
        cluster.readyBackends(), backends);
  }

  /** A new backend, of a random rate, in the DNS name's answer from now on. */
  Life join() {
    int n = nextAddress++;
    InetSocketAddress address;
    try {
      address = new InetSocketAddress(InetAddress.getByAddress(
          new byte[] {10, (byte) (n >> 16), (byte) (n >> 8), (byte) n}), 50051);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
    String name = "10." + ((n >> 16) & 255) + "." + ((n >> 8) & 255) + "." + (n & 255) + ":50051";
    double rate = SLOWEST_RATE * Math.pow(10, random.nextDouble());
    SimulatedBackend backend = new SimulatedBackend(name, rate, time, engine, hashesEverything,
        ONE_WAY_NANOS, PER_CALL_NANOS, COORDINATOR_NANOS_PER_RANGE, dead -> {
          Life life = byName.get(dead.name);
          if (life != null) {
            life.until = Math.min(life.until, time.now());
            // Its pod is replaced: the dead address leaves the name a little later.
            time.world(Duration.ofSeconds(10).toNanos(), () -> dns.remove(life.address));
          }
        });
    Life life = new Life(backend, address, time.now());
    byName.put(name, life);
    lives.add(life);
    dns.add(address);
    return life;
  }

  /** The backends now in the DNS name's answer or once in it, in the order they joined. */
  List<Life> lives() {
    return lives;
  }

  /** {@code life}'s backend leaves the DNS name's answer: the cluster lets it go when it sees. */
  void leave(Life life) {
    dns.remove(life.address);
  }

  /** {@code life}'s backend meets {@code fate} at virtual {@code atNanos}. */
  void fate(Life life, SimulatedBackend.Fate fate, long atNanos) {
    life.backend.fate(fate, atNanos);
    if (fate == SimulatedBackend.Fate.STALLS) {
      time.world(atNanos - time.now(), () -> life.until = Math.min(life.until, time.now()));
    }
  }

  /** How one search ran, in virtual time and in the coordinator's real CPU time. */
  record Run(int backends, long budget, double nominalSeconds, double seconds, double rampSeconds,
      double busyAfterRamp, long ranges, long redealt, long coordinatorEvents,
      long coordinatorCpuNanos, ClusterSearch.Footprint most, @Nullable Object result,
      @Nullable Throwable failure, long resolutions) {
    double rampShare() {
      return rampSeconds / seconds;
    }

    double cpuMicrosPerRange() {
      return coordinatorCpuNanos / 1e3 / ranges;
    }

    double cpuMicrosPerEvent() {
      return coordinatorCpuNanos / 1e3 / coordinatorEvents;
    }

    String figures() {
      return String.format(Locale.ROOT, "%,d backends: %,d indices (%.0f s of the cluster's "
              + "work) in %.2f virtual s; ramp %.3f s (%.2f %%); busy %.2f %% after it; "
              + "%,d ranges, %,d indices dealt again; coordinator %.1f us CPU per range, %.2f us per event "
              + "(%,d events); most held: %s; DNS resolved %d times",
          backends, budget, nominalSeconds, seconds, rampSeconds, 100 * rampShare(),
          100 * busyAfterRamp, ranges, redealt, cpuMicrosPerRange(), cpuMicrosPerEvent(),
          coordinatorEvents, most, resolutions);
    }
  }

  /**
   * Runs one search of about {@code seconds} of the whole cluster's work, for a target no index
   * matches, while 1 % of the backends die mid-search, 0.5 % stall for good, 2 % join and 2 %
   * leave, at random times.
   *
   * @param ranged a {@code findRange} (its answers go through the window) instead of a {@code find}
   */
  Run longSearch(double seconds, boolean ranged) {
    long start = time.now();
    long nominal = (long) (seconds * 1e9);
    List<Life> initial = List.copyOf(lives);
    int n = initial.size();
    double rates = 0;
    for (Life life : initial) {
      rates += life.backend.rate;
    }
    long budget = (long) (rates * seconds);
    List<Life> shuffled = new ArrayList<>(initial);
    Collections.shuffle(shuffled, random);
    int dying = Math.max(1, Math.round(n * 0.01f));
    int stalling = Math.max(1, Math.round(n * 0.005f));
    int leaving = Math.max(1, Math.round(n * 0.02f));
    int joining = Math.max(1, Math.round(n * 0.02f));
    int next = 0;
    for (int i = 0; i < dying; i++) {
      fate(shuffled.get(next++), SimulatedBackend.Fate.DIES, start + between(0.1, 0.8, nominal));
    }
    for (int i = 0; i < stalling; i++) {
      fate(shuffled.get(next++), SimulatedBackend.Fate.STALLS,
          start + between(0.1, 0.8, nominal));
    }
    for (int i = 0; i < leaving; i++) {
      Life life = shuffled.get(next++);
      time.world(between(0.1, 0.8, nominal), () -> leave(life));
    }
    for (int i = 0; i < joining; i++) {
      time.world(between(0.05, 0.7, nominal), this::join);
    }

    Query query = Query.of("simulatedSearchNoMatch", 0);
    CancellationToken token = new CancellationToken();
    ResourceBudget searchBudget = ResourceBudget.ofHashes(budget);
    long cpuBefore = time.coordinatorCpuNanos();
    long eventsBefore = time.coordinatorEvents();
    long[] end = {-1};
    MatchListener none = match -> { };
    CompletableFuture<?> future = ranged
        ? cluster.findRange(query.withInterestingDistance(0), searchBudget, token, none)
        : cluster.find(query, searchBudget, token);
    future.whenComplete((r, e) -> end[0] = time.now());
    ClusterSearch<?> search = cluster.runningSearches().iterator().next();
    int[] most = new int[6];
    sample(search, most, future);
    time.runUntil(future::isDone, start + 20 * nominal);
    checkState(future.isDone(), "the search did not end in %s virtual seconds", 20 * seconds);
    long cpu = time.coordinatorCpuNanos() - cpuBefore;
    long events = time.coordinatorEvents() - eventsBefore;
    time.runUntil(() -> cluster.runningSearches().isEmpty(), time.now() + nominal);
    Object result = null;
    Throwable failure = null;
    try {
      result = future.join();
    } catch (CompletionException | CancellationException e) {
      failure = e.getCause() != null ? e.getCause() : e;
    }

    long stop = end[0];
    long ranges = 0;
    for (Life life : lives) {
      ranges += life.backend.ranges();
    }
    long rampEnd = ramp(start, stop, nominal);
    long live = 0;
    long examining = 0;
    for (Life life : lives) {
      live += life.liveNanos(rampEnd, stop);
      examining += life.backend.examiningNanos(rampEnd, stop);
    }
    double busyAfter = live == 0 ? 0 : (double) examining / live;
    return new Run(n, budget, seconds, (stop - start) / 1e9, (rampEnd - start) / 1e9, busyAfter,
        ranges, cluster.redealtIndices(), events, cpu,
        new ClusterSearch.Footprint(most[0], most[1], most[2], most[3], most[4], most[5]),
        result, failure, dns.resolutions());
  }

  /** Samples what the search holds every virtual 100 ms, keeping the most of each. */
  private void sample(ClusterSearch<?> search, int[] most, CompletableFuture<?> future) {
    ClusterSearch.Footprint now = search.footprint();
    int[] values = {now.outstanding(), now.mostOutstanding(), now.waitingToBeDelivered(),
        now.backendsKept(), now.queued(), now.cooling()};
    for (int i = 0; i < values.length; i++) {
      most[i] = Math.max(most[i], values[i]);
    }
    if (!future.isDone()) {
      time.world(100_000_000, () -> sample(search, most, future));
    }
  }

  /**
   * The end of the ramp: the start of the first stretch of a thousandth of the search's nominal
   * length in which the backends that could work examined indices 95 % of the time.
   */
  private long ramp(long start, long stop, long nominal) {
    long width = Math.max(1, nominal / 1000);
    int count = (int) Math.min(100_000, (stop - start + width - 1) / width);
    double[] busy = new double[count];
    for (Life life : lives) {
      life.backend.addExamining(start, width, busy);
    }
    for (int k = 0; k < count; k++) {
      long from = start + k * width;
      long to = Math.min(stop, from + width);
      long live = 0;
      for (Life life : lives) {
        live += life.liveNanos(from, to);
      }
      if (live > 0 && busy[k] >= 0.95 * live) {
        return from;
      }
    }
    return stop;
  }

  private long between(double from, double to, long nominal) {
    return (long) ((from + (to - from) * random.nextDouble()) * nominal);
  }

  /** The CPU time of a {@link ThreadMXBean} reading, which each measured event pays twice. */
  static double cpuReadingNanos() {
    int reads = 100_000;
    long before = THREADS.getCurrentThreadCpuTime();
    for (int i = 0; i < reads; i++) {
      THREADS.getCurrentThreadCpuTime();
    }
    return (THREADS.getCurrentThreadCpuTime() - before) / (double) reads;
  }

  /** Runs {@code search} on the cluster in virtual time until it ends. */
  <T> CompletableFuture<T> run(CompletableFuture<T> search, Duration limit) {
    time.runUntil(search::isDone, time.now() + limit.toNanos());
    checkState(search.isDone(), "the search did not end within %s of virtual time", limit);
    return search;
  }

  @Override
  public void close() {
    cluster.close();
  }

  /** {@return the match a one-engine search answered, for messages} */
  static String describe(@Nullable Object result) {
    return result instanceof Match match ? "found " + match.index() : String.valueOf(result);
  }
}
