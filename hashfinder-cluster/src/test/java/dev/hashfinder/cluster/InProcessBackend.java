package dev.hashfinder.cluster;

import dev.hashfinder.HashFinder;
import dev.hashfinder.grpc.HashFinderService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A cluster's backend in tests: the adapter's {@link HashFinderService} with the standard health
 * service, {@code SERVING}, on an in-process server, as a networked server offers them on a port.
 * {@link #close()} stops it as a server stops: health says so, searches in flight are cancelled
 * (their clients see {@code UNAVAILABLE}), then the server ends. The finder is left running.
 */
final class InProcessBackend implements AutoCloseable {
  private final Server server;
  private final HashFinderService service;
  private final HealthStatusManager health = new HealthStatusManager();

  private InProcessBackend(String name, HashFinderService service,
      ServerInterceptor... interceptors) {
    this.service = service;
    try {
      this.server = InProcessServerBuilder.forName(name)
          .addService(ServerInterceptors.intercept(service, interceptors))
          .addService(health.getHealthService()).build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    health.setStatus("", ServingStatus.SERVING);
  }

  /** {@return a backend serving {@code finder} under the in-process {@code name}} */
  static InProcessBackend start(String name, HashFinder finder) {
    return start(name, HashFinderService.create(finder));
  }

  /**
   * {@return a backend serving {@code finder} under the in-process {@code name}, its calls
   * through {@code interceptor}}
   */
  static InProcessBackend start(String name, HashFinder finder, ServerInterceptor interceptor) {
    return new InProcessBackend(name, HashFinderService.create(finder), interceptor);
  }

  /** {@return a backend running {@code service} under the in-process {@code name}} */
  static InProcessBackend start(String name, HashFinderService service) {
    return new InProcessBackend(name, service);
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  /** Stops the backend, cutting the calls still running after {@code gracePeriod}. */
  void close(Duration gracePeriod) {
    try {
      health.enterTerminalState();
    } catch (StatusRuntimeException watcherGone) {
      // grpc-java before 1.72 (grpc/grpc-java#11853), as the oldest supported is tested: a
      // watcher that has just cancelled its watch makes the change throw; the shutdown below
      // ends every watch anyway.
    }
    server.shutdown();
    service.shutdown();
    try {
      if (!server.awaitTermination(gracePeriod.toNanos(), TimeUnit.NANOSECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
