package dev.hashfinder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.cli.Processes.Run;
import dev.hashfinder.cli.Processes.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cluster on a network that partitions silently: hosts in network namespaces joined by a
 * bridge ({@link NamespacedNetwork}), two backends ({@code serve --threads 1}, pinned to a core
 * each where there are two), a client, and a front; a host's link goes down mid-search, its
 * packets dropped without a reset, as when a machine or a switch port dies. Skipped where the
 * machine does not allow building the network (not root, no iproute2).
 *
 * <p>The searches look for {@code servers}, whose first answer is at index 511,900,754, from a
 * first index that leaves a few seconds of work on this machine (a first search measures the
 * backends); the partition comes once the rest of the search is a set number of seconds of one
 * backend's work, measured from the backends' own logs, so that the test asks the same of a
 * slow machine as of a fast one.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterPartitionIT {
  private static final String NAME = "servers";
  private static final long ANSWER = 511_900_754L;
  /** A range a backend finished: where it started, how many it examined, in how long. */
  private static final Pattern RANGE_DONE = Pattern.compile(".* Find desired_name=\"" + NAME
      + "\" ideal=0 first_index=(\\d+) from \\S+: RESOURCE_EXHAUSTED: budget of \\d+ hashes "
      + "exhausted after examining (\\d+) hashes in (\\d+) ms");
  private static final Pattern RANGE_STARTED = Pattern.compile(".* Find desired_name=\"" + NAME
      + "\" ideal=0 first_index=(\\d+) from \\S+: searching");

  private static NamespacedNetwork network;
  private static final Processes backends = new Processes();
  private static Backend a;
  private static Backend b;
  /** Indices per second backend a examines, as the first search measured. */
  private static double rate;

  private final Processes processes = new Processes();

  /** A backend, and where in its log the test running now begins. */
  private static final class Backend {
    final Server server;
    private volatile int mark;

    Backend(Server server) {
      this.server = server;
    }

    String target() {
      return server.target();
    }

    /** Starts the backend's log afresh for the test about to run. */
    void markLog() {
      mark = server.run().stderr.size();
    }

    /** What the backend has logged since {@link #markLog()}. */
    List<String> log() {
      List<String> all = List.copyOf(server.run().stderr);
      return all.subList(Math.min(mark, all.size()), all.size());
    }
  }

  @BeforeAll
  static void buildTheNetwork_andMeasureTheBackends() throws Exception {
    network = NamespacedNetwork.create("a", "b", "client", "front");
    // Two searches per client: a one-thread server's default share is one, and the cluster deals
    // each backend two ranges at once, so the second would be refused busy again and again.
    Run startingA = startServe(backends, "a", 0, "--threads", "1", "--max-rpcs-per-client", "2");
    Run startingB = startServe(backends, "b", 1, "--threads", "1", "--max-rpcs-per-client", "2");
    a = new Backend(awaitServing(startingA, "a"));
    b = new Backend(awaitServing(startingB, "b"));
    Run measuring = backends.startBehind(network.on("client"), "find", NAME, "--servers",
        targets(), "--maximum-hashes", "60000000");
    Throughput ofA = new Throughput();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> ofA.sample() >= 0 && !measuring.process.isAlive());
    assertThat(measuring.exitCode()).as("a search within its budget, without an answer")
        .isEqualTo(1);
    rate = ofA.perSecond();
    assertThat(rate).as("backend a's measured rate").isPositive();
  }

  @AfterAll
  static void removeTheNetwork() throws Exception {
    backends.close();
    if (network != null) {
      network.close();
    }
  }

  @BeforeEach
  void markTheLogs() {
    a.markLog();
    b.markLog();
  }

  @AfterEach
  void stopEverything() throws Exception {
    processes.close();
    network.healAll();
  }

  private static String targets() {
    return a.target() + "," + b.target();
  }

  /**
   * A search for {@link #ANSWER} from where about {@code seconds} of one backend's work is left
   * and four more: two seconds of the two backends before the partition comes.
   */
  private Run searchLeaving(int seconds) throws Exception {
    long firstIndex = Math.max(0, ANSWER - (long) ((seconds + 4) * rate));
    return processes.startBehind(network.on("client"), "find", NAME, "--servers", targets(),
        "--first-index", Long.toString(firstIndex), "--maximum-hashes", "2000000000",
        "--verbose", "--json");
  }

  @Test
  void aBackendSilentlyPartitionedMidSearch_losesOnlyTheRangesItHeld_andTheAnswerComesSoon()
      throws Exception {
    Run find = searchLeaving(8);
    awaitRestOfTheSearch(8);

    network.cut("b");
    long cut = System.nanoTime();
    int exit = find.exitCode();
    double secondsAfterCut = (System.nanoTime() - cut) / 1e9;

    List<String> lost = rangesLost(find, b);
    System.out.printf(Locale.ROOT, "%s: silent partition: answered %.1f s after the cut, "
        + "%d ranges lost: %s%n", getClass().getSimpleName(), secondsAfterCut, lost.size(), lost);
    find.stderr.stream().filter(line -> line.contains("cluster search ")).forEach(System.out::println);
    assertThat(exit).isZero();
    assertThat(find.stdout).first().asString().contains("\"index\":" + ANSWER);
    assertThat(lost).as("ranges lost to the partitioned backend").hasSizeLessThanOrEqualTo(2);
    assertThat(secondsAfterCut).as("seconds from the cut to the answer").isLessThan(15);

    network.heal("b");
    Run next = processes.startBehind(network.on("client"), "find", "Doctor",
        "--ideal-distance", "1", "--servers", targets());
    assertThat(next.exitCode()).isZero();
    assertThat(next.stdout).first().isEqualTo("secret: \"4fE=\"");
    assertThat(b.log()).as("the healed backend searches again").anySatisfy(line ->
        assertThat(line).contains("Find desired_name=\"Doctor\"")
            .contains("from " + network.address("client") + ": searching"));
  }

  @Test
  void aPartitionThatHealsMidSearch_bringsItsBackendBackIntoTheSearch() throws Exception {
    // From just past the answer: nothing matches for minutes, so the search cannot end before
    // the backend is back, however long TCP takes to retransmit to it or the machine is loaded.
    Run find = processes.startBehind(network.on("client"), "find", NAME, "--servers", targets(),
        "--first-index", Long.toString(ANSWER + 1), "--maximum-hashes", "2000000000",
        "--verbose");
    await().atMost(Duration.ofSeconds(90)).until(() -> rangesDone(b).size() >= 3);

    network.cut("b");
    await().atMost(Duration.ofSeconds(30)).until(() -> !rangesLost(find, b).isEmpty());
    long frontier = frontier();
    network.heal("b");
    long healed = System.nanoTime();

    await().atMost(Duration.ofSeconds(60)).until(() -> b.log().stream()
        .map(RANGE_STARTED::matcher).filter(Matcher::matches)
        .anyMatch(range -> Long.parseLong(range.group(1)) > frontier));
    System.out.printf(Locale.ROOT, "%s: healed partition: the backend took a new range %.1f s "
        + "after the heal%n", getClass().getSimpleName(), (System.nanoTime() - healed) / 1e9);
    Processes.signal("INT", find);
    assertThat(find.exitCode()).isEqualTo(130);
  }

  @Test
  void aClientOfAPartitionedFront_endsItsCall_insteadOfWaitingForEver() throws Exception {
    Server front = awaitServing(startServe(processes, "front", null, "--backends", targets()),
        "front");
    Run find = processes.startBehind(network.on("client"), "find", NAME, "--server",
        front.target(), "--keepalive", "10s");
    String fromFront = "from " + network.address("front") + ": searching";
    await().atMost(Duration.ofSeconds(30)).until(() -> a.log().stream()
        .anyMatch(line -> line.contains("desired_name=\"" + NAME + "\"")
            && line.contains(fromFront)));

    network.cut("front");
    long cut = System.nanoTime();
    int exit = find.exitCode();
    double secondsAfterCut = (System.nanoTime() - cut) / 1e9;

    System.out.printf(Locale.ROOT, "%s: partitioned front: the client's call ended %.1f s "
        + "after the cut: %s%n", getClass().getSimpleName(), secondsAfterCut, find.stderr);
    assertThat(exit).isEqualTo(1);
    assertThat(find.stderr).last().asString().startsWith("hashfinder: UNAVAILABLE");
    assertThat(secondsAfterCut).as("seconds from the cut to the end of the call")
        .isLessThan(FindCommand.SHORTEST_KEEPALIVE.plus(FindCommand.KEEPALIVE_TIMEOUT)
            .toSeconds() + 5);
  }

  /** Starts {@code serve} on {@code host}, pinned to {@code cpu} where the machine has two. */
  private static Run startServe(Processes processes, String host, Integer cpu, String... args)
      throws Exception {
    List<String> prefix = new ArrayList<>(network.on(host));
    if (cpu != null && Runtime.getRuntime().availableProcessors() >= 2 && hasTaskset()) {
      prefix.addAll(List.of("taskset", "-c", cpu.toString()));
    }
    List<String> all = new ArrayList<>(List.of(
        "serve", "--bind", network.address(host), "--port", "0", "--verbose"));
    all.addAll(List.of(args));
    return processes.startBehind(prefix, all.toArray(String[]::new));
  }

  private static Server awaitServing(Run run, String host) {
    Pattern serving = Pattern.compile(".*serving hash_name.HashFinder on ("
        + Pattern.quote(network.address(host)) + ":\\d+).*");
    String target = await().atMost(Duration.ofSeconds(30)).until(() -> run.stderr.stream()
        .map(serving::matcher).filter(Matcher::matches).map(m -> m.group(1))
        .findFirst().orElse(null), t -> t != null);
    return new Server(run, target);
  }

  private static boolean hasTaskset() {
    try {
      return new ProcessBuilder("taskset", "-V").start().waitFor() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * Waits until backend b has finished three ranges of the search (it is measured and busy) and
   * the rest of the search, up to the answer, is at most {@code seconds} of backend a's work, at
   * the rate its ranges of this search ran (the machine's load changes).
   */
  private static void awaitRestOfTheSearch(int seconds) {
    Throughput ofA = new Throughput();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> {
      ofA.sample();
      double now = ofA.perSecond();
      return rangesDone(b).size() >= 3 && (ANSWER - frontier()) / (now > 0 ? now : rate)
          <= seconds;
    });
  }

  /**
   * Indices per second backend a examines in the test running now, whatever number of ranges it
   * runs at once: what its log says it finished, sampled by the test's clock, from its third
   * range on (the first are too small to time). The machine's load changes it as it goes.
   */
  private static final class Throughput {
    private long firstNanos;
    private long firstExamined = -1;
    private long lastNanos;
    private long lastExamined;

    /** Takes a sample; {@return the indices a examined so far} */
    long sample() {
      List<Matcher> done = rangesDone(a);
      long examined = done.stream().mapToLong(range -> Long.parseLong(range.group(2))).sum();
      long now = System.nanoTime();
      if (firstExamined < 0 && done.size() >= 3) {
        firstNanos = now;
        firstExamined = examined;
      } else if (firstExamined >= 0 && examined > lastExamined) {
        lastNanos = now;
        lastExamined = examined;
      }
      return examined;
    }

    double perSecond() {
      long nanos = lastNanos - firstNanos;
      return firstExamined < 0 || nanos < 500_000_000L ? 0
          : (lastExamined - firstExamined) * 1e9 / nanos;
    }
  }

  private static List<Matcher> rangesDone(Backend backend) {
    return backend.log().stream().map(RANGE_DONE::matcher).filter(Matcher::matches).toList();
  }

  /** The highest index the backends have examined to in this test. */
  private static long frontier() {
    long frontier = 0;
    for (Backend backend : List.of(a, b)) {
      for (Matcher range : rangesDone(backend)) {
        frontier = Math.max(frontier,
            Long.parseLong(range.group(1)) + Long.parseLong(range.group(2)));
      }
    }
    return frontier;
  }

  /** The ranges the cluster gave up on {@code backend} for: every failure but a busy refusal. */
  private static List<String> rangesLost(Run find, Backend backend) {
    return find.stderr.stream()
        .filter(line -> line.contains("backend " + backend.target() + " failed a range"))
        .filter(line -> !line.contains("dealt again: busy: "))
        .map(line -> line.replaceFirst(".*dealt again: ", ""))
        .toList();
  }
}
