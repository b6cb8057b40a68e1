package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.DeadlineExceededException;
import dev.hashfinder.FinderUnavailableException;
import dev.hashfinder.HashFinder;
import dev.hashfinder.InvalidQueryException;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The behaviour every deployment of {@link HashFinder} shares: the engine itself, and the same
 * engine behind gRPC in-process or over a socket. A subclass says how to reach an engine.
 *
 * <p>Every test ends by waiting until the engine runs no search, so a leaked worker fails it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class HashFinderContract {
  /** A target that no affordable search finds within distance 0. */
  protected static final Query UNREACHABLE = Query.of("hashfinder", 0);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private HashFinderEngine engine;

  /**
   * Makes {@code engine} reachable the way this deployment does and returns the finder that
   * reaches it. Register what must be closed with {@link #closeLater}.
   */
  protected abstract HashFinder deploy(HashFinderEngine engine) throws Exception;

  /** Closes {@code closeable} after the test, before anything registered earlier. */
  protected final <T extends AutoCloseable> T closeLater(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  /** The engine behind the finder of the running test. */
  protected final HashFinderEngine engine() {
    return engine;
  }

  /** A finder in front of a two-thread engine with the given budget of its own. */
  protected final HashFinder finder(ResourceBudget engineBudget) throws Exception {
    engine = closeLater(HashFinderEngine.newBuilder().threads(2).budget(engineBudget).build());
    return deploy(engine);
  }

  protected final HashFinder finder() throws Exception {
    return finder(ResourceBudget.unlimited());
  }

  @AfterEach
  void noSearchIsLeftRunning() throws Exception {
    try {
      if (engine != null) {
        await().atMost(Duration.ofSeconds(5))
            .untilAsserted(() -> assertThat(engine.activeSearches()).isZero());
      }
    } finally {
      Collections.reverse(closeables);
      for (AutoCloseable closeable : closeables) {
        closeable.close();
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
      "aa,     0, 101,   ZA==, PDY4Ns9OFmZmaaJdooChhlwtKHQ=, 0",
      "doc,    0, 448,   AMA=, ZYvtebqCYl1QlrawCSGxXs9docE=, 0",
      "AbC,    0, 972,   As4=, HAbcw042TwaDx7avP9yGORZz+Ow=, 0",
      "=,      0, 0,     '',   2jmj7l5rSw0yVb/vlWAYkK/YBwk=, 0",
      "grpc,   0, 67087, AAcV, FEVc6RB5ZDihKM41HBrDGrPCkqU=, 0",
      "Doctor, 1, 57872, 4fE=, E0Vzxl8baz59WBMz6iACDOCQorI=, 1"})
  void find_returnsTheSpecVectors(
      String target, int ideal, long index, String secret, String hashText, int distance)
      throws Exception {
    Match match = finder().find(Query.of(target, ideal)).get(30, TimeUnit.SECONDS);

    assertThat(match.secretBase64()).isEqualTo(secret);
    assertThat(match.hashText()).isEqualTo(hashText);
    assertThat(match.distance()).isEqualTo(distance);
    assertThat(match.index()).isEqualTo(index);
  }

  @ParameterizedTest
  @CsvSource({"SHA-256, Ab", "MD5, z9", "SHA-512, =", "SHA3-256, +x"})
  void find_withAnotherDigest_agreesWithTheModel(String algorithm, String target)
      throws Exception {
    Query query = Query.of(target, 0).withAlgorithm(algorithm);

    Match match = finder().find(query).get(30, TimeUnit.SECONDS);

    Match expected = ReferenceModel.find(query, 1_000_000).orElseThrow();
    assertThat(match.secret()).isEqualTo(expected.secret());
    assertThat(match.hashText()).isEqualTo(expected.hashText());
  }

  @Test
  void findRange_streamsInferiorCandidatesInOrder_thenTheIdealOne() throws Exception {
    Query query = Query.of("grpc", 0).withInterestingDistance(1);
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());

    finder().findRange(query, ResourceBudget.unlimited(), new CancellationToken(), streamed::add)
        .get(30, TimeUnit.SECONDS);

    assertSameStream(streamed, ReferenceModel.findRange(query, 67_088));
    assertThat(streamed.get(streamed.size() - 1).distance()).isZero();
  }

  @Test
  void findRange_endsAtFirstIdealMatch_evenWhenInterestingIsWider() throws Exception {
    Query query = Query.of("aa", 0).withInterestingDistance(1);
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());

    finder().findRange(query, ResourceBudget.unlimited(), new CancellationToken(), streamed::add)
        .get(30, TimeUnit.SECONDS);

    List<Match> expected = ReferenceModel.findRange(query, 1_000);
    assertSameStream(streamed, expected);
    assertThat(expected.get(expected.size() - 1).index()).isEqualTo(101);
  }

  @ParameterizedTest
  @CsvSource({"aa, 102", "aa, 255", "Ab, 65000", "grpc, 67087", "grpc, 67088"})
  void find_fromAFirstIndex_returnsTheLowestHitFromThere(String target, long first)
      throws Exception {
    Query query = Query.of(target, 0).startingAt(first);

    Match match = finder().find(query).get(30, TimeUnit.SECONDS);

    Match expected = ReferenceModel.find(query, 1_000_000).orElseThrow();
    assertThat(match.index()).isEqualTo(expected.index()).isGreaterThanOrEqualTo(first);
    assertThat(match.secretBase64()).isEqualTo(expected.secretBase64());
  }

  @Test
  void find_fromAFirstIndex_examinesExactlyTheBudgetFromThere() throws Exception {
    HashFinder finder = finder();
    Query query = Query.of("grpc", 0).startingAt(60_000); // the hit is at 67,087

    assertThat(finder.find(query, ResourceBudget.ofHashes(7_088), new CancellationToken())
        .get(30, TimeUnit.SECONDS).index()).isEqualTo(67_087);
    assertThat(failure(finder.find(query, ResourceBudget.ofHashes(7_087),
        new CancellationToken())))
        .isInstanceOfSatisfying(BudgetExhaustedException.class,
            e -> assertThat(e.hashesExamined()).isEqualTo(7_087));
  }

  @Test
  void findRange_fromAFirstIndex_streamsWhatTheModelStreams() throws Exception {
    Query query = Query.of("grpc", 0).withInterestingDistance(1).startingAt(255);
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());

    finder().findRange(query, ResourceBudget.ofHashes(100_000), new CancellationToken(),
        streamed::add).get(30, TimeUnit.SECONDS);

    assertSameStream(streamed, ReferenceModel.findRange(query, 100_000));
    assertThat(streamed).hasSizeGreaterThan(1);
  }

  @Test
  void find_examinesExactlyTheBudget() throws Exception {
    HashFinder finder = finder();
    Query query = Query.of("grpc", 0);

    Match match = finder.find(query, ResourceBudget.ofHashes(67_088), new CancellationToken())
        .get(30, TimeUnit.SECONDS);
    assertThat(match.secretBase64()).isEqualTo("AAcV");

    assertThat(failure(finder.find(query, ResourceBudget.ofHashes(67_087),
        new CancellationToken())))
        .isInstanceOfSatisfying(BudgetExhaustedException.class, e -> {
          assertThat(e.limit()).isEqualTo(BudgetExhaustedException.Limit.HASHES);
          assertThat(e.limitValue()).isEqualTo(67_087);
          assertThat(e.hashesExamined()).isEqualTo(67_087);
          assertThat(e.getMessage()).contains("67087");
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.hashfinder.core.IndexDraws#nearTheTop")
  void find_nearTheEndOfTheIndexSpace_examinesUpToItsEnd_andEndsExhausted(IndexDraws.Draw draw)
      throws Exception {
    HashFinder finder = finder();
    Query query = Query.of(draw.target(), 0).withAlgorithm(draw.algorithm())
        .startingAt(draw.first());

    Throwable failure = failure(finder.find(query, draw.budget(), new CancellationToken()));

    assertExhausted(failure, draw);
    assertThat(engine.activeSearches()).as("searches running once it ended").isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.hashfinder.core.IndexDraws#nearTheTop")
  void findRange_nearTheEndOfTheIndexSpace_examinesUpToItsEnd_andEndsExhausted(
      IndexDraws.Draw draw) throws Exception {
    HashFinder finder = finder();
    Query query = Query.of(draw.target(), 0).withAlgorithm(draw.algorithm())
        .startingAt(draw.first());
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());

    Throwable failure = failure(
        finder.findRange(query, draw.budget(), new CancellationToken(), streamed::add));

    assertExhausted(failure, draw);
    assertThat(streamed).as("%s", draw).isEmpty();
    assertThat(engine.activeSearches()).as("searches running once it ended").isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.hashfinder.core.IndexDraws#acrossTheLengthBoundaries")
  void find_acrossALengthBoundaryOrTheTop_returnsWhatTheModelReturns(IndexDraws.Draw draw)
      throws Exception {
    HashFinder finder = finder();
    Query query = Query.of(draw.target(), 0).withAlgorithm(draw.algorithm())
        .startingAt(draw.first());

    CompletableFuture<Match> search = finder.find(query, draw.budget(), new CancellationToken());

    Optional<Match> expected = ReferenceModel.find(query, draw.maxHashes());
    if (expected.isPresent()) {
      Match match = search.get(30, TimeUnit.SECONDS);
      assertThat(match.index()).as("%s", draw).isEqualTo(expected.get().index());
      assertSameStream(List.of(match), List.of(expected.get()));
    } else {
      assertExhausted(failure(search), draw);
    }
    assertThat(engine.activeSearches()).as("searches running once it ended").isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.hashfinder.core.IndexDraws#acrossTheLengthBoundaries")
  void findRange_acrossALengthBoundaryOrTheTop_streamsWhatTheModelStreams(IndexDraws.Draw draw)
      throws Exception {
    HashFinder finder = finder();
    Query query = new Query(draw.target(), 0, 1, draw.algorithm(), draw.first());
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());

    CompletableFuture<Void> search =
        finder.findRange(query, draw.budget(), new CancellationToken(), streamed::add);

    List<Match> expected = ReferenceModel.findRange(query, draw.maxHashes());
    if (!expected.isEmpty() && expected.get(expected.size() - 1).distance() == 0) {
      search.get(30, TimeUnit.SECONDS);
    } else {
      assertExhausted(failure(search), draw);
    }
    assertSameStream(streamed, expected);
    assertThat(streamed).as("%s", draw).extracting(Match::index)
        .containsExactlyElementsOf(expected.stream().map(Match::index).toList());
    assertThat(engine.activeSearches()).as("searches running once it ended").isZero();
  }

  /**
   * The search examined every index it was given, up to the end of the index space, and ended
   * as an exhausted budget.
   */
  private static void assertExhausted(Throwable failure, IndexDraws.Draw draw) {
    assertThat(failure).as("%s", draw).isInstanceOfSatisfying(BudgetExhaustedException.class,
        e -> {
          assertThat(e.limit()).isEqualTo(BudgetExhaustedException.Limit.HASHES);
          assertThat(e.limitValue()).as("%s", draw).isEqualTo(draw.maxHashes());
          assertThat(e.hashesExamined()).as("%s", draw).isEqualTo(draw.examined());
        });
  }

  @Test
  void find_underTheFindersBudget_cannotAskForMore() throws Exception {
    HashFinder finder = finder(ResourceBudget.ofHashes(1_000));

    assertThat(failure(finder.find(UNREACHABLE, ResourceBudget.ofHashes(5_000),
        new CancellationToken())))
        .isInstanceOfSatisfying(BudgetExhaustedException.class,
            e -> assertThat(e.hashesExamined()).isEqualTo(1_000));
    assertThat(failure(finder.find(UNREACHABLE, ResourceBudget.ofHashes(300),
        new CancellationToken())))
        .isInstanceOfSatisfying(BudgetExhaustedException.class,
            e -> assertThat(e.hashesExamined()).isEqualTo(300));
  }

  @Test
  void findRange_whenTheBudgetRunsOut_keepsWhatWasStreamed() throws Exception {
    Query query = Query.of("grpc", 0).withInterestingDistance(1);
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());

    CompletableFuture<Void> done = finder().findRange(
        query, ResourceBudget.ofHashes(20_000), new CancellationToken(), streamed::add);

    assertThat(failure(done)).isInstanceOfSatisfying(BudgetExhaustedException.class,
        e -> assertThat(e.hashesExamined()).isEqualTo(20_000));
    assertSameStream(streamed, ReferenceModel.findRange(query, 20_000));
    assertThat(streamed).isNotEmpty();
  }

  @Test
  void findRange_stopsAtTheMatchLimit() throws Exception {
    Query query = UNREACHABLE.withInterestingDistance(10); // every candidate is interesting
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());

    CompletableFuture<Void> done = finder().findRange(query,
        ResourceBudget.unlimited().withMaxMatches(5), new CancellationToken(), streamed::add);

    assertThat(failure(done)).isInstanceOfSatisfying(BudgetExhaustedException.class,
        e -> assertThat(e.limit()).isEqualTo(BudgetExhaustedException.Limit.MATCHES));
    assertSameStream(streamed, ReferenceModel.findRange(query, 5));
  }

  @Test
  void rejectsATargetLongerThanTheHashText_namingTheField() throws Exception {
    Throwable failure = failure(finder().find(Query.of("x".repeat(29), 0)));

    // The engine names the API's field, a gRPC server the wire's; both say the same problem.
    assertThat(failure).isInstanceOfSatisfying(InvalidQueryException.class, e -> {
      assertThat(e.field()).isEqualTo(InvalidQueryException.Field.TARGET);
      assertThat(e.problem()).isEqualTo("has 29 characters, more than the 28 of a SHA-1 hash text");
    });
  }

  @Test
  void acceptsATargetExactlyAsLongAsTheHashText() throws Exception {
    String target = "x".repeat(27) + "=";

    Throwable failure = failure(finder().find(Query.of(target, 27), ResourceBudget.ofHashes(10),
        new CancellationToken()).thenApply(match -> {
          throw new IllegalStateException("found " + match); // any hash text is within 27
        }));

    assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageContaining("index=0");
  }

  @Test
  void rejectsAnUnknownDigest_namingTheField() throws Exception {
    Throwable failure = failure(finder().find(Query.of("aa", 0).withAlgorithm("NO-SUCH-HASH")));

    assertThat(failure).isInstanceOfSatisfying(InvalidQueryException.class, e -> {
      assertThat(e.field()).isEqualTo(InvalidQueryException.Field.ALGORITHM);
      assertThat(e.problem()).startsWith("names an unknown digest \"NO-SUCH-HASH\"");
    });
  }

  @ParameterizedTest(name = "{0} at distance {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "hello world | 0 | SHA-1 | ' ' (space) at index 5, which no SHA-1 hash text holds",
      "a_b         | 0 | SHA-1 | '_' at index 1, which no SHA-1 hash text holds",
      "café        | 0 | SHA-1 | U+00E9 'é' at index 3, which no SHA-1 hash text holds",
      "a b_c d     | 2 | SHA-1 | at least 3 times; first ' ' (space) at index 1",
      "==          | 0 | SHA-1 | at least 1 time; first '=' at index 0, which a SHA-1 hash "
          + "text holds only where the rest of the target cannot fit",
      "ab=         | 0 | SHA-1 | '=' at index 2, which a SHA-1 hash text holds only where"})
  void refusesATargetNoHashTextCanHold_namingTheCharacterAndItsPlace(
      String target, int ideal, String algorithm, String named) throws Exception {
    HashFinder finder = finder();
    long before = engine.hashesExamined(); // a cluster's start probes its servers with a hash

    Throwable failure = failure(finder.find(Query.of(target, ideal).withAlgorithm(algorithm)));

    assertThat(failure).isInstanceOfSatisfying(InvalidQueryException.class, e -> {
      assertThat(e.field()).isEqualTo(InvalidQueryException.Field.TARGET);
      assertThat(e.problem()).startsWith("can never come within distance " + ideal)
          .contains(named);
    });
    assertThat(failure(finder.findRange(Query.of(target, ideal).withInterestingDistance(20),
        match -> { }))).isInstanceOf(InvalidQueryException.class);
    assertThat(engine.hashesExamined()).as("hashes spent on impossible queries").isEqualTo(before);
  }

  @Test
  void aTargetThatFitsOnlyTheLastWindow_isSearched() throws Exception {
    // '=' can only be the last character of a SHA-1 hash text, and 'A' (code 0) may stand
    // before it, where the last digest bits leave the low two bits zero.
    Match match = finder().find(Query.of("A=", 0)).get(30, TimeUnit.SECONDS);

    assertThat(match.hashText()).endsWith("A=");
  }

  @Test
  void aTargetWithinReachOfItsDistance_isSearched_evenWithCharactersNoHashTextHolds()
      throws Exception {
    HashFinder finder = finder();

    assertThat(failure(finder.find(Query.of("hello world", 1), ResourceBudget.ofHashes(1_000),
        new CancellationToken()))).isInstanceOf(BudgetExhaustedException.class);
    // MD5's hash text ends in "==", so every candidate qualifies.
    assertThat(finder.find(Query.of("==", 0).withAlgorithm("MD5")).get(30, TimeUnit.SECONDS)
        .index()).isZero();
  }

  @Test
  void keepsServing_afterABadQuery() throws Exception {
    HashFinder finder = finder();
    assertThat(failure(finder.find(Query.of("x".repeat(100), 0))))
        .isInstanceOf(InvalidQueryException.class);

    assertThat(finder.find(Query.of("aa", 0)).get(30, TimeUnit.SECONDS).secretBase64())
        .isEqualTo("ZA==");
  }

  @Test
  void cancellingTheFuture_stopsTheSearch() throws Exception {
    HashFinder finder = finder();
    CompletableFuture<Match> future = finder.find(UNREACHABLE);
    awaitSearching();

    assertThat(future.cancel(false)).isTrue();

    awaitIdle();
  }

  @Test
  void cancellingTheToken_stopsTheSearch() throws Exception {
    HashFinder finder = finder();
    CancellationToken token = new CancellationToken();
    CompletableFuture<Match> future = finder.find(UNREACHABLE, ResourceBudget.unlimited(), token);
    awaitSearching();

    token.cancel();

    assertThat(failure(future)).isInstanceOf(CancellationException.class);
    awaitIdle();
  }

  @Test
  void aTokenCancelledBeforeTheStart_cancelsAtOnce() throws Exception {
    CancellationToken token = new CancellationToken();
    token.cancel();

    CompletableFuture<Match> future = finder().find(UNREACHABLE, ResourceBudget.unlimited(), token);

    assertThat(failure(future)).isInstanceOf(CancellationException.class);
  }

  @Test
  void cancellingAfterTheAnswer_changesNothing() throws Exception {
    CancellationToken token = new CancellationToken();
    CompletableFuture<Match> future =
        finder().find(Query.of("aa", 0), ResourceBudget.unlimited(), token);
    Match match = future.get(30, TimeUnit.SECONDS);

    token.cancel();
    future.cancel(true);

    assertThat(future.join()).isEqualTo(match);
  }

  @Test
  void cancellingARangedSearch_afterItsFirstMatch_endsTheStream() throws Exception {
    Query query = UNREACHABLE.withInterestingDistance(10); // every candidate is interesting
    CountDownLatch first = new CountDownLatch(1);
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());
    CancellationToken token = new CancellationToken();

    CompletableFuture<Void> done = finder().findRange(query, ResourceBudget.unlimited(), token,
        match -> {
          streamed.add(match);
          first.countDown();
        });
    assertThat(first.await(30, TimeUnit.SECONDS)).isTrue();
    token.cancel();

    assertThat(failure(done)).isInstanceOf(CancellationException.class);
    awaitIdle();
    List<Match> snapshot = List.copyOf(streamed);
    assertSameStream(snapshot, ReferenceModel.findRange(query, snapshot.size()));
  }

  @Test
  void cancellingARangedSearch_beforeItsFirstMatch_endsTheStream() throws Exception {
    HashFinder finder = finder();
    CompletableFuture<Void> done = finder.findRange(UNREACHABLE, match -> { });
    awaitSearching();

    assertThat(done.cancel(true)).isTrue();

    awaitIdle();
  }

  @Test
  void aSearchThatRunsOutOfTime_failsWithDeadlineExceeded() throws Exception {
    CompletableFuture<Match> future = finder().find(UNREACHABLE,
        ResourceBudget.unlimited().withTimeout(Duration.ofMillis(200)), new CancellationToken());

    assertThat(failure(future)).isInstanceOf(DeadlineExceededException.class);
    awaitIdle();
  }

  @Test
  void completingTheFuture_stopsTheSearch() throws Exception {
    CompletableFuture<Match> future = finder().find(UNREACHABLE);
    awaitSearching();
    Match mine = new Match(0, new byte[0], "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", 0);

    assertThat(future.complete(mine)).isTrue();

    awaitIdle();
    assertThat(future.join()).isSameAs(mine);
  }

  @Test
  void failingTheFuture_stopsTheSearch() throws Exception {
    CompletableFuture<Match> future = finder().find(UNREACHABLE);
    awaitSearching();

    assertThat(future.completeExceptionally(new IllegalStateException("given up"))).isTrue();

    awaitIdle();
    assertThat(failure(future)).hasMessage("given up");
  }

  @Test
  void aFutureEndedByOrTimeout_stopsTheSearch() throws Exception {
    CompletableFuture<Match> future =
        finder().find(UNREACHABLE).orTimeout(300, TimeUnit.MILLISECONDS);

    assertThat(failure(future)).isInstanceOf(TimeoutException.class);
    awaitIdle();
  }

  @Test
  void completingARangedSearchesFuture_stopsTheSearch() throws Exception {
    CompletableFuture<Void> done = finder().findRange(UNREACHABLE, match -> { });
    awaitSearching();

    assertThat(done.complete(null)).isTrue();

    awaitIdle();
  }

  @Test
  void aClosedEngine_refusesSearchesAsUnavailable() throws Exception {
    HashFinder finder = finder();
    engine.close();

    assertThat(failure(finder.find(Query.of("aa", 0))))
        .isInstanceOf(FinderUnavailableException.class);
    assertThat(failure(finder.findRange(Query.of("aa", 0), match -> { })))
        .isInstanceOf(FinderUnavailableException.class);
  }

  /** Waits until the engine has started hashing. */
  protected final void awaitSearching() {
    await().atMost(Duration.ofSeconds(10))
        .until(() -> engine.activeSearches() > 0 && engine.hashesExamined() > 0);
  }

  /** Waits until the engine runs no search. */
  protected final void awaitIdle() {
    await().atMost(Duration.ofSeconds(5)).until(() -> engine.activeSearches() == 0);
  }

  /** The exception {@code future} fails with, unwrapped; fails the test if it succeeds. */
  protected static Throwable failure(CompletableFuture<?> future) {
    try {
      future.get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | CompletionException e) {
      return e.getCause();
    } catch (CancellationException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("the future did not fail as expected", e);
    }
    throw new AssertionError("the future succeeded: " + future.join());
  }

  /** Same secrets, texts and distances in the same order; indices where the finder gives them. */
  protected static void assertSameStream(List<Match> actual, List<Match> expected) {
    assertThat(actual).extracting(HashFinderContract::describe)
        .containsExactlyElementsOf(expected.stream().map(HashFinderContract::describe).toList());
  }

  private static String describe(Match match) {
    return Base64.getEncoder().encodeToString(match.secret()) + " " + match.hashText() + " "
        + match.distance();
  }
}
