package dev.hashfinder.cluster;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ListeningScheduledExecutorService;
import dev.hashfinder.core.internal.Formats;
import dev.hashfinder.grpc.HashFinderClient;
import dev.hashfinder.grpc.Outcomes;
import io.grpc.CallOptions;
import io.grpc.ChannelLogger;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolver;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Who is in a cluster: its targets resolved to backends (a {@code dns:///} target again when a
 * backend fails and every re-resolve interval), backends joining and leaving, and whether any is
 * ready. It owns the backends' channels and the cluster's threads, and tells its listeners
 * whenever a backend may have joined, left, started or stopped serving.
 *
 * <p>Its time, threads, name resolvers and the way it opens a backend are handed in ({@link
 * ClusterRuntime}, {@link BackendOpener}): a running cluster's are the system's and gRPC's, a
 * simulation's are virtual.
 *
 * <p>Thread-safe.
 */
final class ClusterMembership {
  private static final Logger logger = Logger.getLogger(ClusterMembership.class.getName());
  /** The port of a {@code dns:///} target that names none: the reference's. */
  static final int DEFAULT_PORT = 50051;

  private final ClusterSettings settings;
  private final ClusterRuntime runtime;
  private final NameResolver.Factory resolvers;
  private final BackendOpener opener;
  private final Consumer<@Nullable ClusterBackend> onChange;
  private final ExecutorService executor;
  private final ListeningScheduledExecutorService scheduler;
  private final MeasuredRates measuredRates = new MeasuredRates();
  private final List<ClusterBackend> backends = new CopyOnWriteArrayList<>();
  private final List<Resolved> resolved = new ArrayList<>();
  private final List<Runnable> readinessListeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Opens a backend the targets named or a resolver found. */
  interface BackendOpener {
    /**
     * {@return the backend, not started yet}
     *
     * @param target its {@code host:port}, resolved {@code ip:port}, or whatever the targets named
     * @param authority the name TLS checks, for a resolved address; null for a target as given
     * @param measuredRates where it reports its measured rate
     * @param onChange runs with it whenever it may have started or stopped taking work
     */
    ClusterBackend open(String target, @Nullable String authority, ClusterRuntime runtime,
        MeasuredRates measuredRates, Consumer<ClusterBackend> onChange);
  }

  /**
   * A membership of gRPC backends, on the system's time and threads; {@link #start()} resolves
   * the targets.
   *
   * @param onChange runs with a backend that may have started or stopped serving, or with null
   *     when backends may have joined or left
   */
  ClusterMembership(ClusterSettings settings, Function<String, ManagedChannelBuilder<?>> channels,
      CallOptions callOptions, Consumer<@Nullable ClusterBackend> onChange) {
    this(settings, ClusterRuntime.system(), NameResolverRegistry.getDefaultRegistry().asFactory(),
        grpcOpener(settings, channels, callOptions), onChange);
  }

  /**
   * A membership on {@code runtime}'s time and threads, whose targets {@code resolvers} resolves
   * and whose backends {@code opener} opens; {@link #start()} resolves the targets.
   *
   * @param onChange runs with a backend that may have started or stopped serving, or with null
   *     when backends may have joined or left
   */
  ClusterMembership(ClusterSettings settings, ClusterRuntime runtime,
      NameResolver.Factory resolvers, BackendOpener opener,
      Consumer<@Nullable ClusterBackend> onChange) {
    this.settings = requireNonNull(settings, "settings");
    this.runtime = requireNonNull(runtime, "runtime");
    this.resolvers = requireNonNull(resolvers, "resolvers");
    this.opener = requireNonNull(opener, "opener");
    this.onChange = requireNonNull(onChange, "onChange");
    this.executor = runtime.executor();
    this.scheduler = runtime.scheduler();
  }

  private static BackendOpener grpcOpener(ClusterSettings settings,
      Function<String, ManagedChannelBuilder<?>> channels, CallOptions callOptions) {
    requireNonNull(channels, "channels");
    requireNonNull(callOptions, "callOptions");
    return (target, authority, runtime, measuredRates, onChange) -> {
      ManagedChannelBuilder<?> builder = channels.apply(target)
          .maxInboundMessageSize(HashFinderClient.MAX_RESPONSE_SIZE)
          .keepAliveTime(ClusterBackend.KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
          .keepAliveTimeout(ClusterBackend.KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (authority != null) {
        builder.overrideAuthority(authority); // TLS checks the name the targets gave, not the IP
      }
      return ClusterBackend.overChannel(target, builder.build(), callOptions, runtime,
          measuredRates, settings.firstDropWait(), onChange);
    };
  }

  /** Joins each {@code host:port} target and starts resolving each {@code dns:} one. */
  void start() {
    for (String target : settings.targetList()) {
      if (target.startsWith("dns:")) {
        resolved.add(new Resolved(target));
      } else {
        addBackend(target, null);
      }
    }
    resolved.forEach(Resolved::start);
  }

  /** {@return the threads searches run their events on} */
  ExecutorService executor() {
    return executor;
  }

  /** {@return the thread timers run on} */
  ListeningScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** {@return where "now" is read} */
  ClusterRuntime runtime() {
    return runtime;
  }

  /**
   * {@return the slowest measured rate of a backend now in the cluster, in indices per second,
   *     or empty if none is measured}: kept as rates change, not found by a scan
   */
  OptionalDouble slowestMeasuredRate() {
    return measuredRates.slowest();
  }

  /** {@return the backends now, whatever their state} */
  List<ClusterBackend> backends() {
    return backends;
  }

  /** {@return how many backends take work now: serving, and proved to be hashfinder servers} */
  int readyBackends() {
    return (int) backends.stream().filter(b -> b.state() == ClusterBackend.State.READY).count();
  }

  /**
   * {@return whether a backend takes work now} It stops at the first that does: a front asks
   * at every backend's change.
   */
  boolean anyReady() {
    return backends.stream().anyMatch(b -> b.state() == ClusterBackend.State.READY);
  }

  /** {@return how many backends are examining a range now} */
  int busyBackends() {
    return (int) backends.stream().filter(b -> b.inFlight() > 0).count();
  }

  /**
   * Runs {@code listener} now and whenever a backend may have joined, left, started or stopped
   * serving.
   */
  void onReadinessChange(Runnable listener) {
    readinessListeners.add(requireNonNull(listener, "listener"));
    listener.run();
  }

  /** A backend failed a range: resolve its name again, in case its address changed or it left. */
  void backendFailed(ClusterBackend backend) {
    for (Resolved group : resolved) {
      if (group.members.containsKey(backend.name)) {
        group.syncContext.execute(group.resolver::refresh);
      }
    }
  }

  /** Backends may have joined or left. */
  private void backendsChanged() {
    onChange.accept(null);
    readinessListeners.forEach(Runnable::run);
  }

  /** {@code backend} may have started or stopped serving, or left. */
  private void backendChanged(ClusterBackend backend) {
    onChange.accept(backend);
    readinessListeners.forEach(Runnable::run);
  }

  private ClusterBackend addBackend(String target, @Nullable String authority) {
    ClusterBackend backend = opener.open(target, authority, runtime, measuredRates,
        this::backendChanged);
    backends.add(backend);
    backend.start();
    return backend;
  }

  /**
   * Stops resolving, then closes every backend's channel once the searches' cancellations have
   * gone out on the cluster's threads, waiting about two seconds at most. Run once the searches
   * were told to stop. Idempotent.
   */
  void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (Resolved group : resolved) {
      group.syncContext.execute(group.resolver::shutdown);
    }
    // The searches' cancellations go out first: a channel shut down gracefully still carries
    // them, and gives them a moment to reach the servers before it is closed for good.
    executor.shutdown();
    try {
      executor.awaitTermination(1, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      backends.forEach(backend -> {
        backend.stopWatching();
        if (backend.channel != null) {
          backend.channel.shutdown();
        }
      });
      for (ClusterBackend backend : backends) {
        if (backend.channel != null) {
          backend.channel.awaitTermination(
              Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    backends.forEach(ClusterBackend::close);
    scheduler.shutdownNow();
  }

  @Override
  public String toString() {
    return backends.toString();
  }

  /** A {@code dns:///} target: its resolver and the backends it resolved to. */
  private final class Resolved {
    final String target;
    final String authority;
    final SynchronizationContext syncContext = new SynchronizationContext((thread, e) ->
        logger.log(Level.WARNING, "resolving a cluster target failed", e));
    final Map<String, ClusterBackend> members = new ConcurrentHashMap<>();
    final CompletableFuture<Void> firstResult = new CompletableFuture<>();
    NameResolver resolver;

    Resolved(String target) {
      this.target = target;
      URI uri = URI.create(target);
      String path = uri.getPath() == null ? "" : uri.getPath();
      this.authority = path.startsWith("/") ? path.substring(1) : path;
      NameResolver.Args args = NameResolver.Args.newBuilder()
          .setDefaultPort(DEFAULT_PORT)
          .setProxyDetector(address -> null)
          .setSynchronizationContext(syncContext)
          .setServiceConfigParser(new NameResolver.ServiceConfigParser() {
            @Override
            public NameResolver.ConfigOrError parseServiceConfig(Map<String, ?> config) {
              return NameResolver.ConfigOrError.fromConfig(config);
            }
          })
          .setScheduledExecutorService(scheduler)
          .setOffloadExecutor(executor)
          .setChannelLogger(new ChannelLogger() {
            @Override
            public void log(ChannelLogLevel level, String message) {
              logger.finer(message);
            }

            @Override
            public void log(ChannelLogLevel level, String messageFormat, Object... args) {
              logger.finer(() -> String.format(messageFormat.replace("{0}", "%s"), args));
            }
          })
          .build();
      resolver = resolvers.newNameResolver(uri, args);
      checkArgument(resolver != null, "cannot resolve cluster target %s: no resolver for its "
          + "scheme", target);
    }

    void start() {
      syncContext.execute(() -> resolver.start(new NameResolver.Listener2() {
        @Override
        // getAddresses' successor is newer than the oldest grpc-java this library runs on.
        @SuppressWarnings("deprecation")
        public void onResult(NameResolver.ResolutionResult result) {
          update(result.getAddresses());
        }

        @Override
        public void onError(Status error) {
          logger.warning("cannot resolve " + target + ": " + Outcomes.describe(error));
          firstResult.complete(null);
        }
      }));
      long every = settings.reresolveInterval().toMillis();
      TaskFailures.log(scheduler.scheduleWithFixedDelay(
          () -> syncContext.execute(resolver::refresh), every, every, TimeUnit.MILLISECONDS),
          "re-resolving " + target);
    }

    private void update(List<EquivalentAddressGroup> groups) {
      Set<String> now = new LinkedHashSet<>();
      for (EquivalentAddressGroup group : groups) {
        for (SocketAddress address : group.getAddresses()) {
          if (address instanceof InetSocketAddress inet) {
            now.add(Formats.address(inet));
          }
        }
      }
      members.entrySet().removeIf(entry -> {
        if (now.contains(entry.getKey())) {
          return false;
        }
        logger.fine("backend " + entry.getKey() + " left " + target);
        backends.remove(entry.getValue());
        entry.getValue().close();
        onChange.accept(entry.getValue()); // a search lets go of what it kept for it
        return true;
      });
      for (String address : now) {
        if (!members.containsKey(address) && !closed.get()) {
          logger.fine("backend " + address + " joined " + target);
          members.put(address, addBackend(address, authority));
        }
      }
      firstResult.complete(null);
      backendsChanged();
    }
  }

  /**
   * Waits up to {@code timeout} for every backend's first verdict; fails on a refused one, or if
   * interrupted. The caller closes the membership when this fails.
   */
  void awaitFirstVerdicts(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      for (Resolved group : resolved) {
        group.firstResult.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      CompletableFuture.allOf(backends.stream().map(ClusterBackend::firstVerdict)
              .toArray(CompletableFuture[]::new))
          .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // Those not heard from yet join when they answer.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reaching the cluster's backends", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
    List<String> refused = backends.stream()
        .filter(b -> b.state() == ClusterBackend.State.REFUSED)
        .map(b -> b.name + " (" + b.lastProblem() + ")").toList();
    if (!refused.isEmpty()) {
      throw new IllegalStateException("not hashfinder servers, refused as cluster backends: "
          + String.join(", ", refused));
    }
    for (ClusterBackend backend : backends) {
      if (backend.state() != ClusterBackend.State.READY) {
        logger.warning("backend " + backend.name + " is not serving yet: "
            + backend.lastProblem());
      }
    }
  }
}
