package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Small searches on simulated clusters of 10, 100 and 1,000 backends that really hash (one engine
 * behind them all), in virtual time, while some backends die mid-range, stall for good, join and
 * leave: every search gives one engine's answers, {@code find} and {@code findRange} alike. The
 * seed is {@code hashfinder.simulation.seed}; every failure names it.
 */
class SimulatedClusterAnswersTest {
  private static final long SEED = Long.getLong("hashfinder.simulation.seed", 20261203L);
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789+/";
  /** Kept, so that its level holds: a WARNING for each failing backend. */
  private static final Logger CLUSTER_LOG = Logger.getLogger("dev.hashfinder.cluster");
  private static @Nullable Level logLevel;
  private static HashFinderEngine engine;

  @BeforeAll
  static void startEngine() {
    engine = HashFinderEngine.newBuilder().threads(2).budget(ResourceBudget.unlimited()).build();
    logLevel = CLUSTER_LOG.getLevel();
    CLUSTER_LOG.setLevel(Level.SEVERE);
  }

  @AfterAll
  static void closeEngine() {
    CLUSTER_LOG.setLevel(logLevel);
    engine.close();
  }

  @ParameterizedTest(name = "{0} backends")
  @ValueSource(ints = {10, 100, 1000})
  void smallSearches_onBackendsDyingStallingJoiningAndLeaving_giveOneEnginesAnswers(
      int backends) {
    long seed = SEED + backends;
    String what = backends + " backends, seed " + seed + " (rerun with "
        + "-Dhashfinder.simulation.seed=" + SEED + ")";
    Random random = new Random(seed);
    try (ClusterSimulation simulation =
        new ClusterSimulation(backends, seed, engine, true, false)) {
      List<ClusterSimulation.Life> initial = List.copyOf(simulation.lives());
      long now = simulation.time.now();
      long millis = 1_000_000;
      for (int i = 0; i < Math.max(1, backends / 100); i++) {
        simulation.fate(initial.get(i), SimulatedBackend.Fate.DIES,
            now + random.nextInt(40) * millis);
      }
      for (int i = 0; i < Math.max(1, backends / 200); i++) {
        simulation.fate(initial.get(backends - 1 - i), SimulatedBackend.Fate.STALLS,
            now + random.nextInt(40) * millis);
      }
      simulation.time.world(20 * millis, () -> simulation.leave(initial.get(backends / 2)));
      simulation.time.world(30 * millis, simulation::join);

      for (int s = 0; s < 12; s++) {
        StringBuilder target = new StringBuilder();
        for (int c = 3 + random.nextInt(2); c > 0; c--) {
          target.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        int ideal = target.length() == 4 ? random.nextInt(2) : 0;
        Query query = Query.of(target.toString(), ideal).startingAt(random.nextInt(3) * 70_000L);
        ResourceBudget budget = ResourceBudget.ofHashes(20_000 + random.nextInt(1_500_000));
        String search = what + ", search " + s + ": " + query + " " + budget;
        if (random.nextBoolean()) {
          assertThat(outcome(simulation.run(
                  simulation.cluster.find(query, budget, new CancellationToken()),
                  Duration.ofMinutes(10))))
              .as(search).isEqualTo(outcome(engine.find(query, budget, new CancellationToken())));
        } else {
          Query ranged = query.withInterestingDistance(ideal + 1);
          List<Long> expected = new ArrayList<>();
          List<Long> actual = new ArrayList<>();
          String expectedOutcome = outcome(engine.findRange(ranged, budget,
              new CancellationToken(), match -> {
                synchronized (expected) {
                  expected.add(match.index());
                }
              }));
          String actualOutcome = outcome(simulation.run(simulation.cluster.findRange(ranged,
              budget, new CancellationToken(), match -> actual.add(match.index())),
              Duration.ofMinutes(10)));
          assertThat(actualOutcome).as(search).isEqualTo(expectedOutcome);
          synchronized (expected) {
            assertThat(actual).as(search).containsExactlyElementsOf(expected);
          }
        }
      }
      assertThat(simulation.cluster.redealtIndices()).as(what + ": the dead and stalled "
          + "backends' ranges were dealt again").isPositive();
    }
  }

  /** How a search ended: its answer, or its failure's type and count. */
  private static String outcome(CompletableFuture<?> future) {
    try {
      Object value = future.join();
      return value instanceof Match match ? "found " + match.index() + " " + match.secretBase64()
          : "found";
    } catch (CompletionException e) {
      if (e.getCause() instanceof BudgetExhaustedException exhausted) {
        return "exhausted " + exhausted.limit() + " after " + exhausted.hashesExamined();
      }
      return "failed " + e.getCause();
    }
  }
}
