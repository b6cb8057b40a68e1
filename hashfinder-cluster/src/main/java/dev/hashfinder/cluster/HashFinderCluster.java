package dev.hashfinder.cluster;

import static com.google.common.base.Preconditions.checkArgument;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Splitter;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.FinderUnavailableException;
import dev.hashfinder.HashFinder;
import dev.hashfinder.InvalidQueryException;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashCounter;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.core.MatchVerifier;
import dev.hashfinder.core.internal.Callbacks;
import dev.hashfinder.grpc.HashFinderClient;
import dev.hashfinder.grpc.Readiness;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * A {@link HashFinder} that runs each search on many hashfinder servers at once: it deals the
 * search's indices out as ranges ({@code first_index} and {@code max_hashes} of the wire) and puts
 * the answers together exactly as one server would give them.
 *
 * <p>Built from a comma-separated list of {@code host:port} targets, or a {@code
 * dns:///name:port} target whose every address is a backend (a Kubernetes headless Service
 * answers with every pod), resolved by grpc-java's DNS resolver again when a backend fails and
 * every {@linkplain Builder#reresolveInterval re-resolve interval}. Each backend has a channel of
 * its own; it takes work once its health service says {@code SERVING} and a one-hash probe from
 * index 1 proved it is a hashfinder server that deals ranges (it sets each response's {@code
 * index} and honours {@code first_index}). A server that answers the probe without an index,
 * such as the reference server, or from index 0, is refused: {@link Builder#build()} fails
 * naming it.
 *
 * <p>What a search returns is exactly what one engine returns: {@code find} the lowest
 * qualifying index of the budget, {@code findRange} the same stream in the same order, the budget
 * counting each index once. Ranges are sized from each backend's measured rate, about {@linkplain
 * Builder#rangeDuration a second of work}; a backend that fails, disconnects or stalls past its
 * range's deadline loses the range, which is dealt again from where it provably got to. One that
 * stalls takes no more work until it answers a probe again; each channel pings its backend every
 * 10 seconds (an answer due within 5), so that a backend cut off without a word (a dead host, a
 * partitioned network) fails its health watch even while it holds no range. A search
 * that no backend could take for the {@linkplain Builder#unavailableGrace grace period} ends with
 * {@link dev.hashfinder.FinderUnavailableException}, naming each backend and its last problem.
 * Cancelling the future or the token, or its deadline, cancels every backend's call.
 *
 * <p>What a backend finds is proven before it counts: each match must be the secret at its index,
 * with that secret's digest and distance, recomputed here with the engine's own code ({@link
 * MatchVerifier}, one hash per match), so the cluster needs every digest its queries name (a
 * query naming one it lacks fails {@link InvalidQueryException}). A ranged call's matches must come
 * in index order, inside its range, no more than it asked for and nothing after the ideal one;
 * every message must fit {@link HashFinderClient#MAX_RESPONSE_SIZE}. A backend that breaks any of
 * these is dropped from the search with one WARNING naming it and why, its ranges are dealt again,
 * and it takes no work until it passes the probe again, after a wait that doubles with each drop
 * (10 seconds at first, at most 10 minutes). What a backend says it did <em>not</em> find is
 * trusted: one that claims a range holds no match hides it, which only TLS, tokens and backends
 * the operator controls prevent.
 *
 * <p>Thread-safe. {@link #close()} closes every channel and ends the searches still running.
 */
public final class HashFinderCluster implements HashFinder, HashCounter, Readiness, AutoCloseable {
  private static final Logger logger = Logger.getLogger(HashFinderCluster.class.getName());

  private final ClusterSettings settings;
  private final ClusterSearches searches = new ClusterSearches();
  private final ClusterMembership membership;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HashFinderCluster(ClusterSettings settings,
      Function<String, ManagedChannelBuilder<?>> channels, CallOptions callOptions) {
    this.settings = settings;
    this.membership =
        new ClusterMembership(settings, channels, callOptions, searches::backendChanged);
  }

  private HashFinderCluster(ClusterSettings settings, ClusterRuntime runtime,
      NameResolver.Factory resolvers, ClusterMembership.BackendOpener opener) {
    this.settings = settings;
    this.membership = new ClusterMembership(settings, runtime, resolvers, opener,
        searches::backendChanged);
  }

  /**
   * A cluster on {@code runtime}'s time and threads, whose backends {@code opener} opens (a
   * simulation's): it starts resolving its targets and returns at once, without waiting for
   * the backends' first verdicts, which come as the runtime runs.
   */
  static HashFinderCluster start(ClusterSettings settings, ClusterRuntime runtime,
      NameResolver.Factory resolvers, ClusterMembership.BackendOpener opener) {
    HashFinderCluster cluster = new HashFinderCluster(settings, runtime, resolvers, opener);
    cluster.membership.start();
    return cluster;
  }

  /**
   * {@return a builder for a cluster of the servers {@code targets} names}
   *
   * @param targets a comma-separated list of {@code host:port}, or of {@code dns:///name:port}
   *     targets each of whose addresses is a backend; with {@link Builder#channelBuilder}, any
   *     target it understands (such as in-process names)
   * @throws IllegalArgumentException if {@code targets} names no target
   */
  public static Builder newBuilder(String targets) {
    return new Builder(targets);
  }

  @Override
  public CompletableFuture<Match> find(Query query, ResourceBudget budget,
      CancellationToken token) {
    return start(query, budget, token, null);
  }

  @Override
  public CompletableFuture<Void> findRange(Query query, ResourceBudget budget,
      CancellationToken token, MatchListener listener) {
    return start(query, budget, token, requireNonNull(listener, "listener"));
  }

  private <T> CompletableFuture<T> start(Query query, ResourceBudget budget,
      CancellationToken token, @Nullable MatchListener listener) {
    requireNonNull(query, "query");
    requireNonNull(budget, "budget");
    requireNonNull(token, "token");
    MatchVerifier verifier;
    try {
      verifier = listener == null
          ? MatchVerifier.forFind(query) : MatchVerifier.forFindRange(query);
    } catch (InvalidQueryException e) { // no backend is asked what the cluster could not prove
      return CompletableFuture.failedFuture(e);
    }
    ClusterSearch<T> search = new ClusterSearch<>(settings, membership, searches, query,
        settings.budget().min(budget), listener, verifier);
    if (closed.get()) {
      search.future.completeExceptionally(new FinderUnavailableException(
          "the cluster is closed", null));
      return search.future;
    }
    // Registered until it has stopped, so that closing the cluster stops it.
    searches.register(search);
    Callbacks.whenComplete(search.stopped, (stopped, failure) -> searches.unregister(search),
        thrown -> logger.log(Level.SEVERE, "a stopped search stayed registered", thrown));
    search.start(token);
    return search.future;
  }

  /** {@return how many distinct indices the cluster's searches have examined so far} */
  @Override
  public long hashesExamined() {
    return searches.examined();
  }

  /** {@return how many backends take work now: serving, and proved to be hashfinder servers} */
  public int readyBackends() {
    return membership.readyBackends();
  }

  /** {@return how many backends are examining a range now} */
  public int busyBackends() {
    return membership.busyBackends();
  }

  /** {@return how many backends the targets name or resolve to now, whatever their state} */
  public int knownBackends() {
    return membership.backends().size();
  }

  /** {@return the budget every search is held to, whatever it asks for} */
  public ResourceBudget budget() {
    return settings.budget();
  }

  /**
   * Stops every search (each backend's call is cancelled), closes every channel and the
   * cluster's threads, waiting up to about three seconds for the cancellations to go out.
   * Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<CompletableFuture<Void>> stopping = new ArrayList<>();
    for (ClusterSearch<?> search : searches.running()) {
      search.future.completeExceptionally(new FinderUnavailableException(
          "the cluster was closed", null));
      stopping.add(search.stopped);
    }
    try {
      // A search cancelled on another thread a moment ago may not have queued its stop yet:
      // wait for every search to have cancelled its calls before the events stop.
      CompletableFuture.allOf(stopping.toArray(CompletableFuture[]::new)).get(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      logger.log(Level.FINE, "searches still stopping at close", e);
    }
    membership.close();
  }

  @Override
  public String toString() {
    return "HashFinderCluster{targets=" + settings.targets() + ", backends=" + membership + "}";
  }

  /** {@return the backends now, whatever their state} */
  List<ClusterBackend> backends() {
    return membership.backends();
  }

  /** {@return the searches running now} */
  Set<ClusterSearch<?>> runningSearches() {
    return searches.running();
  }

  /** Indices dealt again after a backend failed them, over every search so far. */
  long redealtIndices() {
    return searches.redealt();
  }

  /**
   * {@return whether a backend takes work now: {@link #readyBackends()} is above 0} A server in
   * front of the cluster reports its health from it.
   */
  @Override
  public boolean isReady() {
    return membership.anyReady();
  }

  /**
   * Runs {@code listener} now and whenever a backend may have joined, left, started or stopped
   * serving: a front server's health follows {@link #isReady()}.
   */
  @Override
  public void onReadinessChange(Runnable listener) {
    membership.onReadinessChange(listener);
  }

  /**
   * Configures and starts a {@link HashFinderCluster}. Not thread-safe; {@link #build()} once.
   */
  public static final class Builder {
    private final String targets;
    private final List<String> parsed;
    private ResourceBudget budget = ResourceBudget.ofHashes(HashFinderEngine.DEFAULT_MAX_HASHES);
    private Duration rangeDuration = Duration.ofSeconds(1);
    private int rangesPerBackend = 2;
    private Duration unavailableGrace = Duration.ofSeconds(10);
    private Duration startTimeout = Duration.ofSeconds(10);
    private Duration reresolveInterval = Duration.ofSeconds(30);
    private Duration firstDropWait = Duration.ofSeconds(10);
    private ChannelCredentials channelCredentials = InsecureChannelCredentials.create();
    private @Nullable CallCredentials callCredentials;
    private @Nullable Function<String, ManagedChannelBuilder<?>> channels;

    private Builder(String targets) {
      this.targets = requireNonNull(targets, "targets");
      this.parsed = List.copyOf(
          Splitter.on(',').trimResults().omitEmptyStrings().splitToList(targets));
      checkArgument(!parsed.isEmpty(), "no cluster target in \"%s\"", targets);
    }

    /**
     * The budget every search is held to; a search's own budget may only lower it. Default:
     * {@link HashFinderEngine#DEFAULT_MAX_HASHES} hashes, as an engine's; a cluster exists for
     * larger searches, so raise it.
     *
     * @param budget the cluster's budget
     * @return this builder
     */
    public Builder budget(ResourceBudget budget) {
      this.budget = requireNonNull(budget, "budget");
      return this;
    }

    /**
     * How long one range should take a backend (default: one second): long enough that a
     * range's round trip is noise, short enough that a failure loses little and a hit stops the
     * others soon. A backend's range times out after three times this, or four times its
     * expected time if longer, and never under half a second. A backend's first range, before
     * its rate is measured, is held to the slowest measured backend's rate, or to ten times this
     * while none is measured. As the budget runs low, ranges shrink to a share of what is left,
     * so that the backends finish together.
     *
     * @param rangeDuration the aim for one range; positive
     * @return this builder
     */
    public Builder rangeDuration(Duration rangeDuration) {
      requireNonNull(rangeDuration, "rangeDuration");
      checkArgument(!rangeDuration.isNegative() && !rangeDuration.isZero(),
          "rangeDuration must be positive: %s", rangeDuration);
      this.rangeDuration = rangeDuration;
      return this;
    }

    /**
     * How many ranges of one search each backend may have at once (default: 2), so that the next
     * one runs while the last one's answer travels back. Each counts against the backend's
     * per-client share.
     *
     * @param rangesPerBackend at least 1
     * @return this builder
     */
    public Builder rangesPerBackend(int rangesPerBackend) {
      checkArgument(rangesPerBackend >= 1, "rangesPerBackend < 1: %s", rangesPerBackend);
      this.rangesPerBackend = rangesPerBackend;
      return this;
    }

    /**
     * How long a search waits while no backend can take its work (all failed, not serving or
     * busy) before it ends {@code UNAVAILABLE} (or busy). Default: 10 seconds.
     *
     * @param grace not negative
     * @return this builder
     */
    public Builder unavailableGrace(Duration grace) {
      requireNonNull(grace, "grace");
      checkArgument(!grace.isNegative(), "unavailableGrace is negative: %s", grace);
      this.unavailableGrace = grace;
      return this;
    }

    /**
     * How long {@link #build()} waits for each backend's first answer (default: 10 seconds);
     * backends not heard from by then join when they answer.
     *
     * @param startTimeout not negative
     * @return this builder
     */
    public Builder startTimeout(Duration startTimeout) {
      requireNonNull(startTimeout, "startTimeout");
      checkArgument(!startTimeout.isNegative(), "startTimeout is negative: %s", startTimeout);
      this.startTimeout = startTimeout;
      return this;
    }

    /**
     * How often {@code dns:///} targets are resolved again (default: 30 seconds), besides after
     * every backend failure.
     *
     * @param interval positive
     * @return this builder
     */
    public Builder reresolveInterval(Duration interval) {
      requireNonNull(interval, "interval");
      checkArgument(!interval.isNegative() && !interval.isZero(),
          "reresolveInterval must be positive: %s", interval);
      this.reresolveInterval = interval;
      return this;
    }

    /**
     * How long a backend dropped for the first time waits before its next probe (default: 10
     * seconds); each drop after doubles it, up to {@link ClusterBackend#MAX_DROP_WAIT}. Tests set
     * it short to watch a dropped backend come back.
     */
    Builder firstDropWait(Duration wait) {
      requireNonNull(wait, "wait");
      checkArgument(!wait.isNegative(), "firstDropWait is negative: %s", wait);
      this.firstDropWait = wait;
      return this;
    }

    /**
     * The transport security of every backend's channel, such as {@code
     * TlsChannelCredentials.create()}. Default: plaintext.
     *
     * @param credentials the channel credentials
     * @return this builder
     */
    public Builder channelCredentials(ChannelCredentials credentials) {
      this.channelCredentials = requireNonNull(credentials, "credentials");
      return this;
    }

    /**
     * Credentials sent with every call, such as {@link dev.hashfinder.grpc.BearerTokenCredentials}.
     *
     * @param credentials the call credentials
     * @return this builder
     */
    public Builder callCredentials(CallCredentials credentials) {
      this.callCredentials = requireNonNull(credentials, "credentials");
      return this;
    }

    /**
     * How to open a backend's channel, given its target ({@code host:port}, a resolved {@code
     * ip:port}, or whatever the targets named), instead of {@code Grpc.newChannelBuilder(target,
     * channelCredentials)}: for in-process servers in tests, or a channel's own settings. The
     * cluster caps the channel's inbound messages at {@link HashFinderClient#MAX_RESPONSE_SIZE}
     * and sets its keepalive pings whatever the builder says.
     *
     * @param channels makes a channel builder for a target; the cluster builds and owns it
     * @return this builder
     */
    public Builder channelBuilder(Function<String, ManagedChannelBuilder<?>> channels) {
      this.channels = requireNonNull(channels, "channels");
      return this;
    }

    /**
     * Opens a channel to every backend, starts watching their health and probing them, and
     * waits up to the start timeout for their first answers.
     *
     * @return the cluster; backends that were not reached yet join when they answer
     * @throws IllegalStateException if a backend answered but is not a hashfinder server
     * @throws IllegalArgumentException if a {@code dns:} target cannot be parsed
     */
    public HashFinderCluster build() {
      ClusterSettings settings = new ClusterSettings(targets, parsed, budget, rangeDuration,
          rangesPerBackend, unavailableGrace, startTimeout, reresolveInterval, firstDropWait);
      ChannelCredentials credentials = channelCredentials;
      HashFinderCluster cluster = new HashFinderCluster(settings,
          channels != null ? channels : target -> Grpc.newChannelBuilder(target, credentials),
          callCredentials == null ? CallOptions.DEFAULT
              : CallOptions.DEFAULT.withCallCredentials(callCredentials));
      try {
        cluster.membership.start();
        cluster.membership.awaitFirstVerdicts(startTimeout);
      } catch (RuntimeException e) {
        cluster.close();
        throw e;
      }
      return cluster;
    }
  }
}
