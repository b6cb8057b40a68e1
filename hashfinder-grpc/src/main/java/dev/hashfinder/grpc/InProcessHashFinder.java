package dev.hashfinder.grpc;

import static java.util.Objects.requireNonNull;

import dev.hashfinder.core.HashFinderEngine;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A hashfinder server and a channel to it in one process, with no sockets: a fixture for tests.
 * It starts grpc-java's in-process server with the {@link HashFinderService} alone (no health or
 * reflection service, no network transport) on a unique in-process name, and owns what it
 * serves: {@link #close()} closes the channel, the server and the engine, so nothing is left
 * running. Under JUnit 5.11 or later
 * ({@code @AutoClose}) a field is enough:
 *
 * <pre>{@code
 * @AutoClose
 * final InProcessHashFinder hashfinder = InProcessHashFinder.start(
 *     HashFinderEngine.newBuilder().threads(2).build());
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
  private final String name;
  private final Server server;
  private final HashFinderService service;
  private final ManagedChannel channel;
  private final HashFinderClient client;
  private final HashFinderEngine engine;
  private final AtomicBoolean closed = new AtomicBoolean();

  private InProcessHashFinder(HashFinderEngine engine, int maxConcurrentSearches) {
    this.name = InProcessServerBuilder.generateName();
    this.engine = engine;
    this.service = HashFinderService.newBuilder(engine)
        .maxConcurrentSearches(maxConcurrentSearches).build();
    try {
      this.server = InProcessServerBuilder.forName(name).addService(service).build().start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the in-process server " + name, e);
    }
    this.channel = InProcessChannelBuilder.forName(name).build();
    this.client = HashFinderClient.create(channel);
  }

  /**
   * Serves {@code engine} and takes it over: {@link #close()} closes it too.
   *
   * @param engine the engine to serve; closed with the fixture
   * @return the running fixture
   */
  public static InProcessHashFinder start(HashFinderEngine engine) {
    return start(engine, Integer.MAX_VALUE);
  }

  /**
   * Serves {@code engine} with a limit on concurrent searches, and takes it over: {@link #close()}
   * closes it too.
   *
   * @param engine the engine to serve; closed with the fixture
   * @param maxConcurrentSearches the most searches that run at once; at least 1
   * @return the running fixture
   * @throws IllegalArgumentException if {@code maxConcurrentSearches < 1}
   */
  public static InProcessHashFinder start(HashFinderEngine engine, int maxConcurrentSearches) {
    return new InProcessHashFinder(requireNonNull(engine, "engine"), maxConcurrentSearches);
  }

  /** {@return a running fixture serving a new engine with default settings} */
  public static InProcessHashFinder start() {
    return start(HashFinderEngine.create());
  }

  /** {@return a client that reaches the server through gRPC, as a remote one would} */
  public HashFinderClient client() {
    return client;
  }

  /** {@return the channel to the server, for generated stubs} */
  public ManagedChannel channel() {
    return channel;
  }

  /**
   * {@return the in-process name the server is reached by, for another channel: {@code
   * InProcessChannelBuilder.forName(name)}}
   */
  public String name() {
    return name;
  }

  /** {@return the service the server runs} */
  public HashFinderService service() {
    return service;
  }

  /**
   * Closes the channel, then the server (its searches cancelled: their clients see {@code
   * UNAVAILABLE}), then the engine. If the calling thread is interrupted
   * while waiting, it still closes everything and keeps the interrupt. Idempotent: a second call
   * returns at once.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      server.shutdown();
      service.shutdown();
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        Thread.currentThread().interrupt();
      }
      engine.close();
    }
  }
}
