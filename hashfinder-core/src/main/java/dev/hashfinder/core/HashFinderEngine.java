package dev.hashfinder.core;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.FinderUnavailableException;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.HashFinder;
import dev.hashfinder.InvalidQueryException;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.internal.Callbacks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The local search engine: runs each search on a number of worker threads, under a budget, and
 * stops it within milliseconds when cancelled.
 *
 * <pre>{@code
 * try (HashFinderEngine engine = HashFinderEngine.newBuilder()
 *     .budget(ResourceBudget.ofHashes(10_000_000))
 *     .build()) {
 *   Match match = engine.find(Query.of("grpc", 0)).join();
 * }
 * }</pre>
 *
 * <p>Answers do not depend on the number of threads: {@code find} returns the lowest-index
 * qualifying secret, and {@code findRange} streams exactly what a single thread would.
 *
 * <p>Thread-safe: one engine serves any number of concurrent searches.
 */
public final class HashFinderEngine implements HashFinder, HashCounter, AutoCloseable {
  private static final System.Logger logger = System.getLogger(HashFinderEngine.class.getName());

  private final int threads;
  private final Executor executor;
  // Null when the caller supplied the executor.
  private final @Nullable ExecutorService ownedExecutor;
  private final ResourceBudget budget;
  // Null: anything HashAlgorithms.lookup finds.
  private final @Nullable Map<String, HashAlgorithm> allowed;
  private final LongSupplier ticker;
  private final int rangeWindow;
  private final long rangeWaitSliceNanos;
  private final boolean nativeKernel;

  private final CancellationToken closing = new CancellationToken();
  private final AtomicInteger activeSearches = new AtomicInteger();
  private final LongAdder hashesExamined = new LongAdder();

  /**
   * The most candidates a search may examine on an engine whose builder was given no budget:
   * seconds of two cores (docs/PERFORMANCE.md has the rates). A search for an unreachable target
   * then ends instead of running for ever; {@code budget(ResourceBudget.unlimited())} asks for no
   * limit by name.
   */
  public static final long DEFAULT_MAX_HASHES = 100_000_000L;

  private HashFinderEngine(Builder builder) {
    this.threads = builder.threads != null
        ? builder.threads : Runtime.getRuntime().availableProcessors();
    if (builder.executor != null) {
      this.executor = builder.executor;
      this.ownedExecutor = null;
    } else {
      this.ownedExecutor = Executors.newCachedThreadPool(
          new ThreadFactoryBuilder().setNameFormat("hashfinder-worker-%d").setDaemon(true).build());
      this.executor = ownedExecutor;
    }
    this.budget = builder.budget != null
        ? builder.budget : ResourceBudget.ofHashes(DEFAULT_MAX_HASHES);
    this.allowed = builder.algorithms;
    this.ticker = builder.ticker != null ? builder.ticker : System::nanoTime;
    this.rangeWindow = 2 * threads;
    this.rangeWaitSliceNanos = builder.waitSlice != null
        ? builder.waitSlice.toNanos() : RangeSearch.WAIT_SLICE_NANOS;
    this.nativeKernel = builder.nativeKernel;
  }

  /**
   * Which path this engine's searches with a digest take, for start lines and reports. The JDK's
   * SHA-1, SHA-256, MD5 and SHA-512 run on the native kernel where it is in use: the default
   * where the jar carries it, the CPU has what the digest's copy needs (SHA-NI for SHA-1 and
   * SHA-256, AVX2 or AVX-512 for all four), it passed its known-answer test and it is faster
   * than the Java path on this CPU. The path then reads {@code "native (SHA-NI, 4 messages at
   * once, AVX-512 filter)"} or {@code "native (AVX-512, 32 lanes at once)"}. Every other digest,
   * and these where the kernel is not in use, run in Java: {@code "Java (direct compression;
   * native kernel off: -Dhashfinder.native=false)"} and the like, how Java hashes and why the
   * kernel does not run. {@code -Dhashfinder.native=false} turns the kernel off for the JVM,
   * {@link Builder#nativeKernel(boolean)} for one engine. Both paths give the same answers.
   *
   * @param algorithm the name of a digest this engine offers, in any case
   * @return the path and why
   * @throws IllegalArgumentException if this engine offers no digest of that name
   */
  public String searchPath(String algorithm) {
    HashAlgorithm digest = algorithm(algorithm).orElseThrow(
        () -> new IllegalArgumentException("no digest called " + algorithm));
    return NativeKernel.describe(digest, nativeKernel);
  }

  /** {@return a builder with every setting at its default} */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * An engine with the default settings: all cores, a budget of {@link #DEFAULT_MAX_HASHES}
   * candidates a search, any digest {@link HashAlgorithms#lookup} finds.
   *
   * @return the engine
   */
  public static HashFinderEngine create() {
    return newBuilder().build();
  }

  @Override
  public CompletableFuture<Match> find(
      Query query, ResourceBudget budget, CancellationToken token) {
    return start(query, budget, token, (algorithm, future) -> new FindSearch(
        query, algorithm, nativeKernel, this.budget.min(budget), ticker, hashesExamined, future));
  }

  @Override
  public CompletableFuture<Void> findRange(
      Query query, ResourceBudget budget, CancellationToken token, MatchListener listener) {
    requireNonNull(listener, "listener");
    return start(query, budget, token, (algorithm, future) -> new RangeSearch(query, algorithm,
        nativeKernel, this.budget.min(budget), ticker, hashesExamined, future, listener, rangeWindow,
        rangeWaitSliceNanos));
  }

  /**
   * Checks the arguments, makes the search for the query's digest and starts it; a query that does
   * not fit this engine, or a closed engine, fails the returned future instead.
   */
  private <T> CompletableFuture<T> start(Query query, ResourceBudget budget,
      CancellationToken token,
      BiFunction<HashAlgorithm, CompletableFuture<T>, Search<T>> newSearch) {
    requireNonNull(query, "query");
    requireNonNull(budget, "budget");
    requireNonNull(token, "token");
    CompletableFuture<T> future = new CompletableFuture<>();
    try {
      HashAlgorithm algorithm = QueryRules.resolve(query, this::algorithm, this::algorithmNames);
      launch(newSearch.apply(algorithm, future), token);
    } catch (InvalidQueryException | FinderUnavailableException e) {
      future.completeExceptionally(e);
    }
    return future;
  }

  /** Ties the search to its token and to this engine's closing, and starts its workers. */
  private void launch(Search<?> search, CancellationToken token) {
    if (closing.isCancelled()) {
      throw new FinderUnavailableException("engine is closed", null);
    }
    activeSearches.incrementAndGet();
    CancellationToken.Registration byCaller = token.onCancel(search::cancel);
    CancellationToken.Registration byEngine = closing.onCancel(() ->
        search.stop(new FinderUnavailableException("engine closed during the search", null)));
    // Whoever completes the future stops the workers: cancel(), whatever mayInterruptIfRunning
    // says, but also complete, completeExceptionally and orTimeout. When the search completed
    // it itself, its workers have left already and this does nothing.
    Callbacks.whenComplete(search.future, (result, failure) -> search.cancel(),
        thrown -> logger.log(System.Logger.Level.ERROR, "a search did not stop its workers", thrown));
    search.launch(executor, threads, () -> {
      byCaller.close();
      byEngine.close();
      activeSearches.decrementAndGet();
    });
  }

  /**
   * The digest a query may name, ignoring case: from the engine's allow-list if it has one, else
   * any {@link HashAlgorithms#lookup} finds.
   *
   * @param name the digest's name, in any case
   * @return the digest, or empty if queries may not name it
   */
  public Optional<HashAlgorithm> algorithm(String name) {
    requireNonNull(name, "name");
    if (allowed != null) {
      return Optional.ofNullable(allowed.get(name.toLowerCase(Locale.ROOT)));
    }
    return HashAlgorithms.lookup(name);
  }

  /** {@return the names of the digests queries may use, sorted} */
  public SortedSet<String> algorithmNames() {
    if (allowed == null) {
      return HashAlgorithms.availableNames();
    }
    SortedSet<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    allowed.values().forEach(algorithm -> names.add(algorithm.name()));
    return Collections.unmodifiableSortedSet(names);
  }

  /** {@return worker threads per search} */
  public int threads() {
    return threads;
  }

  /** {@return the engine's own budget, which every search's budget is capped by} */
  public ResourceBudget budget() {
    return budget;
  }

  /** {@return searches whose workers have not all finished yet, cancelled ones included} */
  public int activeSearches() {
    return activeSearches.get();
  }

  /** {@return candidates examined by every search of this engine so far} */
  @Override
  public long hashesExamined() {
    return hashesExamined.sum();
  }

  /**
   * Stops every running search and refuses new ones, both with {@link
   * dev.hashfinder.FinderUnavailableException}; shuts down the engine's own executor, not one the
   * builder was given. Does not wait: {@link #activeSearches()} reaches 0 within milliseconds.
   * Closing again does nothing.
   */
  @Override
  public void close() {
    closing.cancel();
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }

  @Override
  public String toString() {
    return "HashFinderEngine{threads=" + threads + ", budget=" + budget
        + ", activeSearches=" + activeSearches() + "}";
  }

  /**
   * Configures a {@link HashFinderEngine}. Each setting may be given once; giving it again is an
   * {@link IllegalStateException}. Not thread-safe.
   */
  public static final class Builder {
    private @Nullable Integer threads;
    private @Nullable Executor executor;
    private @Nullable ResourceBudget budget;
    private @Nullable Map<String, HashAlgorithm> algorithms;
    private @Nullable LongSupplier ticker;
    private @Nullable Duration waitSlice;
    private boolean nativeKernel = true;

    private Builder() {}

    /**
     * Worker threads per search; by default, the available processors.
     *
     * @param threads worker threads per search; at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public Builder threads(int threads) {
      checkUnset(this.threads, "threads");
      checkArgument(threads >= 1, "threads < 1: %s", threads);
      this.threads = threads;
      return this;
    }

    /**
     * Runs the workers on this executor instead of the engine's own cached pool of daemon threads.
     * It must be able to run {@code threads} tasks of one search at once.
     *
     * @param executor runs the workers
     * @return this builder
     */
    public Builder executor(Executor executor) {
      checkUnset(this.executor, "executor");
      this.executor = requireNonNull(executor, "executor");
      return this;
    }

    /**
     * The engine's budget: the most any search may use. By default, {@link
     * HashFinderEngine#DEFAULT_MAX_HASHES}
     * candidates; {@link ResourceBudget#unlimited()} lifts every limit.
     *
     * @param budget the most any search may use
     * @return this builder
     */
    public Builder budget(ResourceBudget budget) {
      checkUnset(this.budget, "budget");
      this.budget = requireNonNull(budget, "budget");
      return this;
    }

    /**
     * The only digests queries may name (an allow-list). By default, any digest {@link
     * HashAlgorithms#lookup} finds.
     *
     * @param algorithms the digests queries may name
     * @return this builder
     * @throws IllegalArgumentException if the list is empty or two digests share a name
     */
    public Builder algorithms(Collection<? extends HashAlgorithm> algorithms) {
      checkUnset(this.algorithms, "algorithms");
      requireNonNull(algorithms, "algorithms");
      checkArgument(!algorithms.isEmpty(), "algorithms is empty");
      Map<String, HashAlgorithm> byName = new TreeMap<>();
      List<HashAlgorithm> copy = new ArrayList<>(algorithms);
      for (HashAlgorithm algorithm : copy) {
        String key = requireNonNull(algorithm, "algorithm").name().toLowerCase(Locale.ROOT);
        HashAlgorithm earlier = byName.putIfAbsent(key, algorithm);
        checkArgument(earlier == null, "algorithms: two named %s", algorithm.name());
      }
      this.algorithms = byName;
      return this;
    }

    /**
     * {@link #algorithms(Collection)} for a few digests.
     *
     * @param algorithms the digests queries may name
     * @return this builder
     */
    public Builder algorithms(HashAlgorithm... algorithms) {
      return algorithms(List.of(algorithms));
    }

    /**
     * The time source for budget timeouts, in nanoseconds like {@link System#nanoTime()}, which
     * is the default. Tests pass a fake one.
     *
     * @param ticker nanoseconds, as {@link System#nanoTime()} counts them
     * @return this builder
     */
    public Builder ticker(LongSupplier ticker) {
      checkUnset(this.ticker, "ticker");
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Whether this engine's searches may run on the native kernel where it is available (see
     * {@link HashFinderEngine#searchPath(String)}); the default is yes. With {@code false} they
     * run on the Java path, with the same answers, as a benchmark comparing the two needs.
     *
     * @param use whether to use the native kernel
     * @return this builder
     */
    public Builder nativeKernel(boolean use) {
      this.nativeKernel = use;
      return this;
    }

    /**
     * How long a ranged search's parked worker sleeps between looks at the deadline; tests set it
     * long to prove that progress and cancellation wake workers by signal, not by the clock.
     */
    Builder waitSlice(Duration waitSlice) {
      checkUnset(this.waitSlice, "waitSlice");
      this.waitSlice = requireNonNull(waitSlice, "waitSlice");
      return this;
    }

    private static void checkUnset(@Nullable Object current, String name) {
      checkState(current == null, "%s was already set to %s", name, current);
    }

    /** {@return an engine with these settings} */
    public HashFinderEngine build() {
      return new HashFinderEngine(this);
    }
  }
}
