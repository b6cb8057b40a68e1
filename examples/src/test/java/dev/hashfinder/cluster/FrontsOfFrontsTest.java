package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.server.HashFinderServer;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A tree of fronts: a root cluster whose two backends are fronts (a server over a cluster), each
 * in front of two engines. The root deals to a front as to any server, and gets one engine's
 * answers.
 */
class FrontsOfFrontsTest {
  private static final Query UNREACHABLE = Query.of("hashfinder", 0);
  private static final AtomicInteger TREES = new AtomicInteger();

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<HashFinderEngine> leaves = new ArrayList<>();
  private final List<String> leafNames = new ArrayList<>();
  private final List<InProcessBackend> leafServers = new ArrayList<>();
  private final List<HashFinderCluster> middles = new ArrayList<>();
  private final List<HashFinderServer> middleServers = new ArrayList<>();
  private final List<String> middleNames = new ArrayList<>();
  private HashFinderEngine alone;
  private HashFinderCluster root;

  @BeforeEach
  void growTree() {
    String tree = "tree-" + TREES.incrementAndGet() + "-";
    alone = closeLater(HashFinderEngine.newBuilder().threads(1)
        .budget(ResourceBudget.unlimited()).build());
    for (int m = 0; m < 2; m++) {
      List<String> names = new ArrayList<>();
      for (int l = 0; l < 2; l++) {
        HashFinderEngine engine = closeLater(HashFinderEngine.newBuilder().threads(1)
            .budget(ResourceBudget.unlimited()).build());
        String name = tree + "leaf-" + m + l;
        leaves.add(engine);
        leafNames.add(name);
        leafServers.add(closeLater(InProcessBackend.start(name, engine)));
        names.add(name);
      }
      HashFinderCluster middle = closeLater(cluster(String.join(",", names)));
      String name = tree + "middle-" + m;
      middles.add(middle);
      middleNames.add(name);
      // A front's server waits its grace period for the root's health watch, which stays open.
      middleServers.add(closeLater(HashFinderServer.inProcess(name).finder(middle)
          .gracePeriod(Duration.ofSeconds(1)).start()));
    }
    root = closeLater(cluster(String.join(",", middleNames)));
    assertThat(root.readyBackends()).as("both fronts passed the probe").isEqualTo(2);
  }

  private static HashFinderCluster cluster(String targets) {
    return HashFinderCluster.newBuilder(targets)
        .channelBuilder(InProcessChannelBuilder::forName)
        .budget(ResourceBudget.unlimited())
        .build();
  }

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

  /** Stops a leaf's server before the end of the test, and not again after it. */
  private void stop(InProcessBackend leaf) {
    closeables.remove(leaf);
    leaf.close();
  }

  private long leavesExamined() {
    return leaves.stream().mapToLong(HashFinderEngine::hashesExamined).sum();
  }

  private static void assertSameMatch(Match actual, Match expected) {
    assertThat(actual.index()).isEqualTo(expected.index());
    assertThat(actual.secretBase64()).isEqualTo(expected.secretBase64());
    assertThat(actual.hashText()).isEqualTo(expected.hashText());
    assertThat(actual.distance()).isEqualTo(expected.distance());
  }

  @Test
  void theRoot_findsWhatOneEngineFinds() throws Exception {
    List<Query> queries = List.of(Query.of("aa", 0), Query.of("Tree", 0),
        Query.of("Tree", 0).startingAt(228_534), Query.of("hashf", 0), Query.of("Doctor", 1));
    for (Query query : queries) {
      Match expected = alone.find(query).get(60, TimeUnit.SECONDS);

      Match found = root.find(query).get(60, TimeUnit.SECONDS);

      assertSameMatch(found, expected);
    }
  }

  @Test
  void theRoot_streamsWhatOneEngineStreams_evenPastAFrontsMaxMatches() throws Exception {
    // One index in twenty is within distance 7: a front's ranges stream more than the 1,024
    // matches a range may hold (max_matches), and are cut there and dealt again.
    Query query = UNREACHABLE.withInterestingDistance(7);
    ResourceBudget budget = ResourceBudget.ofHashes(400_000);
    List<Match> expected = Collections.synchronizedList(new ArrayList<>());
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());
    alone.findRange(query, budget, new CancellationToken(), expected::add)
        .exceptionally(e -> null).get(60, TimeUnit.SECONDS);
    assertThat(expected).as("enough matches to fill many ranges").hasSizeGreaterThan(20_000);

    CompletableFuture<Void> search =
        root.findRange(query, budget, new CancellationToken(), streamed::add);

    assertThat(search).failsWithin(Duration.ofSeconds(60)).withThrowableThat()
        .havingCause().isInstanceOfSatisfying(BudgetExhaustedException.class,
            e -> assertThat(e.hashesExamined()).isEqualTo(400_000));
    assertThat(streamed).extracting(Match::index)
        .containsExactlyElementsOf(expected.stream().map(Match::index).toList());
  }

  @Test
  void aFront_examinesExactlyTheRangesItIsDealt() {
    long before = leavesExamined(); // the probes' hashes: every one was answered at build

    CompletableFuture<Match> search =
        root.find(UNREACHABLE, ResourceBudget.ofHashes(3_000_000), new CancellationToken());

    assertThat(search).failsWithin(Duration.ofSeconds(60)).withThrowableThat()
        .havingCause().isInstanceOfSatisfying(BudgetExhaustedException.class,
            e -> assertThat(e.hashesExamined()).isEqualTo(3_000_000));
    assertThat(leavesExamined() - before).as("each index once, on one leaf")
        .isEqualTo(3_000_000);
  }

  @Test
  void cancellingAtTheRoot_stopsTheSearchOnEveryLeaf() {
    CancellationToken token = new CancellationToken();
    CompletableFuture<Match> search = root.find(UNREACHABLE, ResourceBudget.unlimited(), token);
    await().atMost(Duration.ofSeconds(30))
        .until(() -> leaves.stream().allMatch(leaf -> leaf.activeSearches() > 0));

    token.cancel();

    assertThat(search).isCancelled();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> leaves.stream().allMatch(leaf -> leaf.activeSearches() == 0));
    assertThat(middleServers).allSatisfy(
        middle -> assertThat(middle.service().runningSearches()).isZero());
  }

  @Test
  void aFrontLostMidSearch_hasItsRangesDealtAgain() throws Exception {
    Query query = Query.of("Fronts", 0); // index 17,362,843: seconds of work for four leaves
    Match expected = alone.find(query).get(120, TimeUnit.SECONDS);
    CompletableFuture<Match> search = root.find(query);
    await().atMost(Duration.ofSeconds(30))
        .until(() -> middleServers.get(1).service().runningSearches() > 0);

    middleServers.get(1).close(); // its searches end UNAVAILABLE, as a stopping server's do

    assertSameMatch(search.get(120, TimeUnit.SECONDS), expected);
    assertThat(root.redealtIndices()).as("the lost front's ranges").isPositive();
  }

  @Test
  void aFrontWhoseBackendsAreAllGone_takesNoWork_untilTheyReturn() throws Exception {
    ManagedChannel channel = InProcessChannelBuilder.forName(middleNames.get(0)).build();
    closeLater(channel::shutdownNow);
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);

    stop(leafServers.get(0));
    stop(leafServers.get(1));

    await().atMost(Duration.ofSeconds(20)).until(() -> root.readyBackends() == 1);
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.NOT_SERVING);
    long before = middles.get(0).hashesExamined();
    assertSameMatch(root.find(Query.of("Tree", 0)).get(60, TimeUnit.SECONDS),
        alone.find(Query.of("Tree", 0)).get(60, TimeUnit.SECONDS));
    assertThat(middles.get(0).hashesExamined()).as("nothing dealt to the front")
        .isEqualTo(before);

    leafServers.set(0, closeLater(InProcessBackend.start(leafNames.get(0), leaves.get(0))));
    leafServers.set(1, closeLater(InProcessBackend.start(leafNames.get(1), leaves.get(1))));

    await().atMost(Duration.ofSeconds(30)).until(() -> root.readyBackends() == 2);
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
  }
}
