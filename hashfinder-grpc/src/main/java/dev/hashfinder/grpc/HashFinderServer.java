package dev.hashfinder.grpc;

import static java.util.Objects.requireNonNull;

import dev.hashfinder.HashFinder;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * A running hashfinder server: the {@link HashFinderService} with the standard health service and
 * server reflection, on a port or in-process.
 *
 * <pre>{@code
 * try (HashFinderServer server = HashFinderServer.forPort(50051)
 *     .finder(engine).maxConcurrentSearches(8).start()) {
 *   server.awaitTermination();
 * }
 * }</pre>
 *
 * <p>{@link #close()} shuts down gracefully: it stops accepting calls, cancels the searches in
 * flight (their clients see {@code UNAVAILABLE}), waits up to the grace period for calls to end,
 * then forces the rest. Closing again does nothing. The finder is the caller's and is left
 * running.
 *
 * <p>Thread-safe.
 */
public final class HashFinderServer implements AutoCloseable {
  private static final Logger logger = Logger.getLogger(HashFinderServer.class.getName());

  private final Server server;
  private final HashFinderService service;
  private final HealthStatusManager health;
  private final Duration gracePeriod;
  private final String target;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HashFinderServer(Server server, HashFinderService service, HealthStatusManager health,
      Duration gracePeriod, String target) {
    this.server = server;
    this.service = service;
    this.health = health;
    this.gracePeriod = gracePeriod;
    this.target = target;
  }

  /**
   * A builder for a server on {@code port} of every interface; 0 picks a free port. It needs a
   * gRPC transport on the classpath, such as {@code io.grpc:grpc-netty-shaded}. Netty's warning
   * for a client that went away mid-response is logged at {@code FINE}: it is an expected event.
   *
   * @param port the port, or 0 for any free one
   * @return the builder
   */
  public static Builder forPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port not in [0, 65535]: " + port);
    }
    TransportLogs.quietExpectedStreamErrors();
    return new Builder(Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create()),
        null);
  }

  /**
   * {@return a builder for an in-process server that channels reach by {@code name}; no sockets}
   *
   * @param name the name in-process channels reach the server by
   */
  public static Builder inProcess(String name) {
    requireNonNull(name, "name");
    return new Builder(InProcessServerBuilder.forName(name), name);
  }

  /** {@return the port the server listens on, or -1 for an in-process server} */
  public int port() {
    return server.getListenSockets().stream()
        .filter(InetSocketAddress.class::isInstance)
        .mapToInt(address -> ((InetSocketAddress) address).getPort())
        .findFirst()
        .orElse(-1);
  }

  /** {@return the service this server runs} */
  public HashFinderService service() {
    return service;
  }

  /**
   * Waits until the server has terminated.
   *
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** {@return whether the server has terminated: no call is running and it accepts no more} */
  public boolean isTerminated() {
    return server.isTerminated();
  }

  /**
   * Stops the server gracefully: no new calls, searches in flight cancelled with {@code
   * UNAVAILABLE}, then up to the grace period for calls to end before they are cut. Idempotent:
   * a second call returns at once.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    health.enterTerminalState();
    server.shutdown();
    service.shutdown();
    try {
      if (!server.awaitTermination(gracePeriod.toNanos(), TimeUnit.NANOSECONDS)) {
        logger.warning(target + ": calls still running after " + gracePeriod + "; cutting them");
        server.shutdownNow();
        server.awaitTermination(gracePeriod.toNanos(), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "HashFinderServer{" + target + "}";
  }

  /**
   * Configures a {@link HashFinderServer}. The finder is required; each setting may be given once.
   * Not thread-safe.
   */
  public static final class Builder {
    private final ServerBuilder<?> serverBuilder;
    private final String inProcessName;
    private HashFinder finder;
    private Integer maxConcurrentSearches;
    private Duration gracePeriod;

    private Builder(ServerBuilder<?> serverBuilder, String inProcessName) {
      this.serverBuilder = serverBuilder;
      this.inProcessName = inProcessName;
    }

    /**
     * The finder that runs the searches, usually a {@code HashFinderEngine}; required. The server
     * does not close it.
     *
     * @param finder runs the searches
     * @return this builder
     */
    public Builder finder(HashFinder finder) {
      checkUnset(this.finder, "finder");
      this.finder = requireNonNull(finder, "finder");
      return this;
    }

    /**
     * The most searches that run at once; a call beyond it is refused with {@code
     * RESOURCE_EXHAUSTED}. By default, unlimited.
     *
     * @param maxConcurrentSearches the most searches that run at once; at least 1
     * @return this builder
     */
    public Builder maxConcurrentSearches(int maxConcurrentSearches) {
      checkUnset(this.maxConcurrentSearches, "maxConcurrentSearches");
      if (maxConcurrentSearches < 1) {
        throw new IllegalArgumentException("maxConcurrentSearches < 1: " + maxConcurrentSearches);
      }
      this.maxConcurrentSearches = maxConcurrentSearches;
      return this;
    }

    /**
     * How long {@link #close()} waits for calls to end before cutting them; 5 s by default.
     *
     * @param gracePeriod how long to wait; zero or more
     * @return this builder
     */
    public Builder gracePeriod(Duration gracePeriod) {
      checkUnset(this.gracePeriod, "gracePeriod");
      requireNonNull(gracePeriod, "gracePeriod");
      if (gracePeriod.isNegative()) {
        throw new IllegalArgumentException("gracePeriod < 0: " + gracePeriod);
      }
      this.gracePeriod = gracePeriod;
      return this;
    }

    private static void checkUnset(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }

    /**
     * Builds and starts the server.
     *
     * @return the running server
     * @throws IllegalStateException if no finder was given
     * @throws UncheckedIOException if the server cannot bind its port
     */
    public HashFinderServer start() {
      if (finder == null) {
        throw new IllegalStateException("finder was not set");
      }
      HashFinderService service = HashFinderService.create(
          finder, maxConcurrentSearches == null ? Integer.MAX_VALUE : maxConcurrentSearches);
      HealthStatusManager health = new HealthStatusManager();
      Server server = serverBuilder
          .addService(service)
          .addService(health.getHealthService())
          .addService(ProtoReflectionServiceV1.newInstance())
          .build();
      try {
        server.start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the server: " + e.getMessage(), e);
      }
      health.setStatus("", ServingStatus.SERVING);
      health.setStatus(
          dev.hashfinder.grpc.proto.HashFinderGrpc.SERVICE_NAME, ServingStatus.SERVING);
      String target = inProcessName != null
          ? "in-process:" + inProcessName : "port " + server.getPort();
      return new HashFinderServer(server, service, health,
          gracePeriod == null ? Duration.ofSeconds(5) : gracePeriod, target);
    }
  }
}
