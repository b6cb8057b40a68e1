package dev.hashfinder.server;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import dev.hashfinder.HashFinder;
import dev.hashfinder.core.HashCounter;
import dev.hashfinder.core.internal.Formats;
import dev.hashfinder.grpc.HashFinderService;
import dev.hashfinder.grpc.Readiness;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollChannelOption;
import io.grpc.opentelemetry.GrpcOpenTelemetry;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A running hashfinder server: the {@link HashFinderService} with the standard health service and
 * server reflection, on a port or in-process. Its health is {@code SERVING} while it runs; in
 * front of a finder that reports its {@link Readiness} (a cluster, which is not ready while no
 * backend serves), only while the finder is ready.
 *
 * <pre>{@code
 * try (HashFinderServer server = HashFinderServer.forPort(50051)
 *     .finder(engine).maxConcurrentSearches(8).start()) {
 *   server.awaitTermination();
 * }
 * }</pre>
 *
 * <p>A networked server is grpc-java's Netty server with {@linkplain ServerLimits connection
 * limits} set, on event loops of its own, bound with {@code SO_REUSEPORT} where Netty's epoll
 * transport runs. A connection that resets most of its streams as it opens them (a rapid-reset
 * flood) is ended; one that cancels calls it started, however often, is not. It listens on
 * the loopback address unless given another, in clear unless given {@linkplain
 * Builder#credentials TLS credentials}. With {@linkplain Builder#bearerTokens bearer tokens}, a
 * call without one ends {@code UNAUTHENTICATED}; health checks stay open. Each caller (its
 * token, its client certificate's subject and issuer, or its address's network) may run only
 * {@linkplain Builder#maxSearchesPerClient its share} of the search slots, so one client cannot
 * take them all.
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
  private final @Nullable ResetGuard resets; // null in-process
  private final AtomicBoolean closed = new AtomicBoolean();

  private HashFinderServer(Server server, HashFinderService service, HealthStatusManager health,
      Duration gracePeriod, String target, @Nullable ResetGuard resets) {
    this.server = server;
    this.service = service;
    this.health = health;
    this.gracePeriod = gracePeriod;
    this.target = target;
    this.resets = resets;
  }

  /**
   * {@return a builder for a server on {@code port} of the loopback address, as {@code
   * forAddress("localhost", port)}}
   *
   * @param port the port, or 0 for any free one
   */
  public static Builder forPort(int port) {
    return forAddress("localhost", port);
  }

  /**
   * A builder for a server on {@code port} of {@code host}: a name, such as {@code localhost},
   * binds every address it resolves to (one only for port 0, so the port is one); an address,
   * such as {@code 0.0.0.0} or {@code ::}, binds that. Netty's warning for a client that went
   * away mid-response is logged at {@code FINE}: it is an expected event.
   *
   * @param host the name or address to listen on
   * @param port the port, or 0 for any free one
   * @return the builder
   * @throws IllegalArgumentException if the port is out of range or the host does not resolve
   */
  public static Builder forAddress(String host, int port) {
    requireNonNull(host, "host");
    checkArgument(port >= 0 && port <= 65535, "port not in [0, 65535]: %s", port);
    List<InetSocketAddress> addresses = new ArrayList<>();
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        addresses.add(new InetSocketAddress(address, port));
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve the address to listen on: " + host, e);
    }
    TransportLogs.quietExpectedStreamErrors();
    return new Builder(port == 0 ? addresses.subList(0, 1) : addresses, null);
  }

  /**
   * {@return a builder for an in-process server that channels reach by {@code name}; no sockets}
   *
   * @param name the name in-process channels reach the server by
   */
  public static Builder inProcess(String name) {
    requireNonNull(name, "name");
    return new Builder(null, name);
  }

  /** {@return the addresses the server listens on; empty for an in-process server} */
  public List<InetSocketAddress> addresses() {
    return server.getListenSockets().stream()
        .filter(InetSocketAddress.class::isInstance)
        .map(InetSocketAddress.class::cast)
        .collect(Collectors.toUnmodifiableList());
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

  private static void servingIf(HealthStatusManager health, boolean serving) {
    ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    for (String service : new String[] {"", HashFinderGrpc.SERVICE_NAME}) {
      try {
        health.setStatus(service, status);
      } catch (StatusRuntimeException watcherGone) {
        // grpc-java before 1.72 (grpc/grpc-java#11853) tells a health watcher that has just
        // cancelled its watch, and throws: the status is set, and the watchers told before it
        // know; one told after it learns at its next watch.
        logger.log(Level.FINE, "a health watcher left as the status changed", watcherGone);
      }
    }
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
    try {
      health.enterTerminalState();
    } catch (StatusRuntimeException watcherGone) {
      // grpc-java before 1.72 (grpc/grpc-java#11853) may tell a health watcher that has just
      // cancelled its watch, and throw. The shutdown that follows ends every other watch anyway.
      logger.log(Level.FINE, target + ": a health watcher left as the server stopped",
          watcherGone);
    }
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
    } finally {
      if (resets != null) {
        resets.shutdown();
      }
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
    private final @Nullable List<InetSocketAddress> addresses; // null for in-process
    private final @Nullable String inProcessName;
    private @Nullable HashFinder finder;
    private @Nullable Integer maxConcurrentSearches;
    private @Nullable Integer maxSearchesPerClient;
    private @Nullable Duration gracePeriod;
    private @Nullable ServerCredentials credentials;
    private @Nullable BearerTokens tokens;
    private @Nullable ServerLimits limits;
    private @Nullable OpenTelemetry openTelemetry;
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private final List<Consumer<? super ServerBuilder<?>>> customizers = new ArrayList<>();

    private Builder(@Nullable List<InetSocketAddress> addresses, @Nullable String inProcessName) {
      this.addresses = addresses == null ? null : List.copyOf(addresses);
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
      checkArgument(maxConcurrentSearches >= 1, "maxConcurrentSearches < 1: %s",
          maxConcurrentSearches);
      this.maxConcurrentSearches = maxConcurrentSearches;
      return this;
    }

    /**
     * The most searches one caller runs at once: a caller is its bearer token, else its client
     * certificate's subject and issuer under mutual TLS, else its address's network (a /32 for
     * IPv4 and a /64 for IPv6 by default: {@link ServerLimits#callerPrefixIpv4()}). A call beyond
     * its share is refused with {@code RESOURCE_EXHAUSTED} while slots stay free for others. By
     * default a quarter of {@link #maxConcurrentSearches}, at least 1: a client needs four
     * networks, tokens or certificates to take every slot.
     *
     * @param maxSearchesPerClient the most searches one caller runs at once; at least 1
     * @return this builder
     */
    public Builder maxSearchesPerClient(int maxSearchesPerClient) {
      checkUnset(this.maxSearchesPerClient, "maxSearchesPerClient");
      checkArgument(maxSearchesPerClient >= 1, "maxSearchesPerClient < 1: %s",
          maxSearchesPerClient);
      this.maxSearchesPerClient = maxSearchesPerClient;
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
      checkArgument(!gracePeriod.isNegative(), "gracePeriod < 0: %s", gracePeriod);
      this.gracePeriod = gracePeriod;
      return this;
    }

    /**
     * The transport security of a networked server, such as {@code
     * TlsServerCredentials.create(certChain, privateKey)}, or one with {@code
     * trustManager(clientCa)} and {@code ClientAuth.REQUIRE} for mutual TLS. By default,
     * plaintext. Not for an in-process server.
     *
     * @param credentials the server's credentials
     * @return this builder
     */
    public Builder credentials(ServerCredentials credentials) {
      checkUnset(this.credentials, "credentials");
      checkNetworked("credentials");
      this.credentials = requireNonNull(credentials, "credentials");
      return this;
    }

    /**
     * Requires every call but health checks to carry {@code authorization: Bearer TOKEN} with one
     * of {@code tokens}. A networked server refuses to start with tokens in clear on an address
     * other than loopback: anyone on the path could read them.
     *
     * @param tokens the accepted tokens
     * @return this builder
     */
    public Builder bearerTokens(BearerTokens tokens) {
      checkUnset(this.tokens, "bearerTokens");
      this.tokens = requireNonNull(tokens, "tokens");
      return this;
    }

    /**
     * The connection limits of a networked server; {@link ServerLimits#defaults()} by default.
     * An in-process server applies only the request and metadata sizes.
     *
     * @param limits the limits
     * @return this builder
     */
    public Builder limits(ServerLimits limits) {
      checkUnset(this.limits, "limits");
      this.limits = requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Records gRPC's standard server metrics ({@code grpc.server.call.*}) and hashfinder's own
     * ({@code hashfinder.*}: calls by outcome, searches running, cancel-to-idle time, and hashes
     * examined when the finder is a {@link HashCounter}, as the engine and a cluster are) with
     * {@code openTelemetry}. By default none are recorded.
     *
     * @param openTelemetry the OpenTelemetry whose meter provider takes the metrics
     * @return this builder
     */
    public Builder openTelemetry(OpenTelemetry openTelemetry) {
      checkUnset(this.openTelemetry, "openTelemetry");
      this.openTelemetry = requireNonNull(openTelemetry, "openTelemetry");
      return this;
    }

    /**
     * Adds an interceptor to the hashfinder service's calls, run after the bearer-token check:
     * a call it sees is authenticated. Interceptors run in the order they are added.
     *
     * @param interceptor intercepts each call
     * @return this builder
     */
    public Builder intercept(ServerInterceptor interceptor) {
      interceptors.add(requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * Adds a step that changes the underlying {@link ServerBuilder} just before the server is
     * built, after every setting here: a {@code NettyServerBuilder} for a networked server, an
     * {@code InProcessServerBuilder} otherwise. What it sets wins; event loops or a channel type
     * of its own turn the rapid-reset rule off, as it sees the connections on the server's.
     *
     * @param customizer changes the builder
     * @return this builder
     */
    public Builder configure(Consumer<? super ServerBuilder<?>> customizer) {
      customizers.add(requireNonNull(customizer, "customizer"));
      return this;
    }

    private static void checkUnset(@Nullable Object current, String name) {
      checkState(current == null, "%s was already set to %s", name, current);
    }

    private void checkNetworked(String setting) {
      checkState(addresses != null, "%s is for a networked server, not in-process", setting);
    }

    /**
     * Builds and starts the server.
     *
     * @return the running server
     * @throws IllegalStateException if no finder was given, or tokens would travel in clear to
     *     an address other than loopback
     * @throws UncheckedIOException if the server cannot bind its port
     */
    public HashFinderServer start() {
      checkState(finder != null, "finder was not set");
      ServerLimits chosen = limits == null ? ServerLimits.defaults() : limits;
      boolean plaintext = credentials == null || credentials instanceof InsecureServerCredentials;
      if (addresses != null && plaintext && tokens != null && !allLoopback()) {
        throw new IllegalStateException("bearer tokens over plaintext on " + describe(addresses)
            + " would cross the network in clear: give TLS credentials, or listen on loopback");
      }
      ServiceMetrics metrics =
          openTelemetry == null ? ServiceMetrics.NONE : new ServiceMetrics(openTelemetry);
      int concurrent = maxConcurrentSearches == null ? Integer.MAX_VALUE : maxConcurrentSearches;
      int perClient = maxSearchesPerClient != null ? maxSearchesPerClient
          : concurrent == Integer.MAX_VALUE ? concurrent : Math.max(1, concurrent / 4);
      Callers callers = new Callers(tokens, metrics, chosen, perClient, concurrent);
      HashFinderService service = HashFinderService.newBuilder(finder)
          .maxConcurrentSearches(concurrent)
          .stalledStreamTimeout(chosen.stalledStreamTimeout())
          .maxCallDuration(chosen.maxCallDuration())
          .admission(callers)
          .observer(metrics)
          .build();
      metrics.observeRunning(service::runningSearches);
      if (openTelemetry != null && finder instanceof HashCounter counter) {
        metrics.observeHashes(counter::hashesExamined);
      }
      List<ServerInterceptor> chain = new ArrayList<>(interceptors);
      Collections.reverse(chain); // ServerInterceptors runs the last one first
      chain.add(callers);
      HealthStatusManager health = new HealthStatusManager();
      ResetGuard resets = addresses == null ? null : new ResetGuard(chosen);
      ServerBuilder<?> builder = resets == null
          ? InProcessServerBuilder.forName(inProcessName) : resets.install(netty(chosen));
      builder.maxInboundMessageSize(chosen.maxRequestBytes())
          .maxInboundMetadataSize(chosen.maxMetadataBytes())
          .addService(ServerInterceptors.intercept(service, chain))
          .addService(health.getHealthService())
          .addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(),
              new Callers(tokens, ServiceMetrics.NONE, chosen, perClient, concurrent)));
      if (openTelemetry != null) {
        GrpcOpenTelemetry.newBuilder().sdk(openTelemetry).build().configureServerBuilder(builder);
      }
      customizers.forEach(customizer -> customizer.accept(builder));
      Server server = builder.build();
      try {
        server.start();
      } catch (IOException e) {
        if (resets != null) {
          resets.shutdown();
        }
        throw new UncheckedIOException("cannot listen on "
            + (addresses == null ? inProcessName : describe(addresses)) + ": "
            + e.getMessage() + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : ""),
            e);
      }
      if (finder instanceof Readiness readiness) {
        // A front of a cluster serves only while a backend does: its readiness probe says so.
        readiness.onReadinessChange(() -> servingIf(health, readiness.isReady()));
      } else {
        servingIf(health, true);
      }
      String target = inProcessName != null
          ? "in-process:" + inProcessName : describe(server.getListenSockets());
      if (addresses != null && plaintext && !allLoopback()) {
        logger.warning("listening on " + target + " without TLS: traffic is in clear");
      }
      return new HashFinderServer(server, service, health,
          gracePeriod == null ? Duration.ofSeconds(5) : gracePeriod, target, resets);
    }

    private boolean allLoopback() {
      List<InetSocketAddress> addresses = requireNonNull(this.addresses, "addresses");
      return addresses.stream().allMatch(address -> address.getAddress().isLoopbackAddress());
    }

    private NettyServerBuilder netty(ServerLimits limits) {
      List<InetSocketAddress> addresses = requireNonNull(this.addresses, "addresses");
      NettyServerBuilder netty = NettyServerBuilder.forAddress(addresses.get(0),
          credentials == null ? InsecureServerCredentials.create() : credentials);
      addresses.subList(1, addresses.size()).forEach(netty::addListenAddress);
      if (Epoll.isAvailable()) {
        // Lets a port another process reserved the same way be shared, as the reference's
        // own test does before it starts the server.
        netty.withOption(EpollChannelOption.SO_REUSEPORT, true);
      }
      return netty
          .maxConcurrentCallsPerConnection(limits.maxCallsPerConnection())
          .permitKeepAliveTime(limits.permitKeepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
          .permitKeepAliveWithoutCalls(false)
          .keepAliveTime(limits.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
          .keepAliveTimeout(limits.keepAliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .maxConnectionIdle(limits.maxConnectionIdle().toMillis(), TimeUnit.MILLISECONDS)
          .maxConnectionAge(limits.maxConnectionAge().toMillis(), TimeUnit.MILLISECONDS)
          .maxConnectionAgeGrace(
              limits.maxConnectionAgeGrace().toMillis(), TimeUnit.MILLISECONDS)
          .handshakeTimeout(limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
          // A ceiling on resets of any kind; the rapid-reset rule is ResetGuard's.
          .maxRstFramesPerWindow(
              limits.maxResetsPerWindow(), (int) limits.resetWindow().toSeconds());
    }

    private static String describe(List<? extends SocketAddress> addresses) {
      return addresses.stream().map(Formats::address).collect(Collectors.joining(", "));
    }
  }
}
