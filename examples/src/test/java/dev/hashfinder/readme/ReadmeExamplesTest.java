package dev.hashfinder.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import com.google.common.hash.Hashing;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.cluster.HashFinderCluster;
import dev.hashfinder.core.HashAlgorithms;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.InProcessHashFinder;
import dev.hashfinder.server.HashFinderServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * The README's Java examples, line for line: each block of README.md must stand verbatim in this
 * file, which compiles and runs it, so that a rename or a leak in what the README shows fails the
 * build.
 */
class ReadmeExamplesTest {
  private static final Path README = Path.of(System.getProperty("user.dir")).resolve("../README.md");
  private static final Path THIS_FILE = Path.of(System.getProperty("user.dir"))
      .resolve("src/test/java/dev/hashfinder/readme/ReadmeExamplesTest.java");

  @Test
  void everyJavaBlockOfTheReadme_isAnExampleInThisFile() throws IOException {
    List<String> blocks = javaBlocks(Files.readString(README, StandardCharsets.UTF_8));
    List<String> examples = examples(Files.readString(THIS_FILE, StandardCharsets.UTF_8));

    assertThat(blocks).hasSize(3).map(ReadmeExamplesTest::normalise)
        .containsExactlyInAnyOrderElementsOf(examples);
  }

  @Test
  void theEngineExample_runs() {
    Match found;
    CompletableFuture<Match> ended;
    Match hashedWithMurmur;
    HashFinderEngine used;
    // --- README: the engine ---
    try (HashFinderEngine engine = HashFinderEngine.newBuilder()
        .budget(ResourceBudget.ofHashes(50_000_000))            // at most 50 M hashes a search
        .algorithms(HashAlgorithms.sha1(),                       // the digests queries may name
            HashAlgorithms.guava("MURMUR3-128", Hashing.murmur3_128()))
        .build()) {
      Match match = engine.find(Query.of("grpc", 0)).join();      // on every core
      System.out.println(match.secretBase64() + " -> " + match.hashText());

      CompletableFuture<Match> hopeless = engine.find(Query.of("hashfinder", 0))
          .orTimeout(200, TimeUnit.MILLISECONDS);                 // any ending stops the workers

      Match murmur = engine.find(Query.of("grpc", 0).withAlgorithm("MURMUR3-128")).join();
      found = match; // (test)
      ended = hopeless; // (test)
      hashedWithMurmur = murmur; // (test)
      used = engine; // (test)
      await().until(() -> engine.activeSearches() == 0); // (test)
    }
    // --- end ---
    assertThat(found.secretBase64()).isEqualTo("AAcV");
    assertThat(ended).failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(TimeoutException.class);
    assertThat(hashedWithMurmur.hashText()).containsIgnoringCase("grpc");
    assertThat(used.activeSearches()).isZero();
  }

  @Test
  void theClusterExample_runs() {
    Match found;
    try (HashFinderEngine engine = HashFinderEngine.create();
        HashFinderServer a = HashFinderServer.forPort(0).finder(engine).start();
        HashFinderServer b = HashFinderServer.forPort(0).finder(engine).start()) {
      String backends = "localhost:" + a.port() + ",localhost:" + b.port();
      // --- README: the cluster ---
      // backends: "a:50051,b:50051", or "dns:///hashfinder-backends:50051" for every address
      try (HashFinderCluster cluster = HashFinderCluster.newBuilder(backends)
          .budget(ResourceBudget.ofHashes(10_000_000_000L))   // a cluster is for big searches
          .build()) {                                         // refuses a server that is not hashfinder's
        Match match = cluster.find(Query.of("grpc", 0)).join();   // index 67,087, as on one machine
        found = match; // (test)
      }
      // --- end ---
    }
    assertThat(found.index()).isEqualTo(67_087);
    assertThat(found.secretBase64()).isEqualTo("AAcV");
  }

  /** The README's fixture example, as a test class of its own. */
  @Nested
  class FixtureExample {
    // --- README: the fixture ---
    @AutoClose
    final InProcessHashFinder hashfinder =
        InProcessHashFinder.start(HashFinderEngine.newBuilder().threads(2).build());

    @Test
    void findsAa() {
      Match match = hashfinder.client().find(Query.of("aa", 0)).join();
      assertThat(match.secretBase64()).isEqualTo("ZA==");
    }
    // --- end ---
  }

  @Test
  void theFixtureExample_leavesNoWorkerBehind_runAfterRun() {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    Launcher launcher = LauncherFactory.create();
    for (int run = 0; run < 5; run++) {
      SummaryGeneratingListener summary = new SummaryGeneratingListener();
      launcher.execute(LauncherDiscoveryRequestBuilder.request()
          .selectors(selectClass(FixtureExample.class)).build(), summary);
      assertThat(summary.getSummary().getTestsSucceededCount()).as("run %d", run).isEqualTo(1);
    }

    List<Thread> workers = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.getName().startsWith("hashfinder-worker-"))
        .toList();
    await().atMost(Duration.ofSeconds(5))
        .until(() -> workers.stream().noneMatch(Thread::isAlive));
  }

  private static List<String> javaBlocks(String markdown) {
    List<String> blocks = new ArrayList<>();
    Matcher matcher = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(markdown);
    while (matcher.find()) {
      blocks.add(matcher.group(1));
    }
    return blocks;
  }

  /**
   * The regions of this file between a {@code --- README: ... ---} line and the next {@code ---
   * end ---}, without the lines marked {@code (test)}, normalised.
   */
  private static List<String> examples(String source) {
    List<String> examples = new ArrayList<>();
    StringBuilder current = null;
    for (String line : source.split("\\n")) {
      if (line.strip().startsWith("// --- README:")) {
        current = new StringBuilder();
      } else if (line.strip().equals("// --- end ---") && current != null) {
        examples.add(normalise(current.toString()));
        current = null;
      } else if (current != null && !line.endsWith("// (test)")) {
        current.append(line).append('\n');
      }
    }
    return examples;
  }

  /** Each line stripped of its indentation, blank lines dropped. */
  private static String normalise(String code) {
    StringBuilder out = new StringBuilder();
    for (String line : code.split("\\n")) {
      if (!line.isBlank()) {
        out.append(line.strip()).append('\n');
      }
    }
    return out.toString();
  }
}
