package dev.hashfinder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.cli.Processes.Run;
import dev.hashfinder.cli.Processes.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A budget holds to the end of the index space: the packaged {@code serve} asked to search from
 * 100 indices below 2^63 - 1 with a budget of 1,000, by the packaged {@code find}, answers each
 * call at once with {@code RESOURCE_EXHAUSTED} after the 100 indices there are, and frees the
 * call's slot, whatever the digest (the native kernel's SHA-1, or SHA-256 and MD5 in Java) and
 * the method.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class IndexSpaceEndIT {
  private static final String FIRST = "9223372036854775707"; // Long.MAX_VALUE - 100

  private final Processes processes = new Processes();

  @AfterEach
  void stopEverything() throws InterruptedException {
    processes.close();
  }

  @Test
  void findAndFindRange_fromTheLastHundredIndices_endExhaustedAtOnce_andFreeTheirSlot()
      throws Exception {
    // One slot: a call whose search kept it would have the next call refused as busy.
    Server server = processes.serve("--max-concurrent-rpcs", "1");
    List<List<String>> calls = List.of(
        List.of(),
        List.of("--show-inferior", "1"),
        List.of("--algorithm", "SHA-256"),
        List.of("--algorithm", "MD5", "--show-inferior", "1"));

    for (List<String> extra : calls) {
      List<String> args = new ArrayList<>(List.of("find", "hashfinder", "--server",
          server.target(), "--first-index", FIRST, "--maximum-hashes", "1000"));
      args.addAll(extra);
      Run find = processes.start(args.toArray(String[]::new));

      // Before, a search here never ended by itself: the call's limit, ten minutes, ended it.
      assertThat(find.process.waitFor(30, TimeUnit.SECONDS)).as("%s ended", extra).isTrue();
      assertThat(find.exitCode()).as("%s", extra).isEqualTo(1);
      assertThat(find.stdout).isEmpty();
      assertThat(find.stderr).as("%s", extra).containsExactly("hashfinder: RESOURCE_EXHAUSTED: "
          + "reached the end of the index space after examining 100 hashes, within a budget of "
          + "1000 hashes");
    }

    Run next = processes.start("find", "aa", "--server", server.target());
    assertThat(next.exitCode()).isZero();
    assertThat(next.stdout).first().isEqualTo("secret: \"ZA==\"");
    // The server's own line for each call: its outcome, written just after it was sent.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.run().stderr)
        .filteredOn(line -> line.contains("first_index=" + FIRST))
        .filteredOn(line -> line.contains("RESOURCE_EXHAUSTED: reached the end of the index"))
        .hasSize(calls.size()));
  }

  @Test
  void theEmbeddedServer_endsAtTheTopToo_andANegativeFirstIndexIsAUsageError() throws Exception {
    Run embedded = processes.start("find", "hashfinder", "--first-index", FIRST,
        "--maximum-hashes", "1000", "--show-inferior", "2");
    Run negative = processes.start("find", "aa", "--first-index", "-1");

    assertThat(embedded.exitCode()).isEqualTo(1);
    assertThat(embedded.stderr).containsExactly("hashfinder: RESOURCE_EXHAUSTED: reached the "
        + "end of the index space after examining 100 hashes, within a budget of 1000 hashes");
    assertThat(negative.exitCode()).isEqualTo(2);
    assertThat(negative.stderr).first().isEqualTo("--first-index must be at least 0: -1");
  }
}
