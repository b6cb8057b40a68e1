package dev.hashfinder.examples;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.HashFinder;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.InProcessHashFinder;

/**
 * A gRPC server and its client in one process, without sockets: the same {@link HashFinder} code
 * runs against the engine directly and through gRPC.
 */
public final class InProcessServerExample {
  private InProcessServerExample() {}

  public static void main(String[] args) throws Exception {
    try (HashFinderEngine engine = HashFinderEngine.newBuilder()
            .budget(ResourceBudget.ofHashes(5_000_000)).build();
        InProcessHashFinder server = InProcessHashFinder.start(engine)) {
      search("engine", engine);
      search("gRPC client", server.client());
    }
  }

  private static void search(String label, HashFinder finder) throws Exception {
    Match match = finder.find(Query.of("grpc", 0)).get();
    System.out.println(label + ": " + match);
    finder.findRange(Query.of("aa", 0).withInterestingDistance(1), ResourceBudget.unlimited(),
        new CancellationToken(), inferior -> System.out.println(label + " streams: " + inferior))
        .get();
  }
}
