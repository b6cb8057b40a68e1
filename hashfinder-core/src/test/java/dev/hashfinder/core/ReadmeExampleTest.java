package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.Hashing;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The README's first example, line for line, so that it keeps compiling and working. */
class ReadmeExampleTest {
  @Test
  void theReadmeExampleWorks() {
    // --- README ---
    try (HashFinderEngine engine = HashFinderEngine.newBuilder()
        .budget(ResourceBudget.ofHashes(50_000_000))            // at most 50 M hashes a search
        .algorithms(HashAlgorithms.sha1(),                       // the digests queries may name
            HashAlgorithms.guava("MURMUR3-128", Hashing.murmur3_128()))
        .build()) {
      Match match = engine.find(Query.of("grpc", 0)).join();      // on every core
      System.out.println(match.secretBase64() + " -> " + match.hashText());

      CompletableFuture<Match> hopeless = engine.find(Query.of("hashfinder", 0));
      hopeless.cancel(true);                                      // workers stop within ms

      Match murmur = engine.find(Query.of("grpc", 0).withAlgorithm("MURMUR3-128")).join();
      // --- end ---
      assertThat(match.secretBase64()).isEqualTo("AAcV");
      org.awaitility.Awaitility.await().until(() -> engine.activeSearches() == 0);
      assertThat(murmur.hashText()).containsIgnoringCase("grpc");
    }
  }
}
