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
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cluster of real {@code serve} processes on loopback, searched with {@code find --servers} and
 * through a {@code serve --backends} front: the answers of one machine, no index lost when a
 * server is killed or stopped mid-range, Ctrl-C reaching every server.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterIT {
  private final Processes processes = new Processes();

  @AfterEach
  void stopEverything() throws InterruptedException {
    processes.close();
  }

  private List<Server> backends(int count) throws Exception {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      servers.add(processes.serve("--threads", "1"));
    }
    return servers;
  }

  private static String targets(List<Server> servers) {
    return servers.stream().map(Server::target).collect(Collectors.joining(","));
  }

  @Test
  void findOnThreeServers_printsWhatOneMachinePrints() throws Exception {
    String targets = targets(backends(3));

    Run alone = processes.start("find", "grpc", "--show-inferior", "1", "--json");
    Run cluster = processes.start("find", "grpc", "--show-inferior", "1", "--json",
        "--servers", targets);
    Run find = processes.start("find", "Doctor", "--ideal-distance", "1", "--servers", targets);

    assertThat(alone.exitCode()).isZero();
    assertThat(cluster.exitCode()).isZero();
    assertThat(cluster.stdout).hasSizeGreaterThan(2).containsExactlyElementsOf(alone.stdout);
    assertThat(find.exitCode()).isZero();
    assertThat(find.stdout).containsExactly(
        "secret: \"4fE=\"", "hashed_name: \"E0Vzxl8baz59WBMz6iACDOCQorI=\"",
        "hamming_distance: 1", "");
  }

  @Test
  void aServerKilledMidRange_andOneStopped_loseNoIndex() throws Exception {
    List<Server> servers = backends(3);
    Server killed = servers.get(1);
    Server stopped = servers.get(2);
    Run find = processes.start("find", "hashfinder", "--servers", targets(servers),
        "--maximum-hashes", "60000000");
    awaitRanges(killed, 3);
    awaitRanges(stopped, 3);

    Processes.signal("KILL", killed.run());
    Processes.signal("STOP", stopped.run());
    try {
      assertThat(find.exitCode()).isEqualTo(1);
    } finally {
      Processes.signal("CONT", stopped.run());
    }

    assertThat(find.stderr).last().isEqualTo("hashfinder: RESOURCE_EXHAUSTED: budget of "
        + "60000000 hashes exhausted after examining 60000000 hashes");
    assertThat(find.stderr).anySatisfy(line -> assertThat(line)
        .contains("WARNING backend " + killed.target() + " failed a range, which is dealt again"));
    assertThat(find.stderr).anySatisfy(line -> assertThat(line)
        .contains("WARNING backend " + stopped.target() + " failed a range, which is dealt "
            + "again: stalled: range ["));
  }

  @Test
  void ctrlC_cancelsTheCallOnEveryServer() throws Exception {
    List<Server> servers = backends(3);
    // Past its first ranges (they grow fourfold each, from 65,536 indices), each server's two
    // ranges in flight last seconds: both are surely running when Ctrl-C comes.
    Run find = processes.start("find", "hashfinder", "--servers", targets(servers),
        "--maximum-hashes", "2000000000", "--range-duration", "5s");
    for (Server server : servers) {
      awaitRanges(server, 5);
    }
    await().atMost(Duration.ofSeconds(30))
        .until(() -> servers.stream().allMatch(server -> !openRanges(server).isEmpty()));

    Processes.signal("INT", find);

    assertThat(find.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(find.process.exitValue()).isEqualTo(130);
    for (Server server : servers) {
      server.awaitLog("from 127.0.0.1: CANCELLED: cancelled by the client");
      await().atMost(Duration.ofSeconds(10)).until(() -> openRanges(server).isEmpty());
    }
  }

  private static final Pattern RANGE_LOG =
      Pattern.compile(".* first_index=(\\d+) from 127\\.0\\.0\\.1: (searching|.*)");

  /** The first indices of the ranges a server started and has not ended. */
  private static Set<String> openRanges(Server server) {
    Set<String> open = new HashSet<>();
    for (String line : server.run().stderr) {
      Matcher range = RANGE_LOG.matcher(line);
      if (range.matches() && range.group(2).equals("searching")) {
        open.add(range.group(1));
      } else if (range.matches()) {
        open.remove(range.group(1));
      }
    }
    return open;
  }

  @Test
  void aFront_servesTheClusterAsOneServer() throws Exception {
    String targets = targets(backends(2));
    Server front = processes.serve("--backends", targets);

    Run alone = processes.start("find", "grpc", "--show-inferior", "1", "--json");
    Run through = processes.start("find", "grpc", "--show-inferior", "1", "--json", "--server",
        front.target());

    assertThat(through.exitCode()).isZero();
    assertThat(alone.exitCode()).isZero();
    assertThat(through.stdout).containsExactlyElementsOf(alone.stdout);
    front.awaitLog("in front of " + targets + ": 2 of 2 backends serving");
  }

  /** A {@link ForgingServer} process and its address. */
  private String forger() {
    Run run;
    try {
      run = processes.startMain(ForgingServer.class);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    Pattern port = Pattern.compile("port (\\d+)");
    return await().atMost(Duration.ofSeconds(30)).until(() -> run.stdout.stream()
        .map(port::matcher).filter(Matcher::matches).map(m -> "127.0.0.1:" + m.group(1))
        .findFirst().orElse(null), t -> t != null);
  }

  /** The WARNING lines of {@code run}'s stderr that name {@code backend}. */
  private static List<String> warningsAbout(Run run, String backend) {
    return run.stderr.stream()
        .filter(line -> line.contains("WARNING") && line.contains("backend " + backend + " "))
        .toList();
  }

  @Test
  void aServerThatForgesItsAnswers_beside_aRealOne_findServersPrintsTheHonestAnswers()
      throws Exception {
    String forger = forger();
    String targets = forger + "," + targets(backends(1)); // the forger is dealt the first range

    Run find = processes.start("find", "aa", "--servers", targets);
    Run aloneRange = processes.start("find", "grpc", "--show-inferior", "1", "--json");
    Run range = processes.start("find", "grpc", "--show-inferior", "1", "--json", "--servers",
        targets);

    assertThat(find.exitCode()).isZero();
    assertThat(find.stdout).containsExactly(
        "secret: \"ZA==\"", "hashed_name: \"PDY4Ns9OFmZmaaJdooChhlwtKHQ=\"", "");
    assertThat(warningsAbout(find, forger)).singleElement().asString()
        .contains("backend " + forger + " is dropped: it answered a match that fails its "
            + "proof: its secret is not the secret at index ")
        .contains("; its ranges are dealt again");
    assertThat(range.exitCode()).isZero();
    assertThat(aloneRange.exitCode()).isZero();
    assertThat(range.stdout).hasSizeGreaterThan(2).containsExactlyElementsOf(aloneRange.stdout);
    assertThat(warningsAbout(range, forger)).singleElement().asString()
        .contains("backend " + forger + " is dropped: it streamed a match that fails its "
            + "proof: its secret is not the secret at index ");
  }

  @Test
  void aServerThatForgesItsAnswers_behindAFront_isDropped_andTheFrontAnswersHonestly()
      throws Exception {
    String forger = forger();
    Server front = processes.serve("--backends", forger + "," + targets(backends(1)));

    Run find = processes.start("find", "aa", "--server", front.target());

    assertThat(find.exitCode()).isZero();
    assertThat(find.stdout).containsExactly(
        "secret: \"ZA==\"", "hashed_name: \"PDY4Ns9OFmZmaaJdooChhlwtKHQ=\"", "");
    assertThat(warningsAbout(front.run(), forger)).singleElement().asString()
        .contains("backend " + forger + " is dropped: it answered a match that fails its proof");
  }

  @Test
  void findServer_refusesAResponseOverTheSizeCap() throws Exception {
    String forger = forger();

    Run find =
        processes.start("find", "grpc", "--show-inferior", "1", "--json", "--server", forger);

    assertThat(find.exitCode()).isEqualTo(1);
    assertThat(find.stdout).as("the responses before it: one server is trusted, not proven")
        .hasSize(ForgingServer.STREAMED - 1);
    assertThat(find.stderr).last().asString().startsWith(
        "hashfinder: RESOURCE_EXHAUSTED: gRPC message exceeds maximum size 4096: ");
  }

  @Test
  void clusterUsageErrors_exit2_namingTheFlags() throws Exception {
    Run both = processes.start("find", "aa", "--server", "localhost:1", "--servers",
        "localhost:2");
    Run rangeAlone = processes.start("find", "aa", "--range-duration", "2s");
    Run backendTlsAlone = processes.start("serve", "--port", "0", "--backend-tls");
    Run frontThreads = processes.start("serve", "--port", "0", "--backends", "localhost:1",
        "--threads", "1");

    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.stderr).first()
        .isEqualTo("--server and --servers: one server or a cluster, not both");
    assertThat(rangeAlone.exitCode()).isEqualTo(2);
    assertThat(rangeAlone.stderr).first()
        .isEqualTo("--range-duration and --verbose are for --servers");
    assertThat(backendTlsAlone.exitCode()).isEqualTo(2);
    assertThat(backendTlsAlone.stderr).first().asString()
        .startsWith("--backend-tls, --backend-tls-ca, --backend-tls-cert, --backend-token-file");
    assertThat(frontThreads.exitCode()).isEqualTo(2);
    assertThat(frontThreads.stderr).first().asString()
        .startsWith("--threads and --algorithms set this server's engine");
  }

  /** Waits until {@code server} has finished {@code count} ranges of a search. */
  private static void awaitRanges(Server server, int count) {
    await().atMost(Duration.ofSeconds(60)).until(() -> server.run().stderr.stream()
        .filter(line -> line.contains(" first_index=") && line.contains("exhausted after"))
        .count() >= count);
  }
}
