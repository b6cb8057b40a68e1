package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real cluster code against 33 in-process servers of different speeds (throttled digests),
 * three of which die in the middle of a range and one of which stalls for good: many random
 * searches give exactly one engine's answers. The re-dealt work and the backends' idle time are
 * reported.
 */
class ClusterSimulationTest {
  private static final int BACKENDS = 33;
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789+/";

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final CountDownLatch released = new CountDownLatch(1);

  @AfterEach
  void close() throws Exception {
    released.countDown();
    Collections.reverse(closeables);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
  }

  @Test
  void randomSearches_onBackendsOfManySpeeds_someDyingOneStalling_giveOneEnginesAnswers()
      throws Exception {
    Random random = new Random(2026);
    List<String> names = new ArrayList<>();
    List<InProcessBackend> servers = new ArrayList<>();
    List<ThrottledSha1> fates = new ArrayList<>();
    for (int i = 0; i < BACKENDS; i++) {
      String name = "simulation-" + i;
      names.add(name);
      long pause = switch (i % 3) {
        case 0 -> 0; // as fast as a core shared by 33 servers goes
        case 1 -> 50_000;
        default -> 400_000;
      };
      int index = i;
      Runnable fate = () -> { };
      long fateAfter = Long.MAX_VALUE;
      if (i < 3) { // dies part-way through a range
        fateAfter = 20_000 + random.nextInt(60_000);
        fate = () -> new Thread(() -> servers.get(index).close(Duration.ZERO)).start();
      } else if (i == 3) { // stalls part-way through a range, and never comes back
        fateAfter = 10_000;
        fate = () -> {
          try {
            released.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
      }
      ThrottledSha1 algorithm = new ThrottledSha1(pause, fateAfter, fate);
      fates.add(algorithm);
      HashFinderEngine engine = closeLater(HashFinderEngine.newBuilder().threads(1)
          .algorithms(algorithm).budget(ResourceBudget.unlimited()).build());
      servers.add(closeLater(InProcessBackend.start(name, engine)));
    }
    HashFinderEngine one = closeLater(HashFinderEngine.newBuilder().threads(2)
        .budget(ResourceBudget.unlimited()).build());
    HashFinderCluster cluster = closeLater(HashFinderCluster.newBuilder(String.join(",", names))
        .channelBuilder(InProcessChannelBuilder::forName)
        .budget(ResourceBudget.unlimited())
        .rangeDuration(Duration.ofMillis(50))
        .unavailableGrace(Duration.ofSeconds(5))
        .build());
    assertThat(cluster.readyBackends()).isEqualTo(BACKENDS);

    long started = System.nanoTime();
    int searches = 40;
    for (int s = 0; s < searches; s++) {
      StringBuilder target = new StringBuilder();
      for (int c = 3 + random.nextInt(2); c > 0; c--) {
        target.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      int ideal = target.length() == 4 ? random.nextInt(2) : 0;
      Query query = Query.of(target.toString(), ideal).startingAt(random.nextInt(3) * 70_000L);
      ResourceBudget budget = ResourceBudget.ofHashes(20_000 + random.nextInt(400_000));
      String what = query + " " + budget;
      if (random.nextBoolean()) {
        Outcome<Match> expected = outcome(one.find(query, budget, new CancellationToken()));
        Outcome<Match> actual = outcome(cluster.find(query, budget, new CancellationToken()));
        assertThat(actual.describe()).as(what).isEqualTo(expected.describe());
      } else {
        Query ranged = query.withInterestingDistance(ideal + 1);
        List<Match> expectedStream = Collections.synchronizedList(new ArrayList<>());
        List<Match> actualStream = Collections.synchronizedList(new ArrayList<>());
        Outcome<Void> expected = outcome(
            one.findRange(ranged, budget, new CancellationToken(), expectedStream::add));
        Outcome<Void> actual = outcome(
            cluster.findRange(ranged, budget, new CancellationToken(), actualStream::add));
        assertThat(actual.describe()).as(what).isEqualTo(expected.describe());
        assertThat(actualStream).as(what).extracting(Match::index)
            .containsExactlyElementsOf(expectedStream.stream().map(Match::index).toList());
      }
    }
    long wall = System.nanoTime() - started;
    long examined = cluster.hashesExamined();

    assertThat(fates.subList(0, 4)).as("every fate was met during the searches")
        .allSatisfy(t -> assertThat(t.digests.get()).isGreaterThanOrEqualTo(t.fateAfter));
    assertThat(cluster.redealtIndices()).as("the dead and stalled backends' ranges")
        .isPositive();
    long busy = cluster.backends().stream().mapToLong(ClusterBackend::busyNanos).sum();
    System.out.printf("cluster simulation: %d backends (3 died, 1 stalled), %d searches with "
            + "one engine's answers, %,d indices examined, %,d dealt again (%.1f%%), backends "
            + "idle %.0f%% of %.1f s%n",
        BACKENDS, searches, examined, cluster.redealtIndices(),
        100.0 * cluster.redealtIndices() / examined,
        100.0 * (1 - (double) busy / ((double) wall * BACKENDS)), wall / 1e9);
  }

  @ParameterizedTest(name = "{0} servers")
  @ValueSource(ints = {1, 2, 5, 9})
  void anyNumberOfServers_ofRandomSpeeds_giveOneEnginesAnswers(int count) throws Exception {
    Random random = new Random(count * 7919L);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = "property-" + count + "-" + i;
      names.add(name);
      HashFinderEngine engine = closeLater(HashFinderEngine.newBuilder().threads(1)
          .algorithms(new ThrottledSha1(random.nextInt(4) * 100_000L, Long.MAX_VALUE, () -> { }))
          .budget(ResourceBudget.unlimited()).build());
      closeLater(InProcessBackend.start(name, engine));
    }
    HashFinderEngine one = closeLater(HashFinderEngine.newBuilder().threads(2)
        .budget(ResourceBudget.unlimited()).build());
    HashFinderCluster cluster = closeLater(HashFinderCluster.newBuilder(String.join(",", names))
        .channelBuilder(InProcessChannelBuilder::forName)
        .budget(ResourceBudget.unlimited())
        .rangeDuration(Duration.ofMillis(10 + random.nextInt(100)))
        .rangesPerBackend(1 + random.nextInt(3))
        .build());

    for (int s = 0; s < 12; s++) {
      StringBuilder target = new StringBuilder();
      for (int c = 2 + random.nextInt(3); c > 0; c--) {
        target.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      int ideal = random.nextInt(Math.min(2, target.length() - 1) + 1);
      Query query = Query.of(target.toString(), ideal).startingAt(random.nextInt(100_000));
      ResourceBudget budget = ResourceBudget.ofHashes(1 + random.nextInt(300_000));
      String what = query + " " + budget;
      Query ranged = query.withInterestingDistance(ideal + random.nextInt(2));
      List<Match> expectedStream = Collections.synchronizedList(new ArrayList<>());
      List<Match> actualStream = Collections.synchronizedList(new ArrayList<>());

      Outcome<Match> expected = outcome(one.find(query, budget, new CancellationToken()));
      Outcome<Match> actual = outcome(cluster.find(query, budget, new CancellationToken()));
      Outcome<Void> expectedRange = outcome(
          one.findRange(ranged, budget, new CancellationToken(), expectedStream::add));
      Outcome<Void> actualRange = outcome(
          cluster.findRange(ranged, budget, new CancellationToken(), actualStream::add));

      assertThat(actual.describe()).as(what).isEqualTo(expected.describe());
      assertThat(actualRange.describe()).as(what).isEqualTo(expectedRange.describe());
      assertThat(actualStream).as(what).extracting(Match::index)
          .containsExactlyElementsOf(expectedStream.stream().map(Match::index).toList());
    }
  }

  /** How a search ended: its answer, or the type and count of its failure. */
  private record Outcome<T>(T value, Throwable failure) {
    String describe() {
      if (failure instanceof BudgetExhaustedException e) {
        return "exhausted " + e.limit() + " after " + e.hashesExamined();
      }
      if (failure != null) {
        return "failed " + failure;
      }
      return value instanceof Match m ? "found " + m.index() + " " + m.secretBase64()
          : "found";
    }
  }

  private static <T> Outcome<T> outcome(CompletableFuture<T> future) throws Exception {
    try {
      return new Outcome<>(future.get(60, TimeUnit.SECONDS), null);
    } catch (ExecutionException e) {
      return new Outcome<>(null, e.getCause());
    }
  }

  private <T extends AutoCloseable> T closeLater(T closeable) {
    closeables.add(closeable);
    return closeable;
  }
}
