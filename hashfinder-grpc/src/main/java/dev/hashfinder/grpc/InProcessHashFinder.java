package dev.hashfinder.grpc;

import static java.util.Objects.requireNonNull;

import dev.hashfinder.core.HashFinderEngine;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.concurrent.TimeUnit;

/**
 * A hashfinder server and a channel to it in one process, with no sockets: a fixture for tests.
 * It starts on a unique in-process name and {@link #close()} always cleans up, so under JUnit 5 a
 * field is enough:
 *
 * <pre>{@code
 * @AutoClose
 * final InProcessHashFinder hashfinder = InProcessHashFinder.start(HashFinderEngine.create());
 *
 * @Test
 * void findsAa() {
 *   Match match = hashfinder.client().find(Query.of("aa", 0)).join();
 *   assertThat(match.secretBase64()).isEqualTo("ZA==");
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class InProcessHashFinder implements AutoCloseable {
  private final HashFinderServer server;
  private final ManagedChannel channel;
  private final HashFinderClient client;
  private final HashFinderEngine engine;
  private final boolean ownsEngine;

  private InProcessHashFinder(HashFinderEngine engine, boolean ownsEngine,
      int maxConcurrentSearches) {
    String name = InProcessServerBuilder.generateName();
    this.engine = engine;
    this.ownsEngine = ownsEngine;
    this.server = HashFinderServer.inProcess(name).engine(engine)
        .maxConcurrentSearches(maxConcurrentSearches).start();
    this.channel = InProcessChannelBuilder.forName(name).build();
    this.client = HashFinderClient.create(channel);
  }

  /** Serves {@code engine}, which stays the caller's to close. */
  public static InProcessHashFinder start(HashFinderEngine engine) {
    return new InProcessHashFinder(requireNonNull(engine, "engine"), false, Integer.MAX_VALUE);
  }

  /** Serves {@code engine} with a limit on concurrent searches. */
  public static InProcessHashFinder start(HashFinderEngine engine, int maxConcurrentSearches) {
    return new InProcessHashFinder(requireNonNull(engine, "engine"), false, maxConcurrentSearches);
  }

  /** Serves a new engine with default settings, closed with this fixture. */
  public static InProcessHashFinder start() {
    return new InProcessHashFinder(HashFinderEngine.create(), true, Integer.MAX_VALUE);
  }

  /** A client that reaches the server through gRPC, as a remote one would. */
  public HashFinderClient client() {
    return client;
  }

  /** The channel to the server, for generated stubs and other services (health, reflection). */
  public ManagedChannel channel() {
    return channel;
  }

  /** The server. */
  public HashFinderServer server() {
    return server;
  }

  /** The engine behind the server. */
  public HashFinderEngine engine() {
    return engine;
  }

  /**
   * Closes the channel, then the server, then the engine if this fixture made it. If the calling
   * thread is interrupted while waiting, it still closes everything and keeps the interrupt.
   */
  @Override
  public void close() {
    try {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      server.close();
      if (ownsEngine) {
        engine.close();
      }
    }
  }
}
