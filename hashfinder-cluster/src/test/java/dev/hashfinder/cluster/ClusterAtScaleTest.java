package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.base.Splitter;
import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real coordinator dealing to thousands of simulated backends in virtual time ({@link
 * ClusterSimulation}): rates spread tenfold, 1 % dying mid-search, 0.5 % stalling for good, 2 %
 * joining and 2 % leaving through the DNS name. A search of a minute of the whole cluster's work
 * keeps the backends busy after a short ramp, holds what its window holds, and examines every
 * index once. ({@link SimulatedClusterAnswersTest} checks the answers, on backends that hash.)
 *
 * <p>The sizes are {@code hashfinder.simulation.backends} (1,000 in the build; the {@code
 * simulation} profile adds 100 and 10,000, and prints the coordinator's CPU time per range and
 * per event, which are measurements on a shared machine, not asserted). The seed is {@code
 * hashfinder.simulation.seed}; every failure names it.
 */
class ClusterAtScaleTest {
  private static final long SEED = Long.getLong("hashfinder.simulation.seed", 20261203L);

  /** Kept, so that its level holds: a WARNING for each of hundreds of failing backends. */
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

  private static List<Integer> sizes() {
    List<Integer> sizes = new ArrayList<>();
    for (String size : Splitter.on(',').trimResults().omitEmptyStrings()
        .split(System.getProperty("hashfinder.simulation.backends", "1000"))) {
      sizes.add(Integer.parseInt(size));
    }
    return sizes;
  }

  /** {@code hashfinder.simulation.searches}: find, findRange, or both (the default). */
  private static boolean[] searches() {
    String searches = System.getProperty("hashfinder.simulation.searches", "find,findRange");
    return switch (searches) {
      case "find" -> new boolean[] {false};
      case "findRange" -> new boolean[] {true};
      default -> new boolean[] {false, true};
    };
  }

  @Test
  void aMinuteOfWork_keepsEveryServerBusy_afterAShortRamp_holdingOnlyTheWindow() {
    double seconds = Double.parseDouble(System.getProperty("hashfinder.simulation.seconds", "60"));
    boolean measure = Boolean.getBoolean("hashfinder.simulation.measure");
    List<ClusterSimulation.Run> runs = new ArrayList<>();
    if (measure) { // the code compiled, so that the first size measured is not the interpreter
      try (ClusterSimulation warmUp = new ClusterSimulation(100, SEED, engine, false, true)) {
        warmUp.longSearch(seconds, false);
      }
    }
    for (int backends : sizes()) {
      for (boolean ranged : searches()) {
        String seed = String.format(Locale.ROOT, "%,d backends, %s, seed %d (rerun with "
            + "-Dhashfinder.simulation.seed=%d)", backends, ranged ? "findRange" : "find", SEED,
            SEED);
        ClusterSimulation.Run run;
        try (ClusterSimulation simulation =
            new ClusterSimulation(backends, SEED, engine, false, measure)) {
          run = simulation.longSearch(seconds, ranged);
        }
        System.out.println("cluster at scale, " + (ranged ? "findRange" : "find") + ": "
            + run.figures());
        runs.add(run);

        assertThat(run.failure()).as(seed).isInstanceOf(BudgetExhaustedException.class);
        assertThat(((BudgetExhaustedException) run.failure()).hashesExamined())
            .as(seed + ": every index examined once").isEqualTo(run.budget());
        assertThat(run.rampShare()).as(seed + ": the ramp's share of the search")
            .isLessThan(0.02);
        assertThat(run.busyAfterRamp()).as(seed + ": the servers' busy share after the ramp")
            .isGreaterThanOrEqualTo(0.95);
        assertThat(run.redealt()).as(seed + ": the dead and stalled backends' ranges")
            .isPositive();
        int most = backends + Math.max(1, Math.round(backends * 0.02f)); // those that joined
        assertThat(run.most().mostOutstanding()).as(seed + ": ranges in flight at once")
            .isLessThanOrEqualTo(2 * most);
        assertThat(run.most().backendsKept()).as(seed + ": backends the search keeps")
            .isLessThanOrEqualTo(most);
        assertThat(run.most().waitingToBeDelivered()).as(seed + ": pieces waiting in order")
            .isLessThanOrEqualTo(ClusterSearch.WINDOW_PER_RANGE_IN_FLIGHT * 2 * most);
      }
    }
    if (measure) {
      System.out.printf(Locale.ROOT, "cluster at scale: a CPU time reading costs %.0f ns, "
          + "two of which each measured event pays%n", ClusterSimulation.cpuReadingNanos());
      ClusterSimulation.Run smallest = runs.get(0);
      for (ClusterSimulation.Run run : runs) {
        System.out.printf(Locale.ROOT, "cluster at scale: CPU per event at %,d backends is "
                + "%.2fx that at %,d%n", run.backends(),
            run.cpuMicrosPerEvent() / smallest.cpuMicrosPerEvent(), smallest.backends());
      }
    }
  }
}
