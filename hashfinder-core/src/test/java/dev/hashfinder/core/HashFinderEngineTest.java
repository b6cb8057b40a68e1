package dev.hashfinder.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.DeadlineExceededException;
import dev.hashfinder.Digester;
import dev.hashfinder.FinderFailedException;
import dev.hashfinder.FinderUnavailableException;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.ServiceConfigurationError;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HashFinderEngineTest {
  private static final Query UNREACHABLE = HashFinderContract.UNREACHABLE;

  private final AtomicReference<Throwable> uncaught = new AtomicReference<>();
  private final List<Thread> workers = new CopyOnWriteArrayList<>();
  private final ThreadPoolExecutor executor = new ThreadPoolExecutor(0, 64, 1, TimeUnit.SECONDS,
      new SynchronousQueue<>(), runnable -> {
        Thread thread = new Thread(runnable, "engine-test-worker");
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, e) -> uncaught.set(e));
        workers.add(thread);
        return thread;
      });

  @AfterEach
  void workersAreFreeAndNothingWasThrown() throws InterruptedException {
    await().atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(executor.getActiveCount()).isZero());
    executor.shutdown();
    assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    assertThat(uncaught.get()).isNull();
  }

  private HashFinderEngine engine(int threads) {
    return HashFinderEngine.newBuilder().threads(threads).executor(executor).build();
  }

  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void find_isTheSequentialAnswer_atAnyThreadCount(int threads) throws Exception {
    Random random = new Random(threads);
    try (HashFinderEngine engine = engine(threads)) {
      for (int round = 0; round < 12; round++) {
        Query query = randomQuery(random);
        long budget = 1 + random.nextInt(60_000);
        Optional<Match> expected = ReferenceModel.find(query, budget);

        CompletableFuture<Match> future =
            engine.find(query, ResourceBudget.ofHashes(budget), new CancellationToken());

        if (expected.isPresent()) {
          assertThat(future.get(30, TimeUnit.SECONDS)).as("%s in %d", query, budget)
              .isEqualTo(expected.get());
        } else {
          assertThat(HashFinderContract.failure(future))
              .isInstanceOfSatisfying(BudgetExhaustedException.class,
                  e -> assertThat(e.hashesExamined()).isEqualTo(budget));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void findRange_isTheSequentialStream_atAnyThreadCount(int threads) throws Exception {
    Random random = new Random(100 + threads);
    try (HashFinderEngine engine = engine(threads)) {
      for (int round = 0; round < 8; round++) {
        Query query = randomQuery(random).withInterestingDistance(random.nextInt(3));
        long budget = 1 + random.nextInt(60_000);
        List<Match> streamed = Collections.synchronizedList(new ArrayList<>());

        CompletableFuture<Void> done = engine.findRange(
            query, ResourceBudget.ofHashes(budget), new CancellationToken(), streamed::add);
        try {
          done.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(BudgetExhaustedException.class);
        }

        assertThat(streamed).as("%s in %d", query, budget)
            .containsExactlyElementsOf(ReferenceModel.findRange(query, budget));
      }
    }
  }

  @Test
  void budgetBoundary_anAnswerAtTheLastIndexIsFound_andNotOneBeyond() throws Exception {
    Query query = Query.of("doc", 0); // answer at index 448
    try (HashFinderEngine engine = engine(4)) {
      assertThat(engine.find(query, ResourceBudget.ofHashes(449), new CancellationToken())
          .get(10, TimeUnit.SECONDS).index()).isEqualTo(448);
      assertThat(HashFinderContract.failure(
          engine.find(query, ResourceBudget.ofHashes(448), new CancellationToken())))
          .isInstanceOfSatisfying(BudgetExhaustedException.class,
              e -> assertThat(e.hashesExamined()).isEqualTo(448));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.hashfinder.core.IndexDraws#nearTheTop")
  void nearTheEndOfTheIndexSpace_bothPathsExamineUpToItsEnd_andFreeEveryWorker(
      IndexDraws.Draw draw) throws Exception {
    Query query = Query.of(draw.target(), 0).withAlgorithm(draw.algorithm())
        .startingAt(draw.first());
    for (boolean kernel : new boolean[] {true, false}) {
      try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(3).executor(executor)
          .budget(ResourceBudget.unlimited()).nativeKernel(kernel).build()) {
        Throwable find = HashFinderContract.failure(
            engine.find(query, draw.budget(), new CancellationToken()));
        Throwable findRange = HashFinderContract.failure(
            engine.findRange(query, draw.budget(), new CancellationToken(), match -> { }));

        for (Throwable failure : List.of(find, findRange)) {
          assertThat(failure).as("%s, kernel %s", draw, kernel)
              .isInstanceOfSatisfying(BudgetExhaustedException.class,
                  e -> assertThat(e.hashesExamined()).isEqualTo(draw.examined()));
        }
        assertThat(engine.activeSearches()).isZero();
        assertThat(engine.hashesExamined()).isEqualTo(2 * draw.examined());
        await().atMost(Duration.ofSeconds(5))
            .untilAsserted(() -> assertThat(executor.getActiveCount()).isZero());
      }
    }
  }

  @Test
  void cancelFromAnotherThread_freesEveryWorker() throws Exception {
    try (HashFinderEngine engine = engine(4)) {
      CompletableFuture<Match> future = engine.find(UNREACHABLE);
      await().until(() -> executor.getActiveCount() == 4 && engine.hashesExamined() > 0);

      Thread canceller = new Thread(() -> future.cancel(false));
      canceller.start();
      canceller.join();

      await().atMost(Duration.ofSeconds(2)).until(() -> executor.getActiveCount() == 0);
      assertThat(engine.activeSearches()).isZero();
    }
  }

  @Test
  void aBlockedListener_holdsTheSearchBack_andCancellingReleasesIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    CancellationToken token = new CancellationToken();
    token.onCancel(release::countDown); // a listener that blocks must wake on cancellation
    try (HashFinderEngine engine = engine(2)) {
      CompletableFuture<Void> done = engine.findRange(
          UNREACHABLE.withInterestingDistance(10), ResourceBudget.unlimited(), token,
          blockingListener(entered, release));
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      // The other worker parks at the look-ahead window instead of hashing on.
      await().atMost(Duration.ofSeconds(10)).until(() -> workers.stream()
          .filter(Thread::isAlive)
          .filter(t -> t.getState() == Thread.State.WAITING
              || t.getState() == Thread.State.TIMED_WAITING)
          .count() == 2);
      // Exactly the look-ahead window: chunks [0, 2 x threads) and not one more.
      assertThat(engine.hashesExamined()).isEqualTo(
          (long) 2 * engine.threads() * Search.CHUNK_SIZE);

      token.cancel();

      assertThat(HashFinderContract.failure(done)).isInstanceOf(CancellationException.class);
      await().until(() -> engine.activeSearches() == 0);
    }
  }

  @Test
  void aTimeoutBudget_followsTheInjectedTicker() throws Exception {
    AtomicLong now = new AtomicLong();
    try (HashFinderEngine engine = HashFinderEngine.newBuilder()
        .threads(2).executor(executor).ticker(now::get).build()) {
      CompletableFuture<Match> future = engine.find(UNREACHABLE,
          ResourceBudget.unlimited().withTimeout(Duration.ofHours(1)), new CancellationToken());
      await().until(() -> engine.hashesExamined() > 100_000);
      assertThat(future).isNotDone();

      now.addAndGet(Duration.ofHours(1).toNanos());

      assertThat(HashFinderContract.failure(future))
          .isInstanceOf(DeadlineExceededException.class);
    }
  }

  @Test
  void aListenerThatThrows_failsTheSearchWithItsException() throws Exception {
    try (HashFinderEngine engine = engine(2)) {
      CompletableFuture<Void> done = engine.findRange(UNREACHABLE.withInterestingDistance(10),
          match -> {
            throw new IllegalStateException("listener broke");
          });

      assertThat(HashFinderContract.failure(done)).hasMessage("listener broke");
    }
  }

  @Test
  void close_cancelsRunningSearches_andRefusesNewOnes() throws Exception {
    HashFinderEngine engine = engine(2);
    CompletableFuture<Match> running = engine.find(UNREACHABLE);
    await().until(() -> engine.hashesExamined() > 0);

    engine.close();

    assertThat(HashFinderContract.failure(running)).isInstanceOf(FinderUnavailableException.class)
        .hasMessage("engine closed during the search");
    assertThat(HashFinderContract.failure(engine.find(Query.of("aa", 0))))
        .isInstanceOf(FinderUnavailableException.class).hasMessage("engine is closed");
    await().until(() -> engine.activeSearches() == 0);
  }

  @Test
  void aUsersOwnDigest_isSearchedLikeAnyOther() throws Exception {
    // A toy digest: the secret's bytes, reversed and padded to 6 bytes.
    HashAlgorithm reversed = algorithm("REVERSED", 6, () -> (input, length, output) -> {
      java.util.Arrays.fill(output, (byte) 0);
      for (int i = 0; i < length; i++) {
        output[i] = input[length - 1 - i];
      }
    });
    try (HashFinderEngine engine = HashFinderEngine.newBuilder()
        .threads(2).executor(executor).algorithms(reversed).build()) {
      // Secret 01 02 hashes to 02 01 00 00 00 00, whose text is "AgEAAAAA".
      Match match = engine.find(Query.of("AgEA", 0).withAlgorithm("reversed"))
          .get(10, TimeUnit.SECONDS);

      assertThat(match.secret()).containsExactly(1, 2);
      assertThat(match.hashText()).isEqualTo("AgEAAAAA");
      assertThat(HashFinderContract.failure(engine.find(Query.of("aa", 0))))
          .hasMessageContaining("algorithm").hasMessageContaining("available: REVERSED");
    }
  }

  @Test
  void aParkedRangedSearch_isWokenByProgressAndCancellation_notByTheClock() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());
    // A parked worker would sleep an hour between looks: only a signal can wake it in time.
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(2).executor(executor)
        .waitSlice(Duration.ofHours(1)).build()) {
      Query query = Query.of("grpc", 0).withInterestingDistance(1);
      CompletableFuture<Void> done = engine.findRange(query, ResourceBudget.unlimited(),
          new CancellationToken(), match -> {
            streamed.add(match);
            blockingListener(entered, release).onMatch(match);
          });
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      await().until(() -> engine.hashesExamined() == 4L * Search.CHUNK_SIZE);

      release.countDown(); // progress: the parked worker must go on

      done.get(20, TimeUnit.SECONDS);
      assertThat(streamed).isEqualTo(ReferenceModel.findRange(query, 67_088));

      CancellationToken token = new CancellationToken();
      CountDownLatch blocked = new CountDownLatch(1);
      CountDownLatch unblock = new CountDownLatch(1);
      token.onCancel(unblock::countDown); // frees the emitter; the parked worker needs a signal
      long before = engine.hashesExamined();
      engine.findRange(UNREACHABLE.withInterestingDistance(10), ResourceBudget.unlimited(), token,
          blockingListener(blocked, unblock));
      assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
      await().until(() -> engine.hashesExamined() - before == 4L * Search.CHUNK_SIZE);

      token.cancel(); // cancellation: the parked worker must leave

      await().atMost(Duration.ofSeconds(10)).until(() -> engine.activeSearches() == 0);
    }
  }

  @Test
  void aFinishedSearch_leavesNothingRegisteredOnItsTokenOrTheEngine() throws Exception {
    CancellationToken token = new CancellationToken();
    try (HashFinderEngine engine = engine(2)) {
      for (int i = 0; i < 3; i++) {
        engine.find(Query.of("aa", 0), ResourceBudget.unlimited(), token).get(10, SECONDS);
        HashFinderContract.failure(engine.find(UNREACHABLE, ResourceBudget.ofHashes(100), token));
      }
      await().until(() -> engine.activeSearches() == 0);

      assertThat(registrations(token)).as("callbacks left on the caller's token").isZero();
      java.lang.reflect.Field closing = HashFinderEngine.class.getDeclaredField("closing");
      closing.setAccessible(true);
      assertThat(registrations((CancellationToken) closing.get(engine)))
          .as("callbacks left on the engine's closing token").isZero();
    }
  }

  private static int registrations(CancellationToken token) throws ReflectiveOperationException {
    java.lang.reflect.Field callbacks = CancellationToken.class.getDeclaredField("callbacks");
    callbacks.setAccessible(true);
    return ((java.util.Collection<?>) callbacks.get(token)).size();
  }

  @Test
  void close_shutsDownTheEnginesOwnThreads() throws Exception {
    java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
    HashFinderEngine engine = HashFinderEngine.newBuilder().threads(2).build();
    engine.find(Query.of("grpc", 0)).get(20, SECONDS);
    List<Thread> started = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.getName().startsWith("hashfinder-worker-"))
        .toList();
    assertThat(started).isNotEmpty();

    engine.close();

    // A cached pool keeps idle threads a minute unless it is shut down.
    await().atMost(Duration.ofSeconds(5)).until(() -> started.stream().noneMatch(Thread::isAlive));
  }

  @Test
  void aDefaultEngine_hasAFiniteBudget_andUnlimitedIsAskedForByName() throws Exception {
    try (HashFinderEngine engine = HashFinderEngine.create();
        HashFinderEngine unlimited = HashFinderEngine.newBuilder()
            .budget(ResourceBudget.unlimited()).executor(executor).build()) {
      assertThat(engine.budget()).isEqualTo(
          ResourceBudget.ofHashes(HashFinderEngine.DEFAULT_MAX_HASHES));
      assertThat(HashFinderContract.failure(engine.find(UNREACHABLE)))
          .isInstanceOfSatisfying(BudgetExhaustedException.class, e -> assertThat(
              e.hashesExamined()).isEqualTo(HashFinderEngine.DEFAULT_MAX_HASHES));
      assertThat(unlimited.budget().maxHashes()).isEqualTo(Long.MAX_VALUE);
    }
  }

  @Test
  void budgetsOfOneHashAndOneMatch_areExact() throws Exception {
    try (HashFinderEngine engine = engine(2)) {
      assertThat(engine.find(Query.of("=", 0), ResourceBudget.ofHashes(1),
          new CancellationToken()).get(10, SECONDS).index()).isZero();
      assertThat(HashFinderContract.failure(engine.find(Query.of("aa", 0),
          ResourceBudget.ofHashes(1), new CancellationToken())))
          .isInstanceOfSatisfying(BudgetExhaustedException.class,
              e -> assertThat(e.hashesExamined()).isEqualTo(1));

      List<Match> streamed = Collections.synchronizedList(new ArrayList<>());
      Query everything = UNREACHABLE.withInterestingDistance(10);
      assertThat(HashFinderContract.failure(engine.findRange(everything,
          ResourceBudget.unlimited().withMaxMatches(1), new CancellationToken(), streamed::add)))
          .isInstanceOfSatisfying(BudgetExhaustedException.class,
              e -> assertThat(e.limit()).isEqualTo(BudgetExhaustedException.Limit.MATCHES));
      assertThat(streamed).isEqualTo(ReferenceModel.findRange(everything, 1));
    }
  }

  @Test
  void aTimeoutBeyondTheClocksRange_neverFiresEarly() throws Exception {
    AtomicLong now = new AtomicLong(Long.MAX_VALUE - 1_000);
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(2).executor(executor)
        .ticker(now::get).build()) {
      for (Duration timeout : List.of(Duration.ofDays(1), Duration.ofSeconds(Long.MAX_VALUE))) {
        Match match = engine.find(Query.of("grpc", 0),
            ResourceBudget.unlimited().withTimeout(timeout), new CancellationToken())
            .get(20, SECONDS);

        assertThat(match.index()).as("timeout %s", timeout).isEqualTo(67_087);
      }
    }
  }

  @Test
  void aFind_stopsHashingAtItsAnswer() throws Exception {
    try (HashFinderEngine engine = engine(1)) {
      assertThat(engine.find(Query.of("aa", 0)).get(10, SECONDS).index()).isEqualTo(101);

      assertThat(engine.hashesExamined()).as("indices 0..101, not the rest of the chunk")
          .isEqualTo(102);
      assertThat(engine.toString()).isEqualTo("HashFinderEngine{threads=1, budget="
          + ResourceBudget.ofHashes(HashFinderEngine.DEFAULT_MAX_HASHES)
          + ", activeSearches=0}");
    }
  }

  @Test
  void anExecutorThatRefusesWorkers_failsTheSearch_andLeavesNothingRunning() throws Exception {
    AtomicInteger offered = new AtomicInteger();
    Executor oneThenFull = task -> {
      if (offered.incrementAndGet() > 1) {
        throw new RejectedExecutionException("full");
      }
      executor.execute(task);
    };
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(3)
        .executor(oneThenFull).build()) {
      assertThat(HashFinderContract.failure(engine.find(UNREACHABLE)))
          .isInstanceOf(RejectedExecutionException.class).hasMessage("full");

      await().until(() -> engine.activeSearches() == 0);
      assertThat(offered).hasValue(2);
    }
  }

  @Test
  void aDigesterThatThrowsAnError_failsTheSearch_andTheErrorReachesItsThread() throws Exception {
    AtomicReference<Throwable> reachedThread = new AtomicReference<>();
    ExecutorService own = Executors.newCachedThreadPool(
        runnable -> {
          Thread thread = new Thread(runnable, "erroring-worker");
          thread.setUncaughtExceptionHandler((t, e) -> reachedThread.set(e));
          return thread;
        });
    HashAlgorithm broken = algorithm("BROKEN", 20, () -> (input, length, output) -> {
      throw new ServiceConfigurationError("broken digest");
    });
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1).executor(own)
        .algorithms(broken).build()) {
      assertThat(HashFinderContract.failure(engine.find(Query.of("aa", 0).withAlgorithm("BROKEN"))))
          .isInstanceOf(ServiceConfigurationError.class).hasMessage("broken digest");
      await().until(() -> reachedThread.get() != null);
      assertThat(reachedThread.get()).hasMessage("broken digest");
    } finally {
      own.shutdownNow();
    }
  }

  @Test
  void aDigesterThatThrows_failsTheSearchAsTheFindersFault_notAsABadArgument() throws Exception {
    // What the native kernel's checks throw, from a digest: an internal fault, not the query's.
    HashAlgorithm broken = algorithm("BROKEN", 20, () -> (input, length, output) -> {
      throw new IllegalArgumentException("internal detail");
    });
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(2).executor(executor)
        .algorithms(broken).build()) {
      Query query = Query.of("aa", 0).withAlgorithm("BROKEN");
      for (CompletableFuture<?> search : List.of(engine.find(query),
          engine.findRange(query, match -> { }))) {
        assertThat(HashFinderContract.failure(search))
            .isInstanceOf(FinderFailedException.class)
            .hasMessage("search failed: java.lang.IllegalArgumentException: internal detail")
            .cause().isInstanceOf(IllegalArgumentException.class);
      }
      assertThat(engine.activeSearches()).isZero();
    }
  }

  @Test
  void aParkedRangedWorker_wakesAtTheDeadline_notAtTheWaitSlice() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(2).executor(executor)
        .waitSlice(Duration.ofHours(1)).build()) {
      CompletableFuture<Void> done = engine.findRange(UNREACHABLE.withInterestingDistance(10),
          ResourceBudget.unlimited().withTimeout(Duration.ofMillis(300)), new CancellationToken(),
          blockingListener(entered, release));
      assertThat(entered.await(10, SECONDS)).isTrue();

      // The emitter is held by the listener; the other worker, parked at the window, must leave
      // when the deadline passes, not an hour later.
      await().atMost(Duration.ofSeconds(10)).until(() -> executor.getActiveCount() == 1);
      release.countDown();

      assertThat(HashFinderContract.failure(done)).isInstanceOf(DeadlineExceededException.class);
    }
  }

  @Test
  void aParkedWorker_resumesAsSoonAsDeliveryProgresses() throws Exception {
    List<AtomicLong> perWorker = new CopyOnWriteArrayList<>();
    HashAlgorithm sha1 = HashAlgorithms.sha1();
    HashAlgorithm counted = algorithm("COUNTED-SHA-1", 20, () -> {
      Digester digester = sha1.newDigester();
      AtomicLong count = new AtomicLong();
      perWorker.add(count);
      return (input, length, output) -> {
        count.incrementAndGet();
        digester.digest(input, length, output);
      };
    });
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CancellationToken token = new CancellationToken();
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(2).executor(executor)
        .algorithms(counted).waitSlice(Duration.ofHours(1)).build()) {
      engine.findRange(UNREACHABLE.withAlgorithm("COUNTED-SHA-1").withInterestingDistance(10),
          ResourceBudget.unlimited(), token, blockingListener(entered, release));
      assertThat(entered.await(10, SECONDS)).isTrue();
      await().until(() -> engine.hashesExamined() == 4L * Search.CHUNK_SIZE);
      assertThat(perWorker).hasSize(2);
      long[] parked = perWorker.stream().mapToLong(AtomicLong::get)
          .toArray();

      release.countDown();

      // Both workers hash again: the parked one was woken by the delivery, not by the clock.
      await().atMost(Duration.ofSeconds(10)).until(() ->
          perWorker.get(0).get() > parked[0] + Search.CHUNK_SIZE
              && perWorker.get(1).get() > parked[1] + Search.CHUNK_SIZE);
      token.cancel();
      await().until(() -> engine.activeSearches() == 0);
    }
  }

  @Test
  void builder_refusesEverySettingGivenTwice() {
    HashFinderEngine.Builder builder = HashFinderEngine.newBuilder()
        .executor(executor).budget(ResourceBudget.ofHashes(5))
        .algorithms(HashAlgorithms.sha1()).ticker(System::nanoTime)
        .waitSlice(Duration.ofMillis(1));

    assertThatThrownBy(() -> builder.executor(executor))
        .hasMessageStartingWith("executor was already set to ");
    assertThatThrownBy(() -> builder.budget(ResourceBudget.ofHashes(6)))
        .hasMessageStartingWith("budget was already set to ResourceBudget{maxHashes=5");
    assertThatThrownBy(() -> builder.algorithms(HashAlgorithms.sha1()))
        .hasMessageStartingWith("algorithms was already set to ");
    assertThatThrownBy(() -> builder.ticker(System::nanoTime))
        .hasMessageStartingWith("ticker was already set to ");
    assertThatThrownBy(() -> builder.waitSlice(Duration.ofMillis(2)))
        .hasMessageStartingWith("waitSlice was already set to PT0.001S");
    assertThatThrownBy(() -> HashFinderEngine.newBuilder()
        .algorithms(HashAlgorithms.sha1(), HashAlgorithms.messageDigest("sha-1")))
        .hasMessage("algorithms: two named SHA-1");
  }

  @Test
  void builder_refusesASettingGivenTwice_andBadValues() {
    HashFinderEngine.Builder builder = HashFinderEngine.newBuilder().threads(2);

    assertThatThrownBy(() -> builder.threads(3))
        .isInstanceOf(IllegalStateException.class).hasMessage("threads was already set to 2");
    assertThatThrownBy(() -> HashFinderEngine.newBuilder().threads(0))
        .hasMessage("threads < 1: 0");
    assertThatThrownBy(() -> HashFinderEngine.newBuilder().algorithms(List.of()))
        .hasMessage("algorithms is empty");
  }

  /** A listener that says it was called, then blocks until released. */
  private static MatchListener blockingListener(CountDownLatch entered, CountDownLatch release) {
    return match -> {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  /** A digest of {@code length} bytes whose workers get what {@code digesters} makes. */
  private static HashAlgorithm algorithm(String name, int length, Supplier<Digester> digesters) {
    return new HashAlgorithm() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public int digestLength() {
        return length;
      }

      @Override
      public Digester newDigester() {
        return digesters.get();
      }
    };
  }

  private static Query randomQuery(Random random) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int length = 1 + random.nextInt(4);
    StringBuilder target = new StringBuilder();
    for (int i = 0; i < length; i++) {
      target.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    String[] digests = {"SHA-1", "SHA-1", "SHA-256", "MD5"};
    return Query.of(target.toString(), random.nextInt(Math.min(length, 2)))
        .withAlgorithm(digests[random.nextInt(digests.length)]);
  }
}
