package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.FinderUnavailableException;
import dev.hashfinder.HashFinder;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.HashFinderClient;
import dev.hashfinder.grpc.HashFinderService;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a cluster does beyond the contract: losing servers, their own budgets, names, DNS. */
class HashFinderClusterTest {
  private static final Query UNREACHABLE = Query.of("hashfinder", 0);
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<HashFinderEngine> engines = new ArrayList<>();
  private final List<InProcessBackend> servers = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  /** In-process servers, each with an engine of its own, and their names. */
  private String servers(String prefix, int count, ResourceBudget budget) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      HashFinderEngine engine = closeLater(
          HashFinderEngine.newBuilder().threads(1).budget(budget).build());
      engines.add(engine);
      servers.add(closeLater(InProcessBackend.start(prefix + i, engine)));
      names.add(prefix + i);
    }
    return String.join(",", names);
  }

  private HashFinderCluster cluster(String targets) {
    return closeLater(HashFinderCluster.newBuilder(targets)
        .channelBuilder(InProcessChannelBuilder::forName)
        .budget(ResourceBudget.unlimited())
        .rangeDuration(Duration.ofMillis(50))
        .unavailableGrace(Duration.ofMillis(500))
        .build());
  }

  @Test
  void aClusterWithoutABudget_holdsSearchesToTheEnginesDefault() {
    HashFinderCluster cluster = closeLater(HashFinderCluster.newBuilder("default-budget")
        .channelBuilder(InProcessChannelBuilder::forName)
        .startTimeout(Duration.ofMillis(1))
        .build());

    assertThat(cluster.budget().maxHashes()).isEqualTo(HashFinderEngine.DEFAULT_MAX_HASHES);
  }

  @Test
  void cancelling_stopsTheSearchOnEveryServer() throws Exception {
    HashFinderCluster cluster = cluster(servers("cancel-", 3, ResourceBudget.unlimited()));
    CancellationToken token = new CancellationToken();
    CompletableFuture<Match> search =
        cluster.find(UNREACHABLE, ResourceBudget.unlimited(), token);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> engines.stream().allMatch(engine -> engine.activeSearches() > 0));

    token.cancel();

    assertThat(search).isCancelled();
    await().atMost(Duration.ofSeconds(5))
        .until(() -> engines.stream().allMatch(engine -> engine.activeSearches() == 0));
  }

  @Test
  void serversWithSmallerBudgets_stillExamineTheWholeBudget_onceEach() throws Exception {
    HashFinderCluster cluster = cluster(servers("small-", 2, ResourceBudget.ofHashes(10_000)));

    CompletableFuture<Match> search = cluster.find(UNREACHABLE,
        ResourceBudget.ofHashes(500_000), new CancellationToken());

    assertThat(search).failsWithin(Duration.ofSeconds(30)).withThrowableThat()
        .havingCause().isInstanceOfSatisfying(BudgetExhaustedException.class,
            e -> assertThat(e.hashesExamined()).isEqualTo(500_000));
    assertThat(engines.get(0).hashesExamined() + engines.get(1).hashesExamined())
        .as("each index once, besides one probe hash a server").isEqualTo(500_002);
  }

  @Test
  void losingEveryServer_endsUnavailable_namingEachAndWhy() throws Exception {
    String targets = servers("lost-", 2, ResourceBudget.unlimited());
    HashFinderCluster cluster = cluster(targets);
    engines.forEach(HashFinderEngine::close);

    CompletableFuture<Match> search = cluster.find(Query.of("aa", 0));

    assertThat(search).failsWithin(Duration.ofSeconds(30)).withThrowableThat()
        .havingCause().isInstanceOf(FinderUnavailableException.class)
        .withMessageContaining("no backend can take the search")
        .withMessageContaining("lost-0: UNAVAILABLE")
        .withMessageContaining("lost-1: UNAVAILABLE");
  }

  @Test
  void readiness_followsItsBackends() {
    HashFinderCluster cluster = cluster(servers("ready-", 1, ResourceBudget.unlimited()));
    AtomicInteger told = new AtomicInteger();
    cluster.onReadinessChange(told::incrementAndGet);
    assertThat(cluster.isReady()).isTrue();
    assertThat(told).as("a listener hears the state it joins in").hasValue(1);

    servers.get(0).close();

    await().atMost(Duration.ofSeconds(10)).until(() -> !cluster.isReady());
    assertThat(told.get()).as("and each change after").isGreaterThan(1);
  }

  @Test
  void aRangedSearch_thatLosesItsHeadRange_whileItsWindowIsFull_streamsWhatOneEngineStreams()
      throws Exception {
    // A slow server takes the head ranges, stalls and dies in them; a fast one has meanwhile
    // filled the window with the ranges above. The head, dealt again, lets the stream go on.
    InProcessBackend[] slow = new InProcessBackend[1];
    HashFinderEngine slowEngine = closeLater(HashFinderEngine.newBuilder().threads(1)
        .algorithms(new ThrottledSha1(2_000_000, 100_000,
            () -> new Thread(() -> slow[0].close()).start()))
        .budget(ResourceBudget.unlimited()).build());
    slow[0] = closeLater(InProcessBackend.start("head-slow", slowEngine));
    String fast = servers("head-fast-", 1, ResourceBudget.unlimited());
    HashFinderCluster cluster = cluster("head-slow," + fast);
    Query query = UNREACHABLE.withInterestingDistance(6);
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());
    List<Match> expected = Collections.synchronizedList(new ArrayList<>());
    ResourceBudget budget = ResourceBudget.ofHashes(3_000_000);

    CompletableFuture<Void> search =
        cluster.findRange(query, budget, new CancellationToken(), streamed::add);

    assertThat(search).failsWithin(Duration.ofSeconds(60)).withThrowableThat()
        .havingCause().isInstanceOfSatisfying(BudgetExhaustedException.class,
            e -> assertThat(e.hashesExamined()).isEqualTo(3_000_000));
    engines.get(0).findRange(query, budget, new CancellationToken(), expected::add)
        .exceptionally(e -> null).get(60, TimeUnit.SECONDS);
    assertThat(streamed).extracting(Match::index)
        .containsExactlyElementsOf(expected.stream().map(Match::index).toList());
  }

  @Test
  void aOneHashSearch_leavesItsServerUnmeasured() throws Exception {
    // The probe a cluster sends a front is such a search on the front's own cluster: one index
    // in a round trip's time is no rate, and ranges sized from it would stay tiny.
    HashFinderCluster cluster = cluster(servers("one-hash-", 1, ResourceBudget.unlimited()));

    Match match = cluster.find(Query.of("a", 1).startingAt(1), ResourceBudget.ofHashes(1),
        new CancellationToken()).get(30, TimeUnit.SECONDS);

    assertThat(match.index()).isEqualTo(1);
    assertThat(cluster.backends()).singleElement()
        .satisfies(backend -> assertThat(backend.measured()).isFalse());
  }

  @Test
  void aServerBusyAtItsProbe_joinsOnceItHasRoom() throws Exception {
    HashFinderEngine engine = closeLater(HashFinderEngine.newBuilder().threads(1)
        .budget(ResourceBudget.unlimited()).build());
    closeLater(InProcessBackend.start("busy-0", HashFinderService.create(engine, 1)));
    ManagedChannel channel = InProcessChannelBuilder.forName("busy-0").build();
    closeLater(channel::shutdownNow);
    CompletableFuture<Match> occupying = HashFinderClient.create(channel).find(UNREACHABLE);
    await().atMost(Duration.ofSeconds(10)).until(() -> engine.activeSearches() == 1);
    HashFinderCluster cluster = closeLater(HashFinderCluster.newBuilder("busy-0")
        .channelBuilder(InProcessChannelBuilder::forName)
        .startTimeout(Duration.ofSeconds(5))
        .build());
    assertThat(cluster.readyBackends()).isZero();

    occupying.cancel(true);

    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.readyBackends() == 1);
    assertThat(cluster.find(Query.of("aa", 0)).get(30, TimeUnit.SECONDS).index()).isEqualTo(101);
  }

  @Test
  void aServerThatIgnoresFirstIndex_isRefusedByName() {
    HashFinderEngine engine = closeLater(HashFinderEngine.newBuilder().threads(1).build());
    HashFinder fromZero = new HashFinder() { // as a server from before first_index would answer
      @Override
      public CompletableFuture<Match> find(Query query, ResourceBudget budget,
          CancellationToken token) {
        return engine.find(query.startingAt(0), budget, token);
      }

      @Override
      public CompletableFuture<Void> findRange(Query query, ResourceBudget budget,
          CancellationToken token, MatchListener listener) {
        return engine.findRange(query.startingAt(0), budget, token, listener);
      }
    };
    closeLater(InProcessBackend.start("old-0", fromZero));
    String good = servers("new-", 1, ResourceBudget.unlimited());

    assertThatThrownBy(() -> cluster(good + ",old-0"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("not hashfinder servers, refused as cluster backends: old-0 (not a "
            + "hashfinder server that deals ranges: it ignores first_index)");
  }

  @Test
  void refusesTargetsThatNameNothing() {
    assertThatThrownBy(() -> HashFinderCluster.newBuilder(" , "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no cluster target");
  }
}
