package dev.hashfinder.cli;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.HashFinder;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.cluster.HashFinderCluster;
import dev.hashfinder.core.HashAlgorithms;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.core.internal.Formats;
import dev.hashfinder.grpc.BearerTokenCredentials;
import dev.hashfinder.server.BearerTokens;
import dev.hashfinder.server.HashFinderServer;
import dev.hashfinder.server.ServerLimits;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hashfinder serve}: runs the networked hash_name.HashFinder server until stopped. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
        "Serves hash_name.HashFinder on a port, with health and reflection, logging one line "
            + "per call. SIGTERM or Ctrl-C stops it gracefully: calls in flight end with "
            + "UNAVAILABLE and their workers are freed."})
final class ServeCommand implements Callable<Integer> {
  private static final Logger logger = Logger.getLogger(ServeCommand.class.getName());
  /** Threads of the metrics page: a scrape is served while others are slow. */
  private static final int METRICS_THREADS = 4;
  /** How long the metrics page waits for a request to arrive whole. */
  private static final Duration METRICS_REQUEST_TIME = Duration.ofSeconds(5);
  /** How long the metrics page waits for a response to be read. */
  private static final Duration METRICS_RESPONSE_TIME = Duration.ofSeconds(10);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "50051",
      description = "Port to listen on, 0 for any free one (default: 50051).")
  int port;

  @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "localhost",
      description = "Address to listen on: a name binds all its addresses; 0.0.0.0 or :: every "
          + "interface (default: localhost).")
  String bind;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "TLS: the server's certificate chain, PEM.")
  File tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "TLS: the server's private key, PKCS#8 PEM (openssl pkcs8 -topk8 -nocrypt).")
  File tlsKey;

  @Option(names = "--tls-client-ca", paramLabel = "FILE",
      description = "Mutual TLS: require a client certificate signed by this CA (PEM).")
  File tlsClientCa;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "Require authorization: Bearer with one of the tokens in FILE, one a line; "
          + "re-read when it changes. Health checks stay open.")
  Path tokenFile;

  @Option(names = "--backends", paramLabel = "TARGETS",
      description = "Serve as the front of a cluster: deal each search out to these servers "
          + "(HOST:PORT,HOST:PORT... or dns:///NAME:PORT) instead of hashing here. Every "
          + "match a backend returns is proven; one that forges is dropped.")
  String backends;

  @Option(names = "--range-duration", paramLabel = "DURATION", converter = Durations.class,
      description = "With --backends: about how long one range should take a backend "
          + "(default: 1s).")
  Duration rangeDuration;

  @Mixin
  ClientTls.ToBackends backendTls;

  @Option(names = "--metrics-port", paramLabel = "N",
      description = "Serve Prometheus metrics at http://ADDRESS:N/metrics, ADDRESS being "
          + "--metrics-bind's.")
  Integer metricsPort;

  @Option(names = "--metrics-bind", paramLabel = "ADDRESS",
      description = "Address the metrics page listens on (default: the loopback address, "
          + "whatever --bind says): it answers anyone who reaches it.")
  String metricsBind;

  @Option(names = "--max-rpcs-per-client", paramLabel = "N",
      description = "Searches one client (token, certificate, or network: "
          + "--limit caller-prefix-ipv4/-ipv6) runs at once (default: a quarter of "
          + "--max-concurrent-rpcs, at least 1).")
  Integer maxRpcsPerClient;

  @Option(names = "--limit", paramLabel = "NAME=VALUE", mapFallbackValue = "",
      description = "Change a connection limit, such as max-request-bytes=8192, "
          + "handshake-timeout=10s or caller-prefix-ipv6=56; docs/SECURITY.md lists them.")
  Map<String, String> limits = new LinkedHashMap<>();

  @Option(names = "--maximum-hashes", paramLabel = "N",
      description = "Budget of each call; a client may ask for less (default: 100,000,000).")
  long maximumHashes = HashFinderEngine.DEFAULT_MAX_HASHES;

  @Option(names = "--threads", paramLabel = "N",
      description = "Worker threads per search (default: all cores).")
  Integer threads;

  @Option(names = "--max-concurrent-rpcs", paramLabel = "N",
      description = "Searches that run at once; more are refused with RESOURCE_EXHAUSTED "
          + "(default: 4 per core).")
  Integer maxConcurrentRpcs;

  @Option(names = "--algorithms", paramLabel = "NAME", split = ",",
      description = "Digests clients may ask for (default: SHA-1,SHA-256,SHA-512,MD5,SHA3-256).")
  List<String> algorithms = List.of("SHA-1", "SHA-256", "SHA-512", "MD5", "SHA3-256");

  @Option(names = {"-v", "--verbose"},
      description = "Also log each call as its search starts.")
  boolean verbose;

  @Option(names = "--grace-period", paramLabel = "DURATION", converter = Durations.class,
      defaultValue = "5s", description = "How long a stop waits for calls to end (default: 5s).")
  Duration gracePeriod;

  @Override
  public Integer call() throws InterruptedException {
    Main.requireAtLeast(spec, "--port", port, 0);
    Main.requireAtLeast(spec, "--maximum-hashes", maximumHashes, 1);
    Main.requireAtLeast(spec, "--threads", threads, 1);
    Main.requireAtLeast(spec, "--max-concurrent-rpcs", maxConcurrentRpcs, 1);
    Main.requireAtLeast(spec, "--max-rpcs-per-client", maxRpcsPerClient, 1);
    Main.requireAtLeast(spec, "--metrics-port", metricsPort, 0);
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--tls-cert and --tls-key go together");
    }
    if (metricsBind != null && metricsPort == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--metrics-bind is for --metrics-port");
    }
    if (tlsClientCa != null && tlsCert == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--tls-client-ca needs --tls-cert and --tls-key: mutual TLS is TLS first");
    }
    if (backends == null && (backendTls.given() || rangeDuration != null)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--backend-tls, --backend-tls-ca, --backend-tls-cert, --backend-token-file and "
              + "--range-duration are for --backends");
    }
    backendTls.checkPaired(spec);
    if (backends != null && (threads != null
        || spec.commandLine().getParseResult().hasMatchedOption("--algorithms"))) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--threads and --algorithms set this server's engine; with --backends, the backends "
              + "hash and their own settings apply");
    }
    HashFinder engine = null;
    Supplier<String> description;
    HashFinderServer server;
    OpenTelemetrySdk metrics = null;
    int concurrent = maxConcurrentRpcs != null
        ? maxConcurrentRpcs : 4 * Runtime.getRuntime().availableProcessors();
    try {
      List<HashAlgorithm> allowed = new ArrayList<>();
      for (String algorithm : algorithms) {
        allowed.add(HashAlgorithms.lookup(algorithm).orElseThrow(() ->
            new IllegalArgumentException("--algorithms: unknown digest " + algorithm)));
      }
      HashFinderEngine.Builder builder = HashFinderEngine.newBuilder()
          .budget(ResourceBudget.ofHashes(maximumHashes))
          .algorithms(allowed);
      if (threads != null) {
        builder.threads(threads);
      }
      HashFinderServer.Builder serverBuilder = HashFinderServer.forAddress(bind, port)
          .maxConcurrentSearches(concurrent)
          .gracePeriod(gracePeriod)
          .limits(limits());
      if (maxRpcsPerClient != null) {
        serverBuilder.maxSearchesPerClient(maxRpcsPerClient);
      }
      if (tlsCert != null) {
        serverBuilder.credentials(tls());
      }
      if (tokenFile != null) {
        serverBuilder.bearerTokens(BearerTokens.fromFile(tokenFile));
      }
      if (backends != null) {
        HashFinderCluster cluster = cluster();
        engine = cluster;
        description = () -> describe(cluster);
      } else {
        HashFinderEngine local = builder.build();
        engine = local;
        description = () -> describe(local);
      }
      if (metricsPort != null) {
        metrics = prometheus(metricsPort);
        serverBuilder.openTelemetry(metrics);
      }
      server = serverBuilder.finder(engine).start();
    } catch (IllegalArgumentException | IllegalStateException e) {
      closeQuietly(metrics);
      if (engine instanceof AutoCloseable closeable) {
        closeQuietly(closeable);
      }
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    } catch (UncheckedIOException e) {
      closeQuietly(metrics);
      System.err.println("hashfinder: " + e.getMessage());
      return Main.EXIT_NOT_FOUND;
    }
    OpenTelemetrySdk openTelemetry = metrics;
    HashFinder finder = engine;
    Main.serverLogs(verbose);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      logger.info("stopping: no new calls, cancelling those in flight");
      server.close();
      if (finder instanceof AutoCloseable closeable) {
        closeQuietly(closeable);
      }
      closeQuietly(openTelemetry);
      logger.info("hashfinder stopped");
      stopped.countDown();
      QuietShutdownLogManager.flushAndClose();
    }, "hashfinder-stop"));
    logger.info("hashfinder serving hash_name.HashFinder on " + server.addresses().stream()
            .map(Formats::address).collect(Collectors.joining(", "))
        + (tlsCert == null ? "" : tlsClientCa == null ? " with TLS" : " with mutual TLS")
        + (tokenFile == null ? "" : ", bearer tokens required")
        + (metricsPort == null ? "" : ", metrics on http://" + metricsHostForUrl() + ":"
            + metricsPort + "/metrics")
        + " (budget " + maximumHashes + " hashes per call, " + description.get()
        + ", at most " + concurrent + " searches at once)");
    server.awaitTermination();
    stopped.await();
    return Main.EXIT_FOUND;
  }

  /** The cluster of --backends, with the --backend-* security options. */
  private HashFinderCluster cluster() {
    try {
      HashFinderCluster.Builder cluster = HashFinderCluster.newBuilder(backends)
          .budget(ResourceBudget.ofHashes(maximumHashes))
          .channelCredentials(backendTls.channelCredentials());
      if (rangeDuration != null) {
        cluster.rangeDuration(rangeDuration);
      }
      BearerTokenCredentials token = backendTls.callCredentials();
      if (token != null) {
        cluster.callCredentials(token);
      }
      return cluster.build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String describe(HashFinderCluster cluster) {
    return "in front of " + backends + ": " + cluster.readyBackends() + " of "
        + cluster.knownBackends() + " backends serving";
  }

  private String describe(HashFinderEngine engine) {
    // The path of each digest on the native kernel, and of the default digest (with the reason
    // when it is not); the rest, by name.
    List<String> described = new ArrayList<>();
    List<String> others = new ArrayList<>();
    for (String name : engine.algorithmNames()) {
      String path = engine.searchPath(name);
      if (path.startsWith("native") || name.equalsIgnoreCase(Query.DEFAULT_ALGORITHM)) {
        described.add(name + " " + path);
      } else {
        others.add(name);
      }
    }
    return engine.threads() + " threads per search; " + String.join("; ", described)
        + (others.isEmpty() ? "" : "; in Java: " + String.join(", ", others));
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      logger.log(Level.FINE, "closing " + closeable, e);
    }
  }

  private ServerLimits limits() {
    ServerLimits chosen = ServerLimits.defaults();
    for (Map.Entry<String, String> limit : limits.entrySet()) {
      Object current = chosen.asMap().get(limit.getKey());
      String value = limit.getValue();
      if (current == null) {
        throw new IllegalArgumentException("--limit: no limit is called " + limit.getKey()
            + "; those are: " + String.join(", ", chosen.asMap().keySet()));
      }
      try {
        chosen = current instanceof Duration
            ? chosen.with(limit.getKey(), new Durations().convert(value))
            : chosen.with(limit.getKey(), Integer.parseInt(value));
      } catch (NumberFormatException | CommandLine.TypeConversionException e) {
        throw new IllegalArgumentException("--limit " + limit.getKey() + ": not a valid value: '"
            + value + "'");
      }
    }
    return chosen;
  }

  private ServerCredentials tls() {
    try {
      TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder()
          .keyManager(tlsCert, tlsKey);
      if (tlsClientCa != null) {
        tls.trustManager(tlsClientCa).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return tls.build();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read the TLS files: " + e.getMessage(), e);
    }
  }

  /**
   * An SDK whose one reader is a Prometheus page on the --metrics-bind address, served by a few
   * threads (a scrape that waits for a slow one is a missed scrape) with a time limit on each
   * request and response, so that a client that sends half a request, or reads nothing, holds a
   * thread for seconds, not for ever.
   */
  private OpenTelemetrySdk prometheus(int metricsPort) {
    // The JDK's HTTP server reads these once, when its first instance starts; an operator's
    // own -D settings win.
    System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty(
        "sun.net.httpserver.maxReqTime", Long.toString(METRICS_REQUEST_TIME.toSeconds())));
    System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty(
        "sun.net.httpserver.maxRspTime", Long.toString(METRICS_RESPONSE_TIME.toSeconds())));
    ThreadPoolExecutor threads = new ThreadPoolExecutor(METRICS_THREADS, METRICS_THREADS,
        60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        new ThreadFactoryBuilder().setNameFormat("hashfinder-metrics").setDaemon(true).build());
    threads.allowCoreThreadTimeOut(true);
    PrometheusHttpServer page = PrometheusHttpServer.builder()
        .setHost(metricsHost())
        .setPort(metricsPort)
        .setExecutor(threads)
        // Scrapes served at once each collect their own copy, as more than one thread needs.
        .setMemoryMode(MemoryMode.IMMUTABLE_DATA)
        .build();
    return OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(page).build())
        .build();
  }

  /** The address of the metrics page: --metrics-bind, else loopback whatever --bind is. */
  private String metricsHost() {
    return metricsBind != null ? metricsBind : InetAddress.getLoopbackAddress().getHostAddress();
  }

  private String metricsHostForUrl() {
    String host = metricsHost();
    return host.contains(":") ? "[" + host + "]" : host;
  }

  private static void closeQuietly(@Nullable OpenTelemetrySdk sdk) {
    if (sdk != null) {
      sdk.close();
    }
  }
}
