package dev.hashfinder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.cli.Processes.Run;
import dev.hashfinder.cli.Processes.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A tree of real processes on loopback: four {@code serve} leaves, two {@code serve --backends}
 * fronts of two leaves each, and {@code find --servers} over the two fronts. It prints what one
 * machine prints, and Ctrl-C stops the search on every leaf.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FrontsOfFrontsIT {
  private static final Pattern PORT =
      Pattern.compile(".*serving hash_name.HashFinder on 127.0.0.1:(\\d+).*");
  private final Processes processes = new Processes();
  private final List<Server> leaves = new ArrayList<>();
  private final List<Server> fronts = new ArrayList<>();

  @BeforeAll
  void growTree() throws Exception {
    // A front deals each of its caller's ranges out again, two ranges a leaf, and the root keeps
    // two ranges on each front: a leaf gives its front four searches at once, and room to spare.
    List<Run> leafRuns = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      leafRuns.add(processes.start("serve", "--port", "0", "--verbose", "--threads", "1",
          "--max-concurrent-rpcs", "8", "--max-rpcs-per-client", "8"));
    }
    for (Run run : leafRuns) {
      leaves.add(new Server(run, target(run)));
    }
    List<Run> frontRuns = List.of(
        processes.start("serve", "--port", "0", "--verbose", "--backends",
            leaves.get(0).target() + "," + leaves.get(1).target()),
        processes.start("serve", "--port", "0", "--verbose", "--backends",
            leaves.get(2).target() + "," + leaves.get(3).target()));
    for (Run run : frontRuns) {
      fronts.add(new Server(run, target(run)));
    }
  }

  private static String target(Run run) {
    return await().atMost(Duration.ofSeconds(60)).until(() -> run.stderr.stream()
        .map(PORT::matcher).filter(Matcher::matches).map(m -> "127.0.0.1:" + m.group(1))
        .findFirst().orElse(null), t -> t != null);
  }

  @AfterAll
  void stopEverything() throws InterruptedException {
    processes.close();
  }

  private String frontTargets() {
    return fronts.get(0).target() + "," + fronts.get(1).target();
  }

  @Test
  void findOnTwoFronts_printsWhatOneMachinePrints() throws Exception {
    Run alone = processes.start("find", "Fronts", "--json");
    Run tree = processes.start("find", "Fronts", "--json", "--servers", frontTargets());
    Run aloneRange = processes.start("find", "grpc", "--show-inferior", "1", "--json");
    Run treeRange = processes.start("find", "grpc", "--show-inferior", "1", "--json",
        "--servers", frontTargets());

    assertThat(alone.exitCode()).isZero();
    assertThat(tree.exitCode()).isZero();
    assertThat(tree.stdout).containsExactly("{\"secret\":\"AAsDkw==\","
        + "\"hashed_name\":\"xYpnh643PiyDI7H7H5gwLfRONTs=\",\"hamming_distance\":0,"
        + "\"index\":17362843}").containsExactlyElementsOf(alone.stdout);
    assertThat(aloneRange.exitCode()).isZero();
    assertThat(treeRange.exitCode()).isZero();
    assertThat(treeRange.stdout).hasSizeGreaterThan(2)
        .containsExactlyElementsOf(aloneRange.stdout);
  }

  @Test
  void ctrlC_atTheRoot_stopsTheSearchOnEveryLeaf() throws Exception {
    // The root's first ranges on a front are short (they grow fourfold each) and a front's call
    // may end just as Ctrl-C comes, or start just before it. Past those, with a range duration of
    // 20 s, a front's range lasts seconds: every front is surely inside one, its own search
    // dealing to its leaves, when the signal arrives.
    Run find = processes.start("find", "hashfinder", "--servers", frontTargets(),
        "--maximum-hashes", "2000000000", "--range-duration", "20s");
    await().atMost(Duration.ofSeconds(60)).until(() -> fronts.stream()
            .allMatch(front -> endedRanges(front) >= RAMP_RANGES && !openRanges(front).isEmpty())
        && leaves.stream().allMatch(leaf -> !openRanges(leaf).isEmpty()));

    Processes.signal("INT", find);

    assertThat(find.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(find.process.exitValue()).isEqualTo(130);
    for (Server front : fronts) {
      front.awaitLog("from 127.0.0.1: CANCELLED: cancelled by the client");
      front.awaitLog("cluster search desired_name=\"hashfinder\" cancelled");
    }
    // The fronts passed the cancel on: leaves' ranges end CANCELLED, not at their budget. A
    // range about to end may end first, and a front may be between two ranges of a leaf as the
    // cancel arrives, so one leaf of the four is what is certain.
    await().atMost(Duration.ofSeconds(10)).until(() -> leaves.stream().anyMatch(leaf ->
        leaf.run().stderr.stream().anyMatch(line -> RANGE_LOG.matcher(line).matches()
            && line.contains("from 127.0.0.1: CANCELLED: cancelled by the client"))));
    for (Server server : fronts) {
      await().atMost(Duration.ofSeconds(10)).until(() -> openRanges(server).isEmpty());
    }
    for (Server leaf : leaves) {
      await().atMost(Duration.ofSeconds(10)).until(() -> openRanges(leaf).isEmpty());
    }
  }

  private static final Pattern RANGE_LOG =
      Pattern.compile(".*Find desired_name=\"hashfinder\" ideal=0 (first_index=(\\d+) )?"
          + "from 127\\.0\\.0\\.1: (searching|.*)");

  /** Ranges a front ends before the root deals it ranges of its full duration. */
  private static final int RAMP_RANGES = 4;

  /** How many ranges of the "hashfinder" search a server has ended. */
  private static long endedRanges(Server server) {
    return server.run().stderr.stream().map(RANGE_LOG::matcher)
        .filter(range -> range.matches() && !range.group(3).equals("searching")).count();
  }

  /** The first indices of the ranges of the "hashfinder" search a server started, not ended. */
  private static Set<String> openRanges(Server server) {
    Set<String> open = new HashSet<>();
    for (String line : server.run().stderr) {
      Matcher range = RANGE_LOG.matcher(line);
      if (!range.matches()) {
        continue;
      }
      String first = range.group(2) == null ? "0" : range.group(2);
      if (range.group(3).equals("searching")) {
        open.add(first);
      } else {
        open.remove(first);
      }
    }
    return open;
  }
}
