package dev.hashfinder.cli;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.HashFinder;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.cluster.HashFinderCluster;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.core.internal.Formats;
import dev.hashfinder.grpc.BearerTokenCredentials;
import dev.hashfinder.grpc.HashFinderClient;
import dev.hashfinder.grpc.InProcessHashFinder;
import dev.hashfinder.grpc.Outcomes;
import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hashfinder find}: asks a server, or an embedded in-process one, for a secret. */
@Command(
    name = "find",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
        "Finds the first secret whose base64 hash contains NAME within the ideal Hamming "
            + "distance, and prints it.",
        "Without --server it runs an embedded in-process server: no sockets, nothing to start.",
        "Exit status: 0 found, 1 not found (budget, deadline, server error), 2 usage error, "
            + "(a malformed argument, also when the server finds it so), 130 interrupted."})
final class FindCommand implements java.util.concurrent.Callable<Integer> {
  /** How long a call waits in silence before it pings the server, unless --keepalive says. */
  static final Duration KEEPALIVE_TIME = Duration.ofSeconds(30);
  /** The least --keepalive: what a hashfinder server permits, and grpc-java's own floor. */
  static final Duration SHORTEST_KEEPALIVE = Duration.ofSeconds(10);
  /** How long a ping may go unanswered before the server is taken for dead. */
  static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(10);
  /** Netty's switch for its Flight Recorder events, under grpc-netty-shaded's prefix. */
  private static final String NETTY_JFR = "io.grpc.netty.shaded.io.netty.jfr.enabled";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The name to look for.")
  String name;

  @Option(names = "--ideal-distance", paramLabel = "N", defaultValue = "0",
      description = "Hamming distance at or below which a secret is the answer (default: 0).")
  int idealDistance;

  @Option(names = "--server", paramLabel = "HOST:PORT",
      description = "A hashfinder (or reference) server to ask, instead of the embedded one.")
  String server;

  @Option(names = "--servers", paramLabel = "TARGETS",
      description = "Search on a cluster instead: HOST:PORT,HOST:PORT... or dns:///NAME:PORT "
          + "(every address a server); the search is dealt out in ranges, with the answer of "
          + "one server. Every match a server returns is proven; one that forges is dropped.")
  String servers;

  @Option(names = "--keepalive", paramLabel = "DURATION", converter = Durations.class,
      description = "With --server: ping a server silent for this long, and give it up when "
          + "the ping goes 10s unanswered (default: 30s; at least 10s, what a hashfinder "
          + "server permits; a grpc-core server permits one every 5m while it sends nothing).")
  Duration keepalive;

  @Option(names = "--range-duration", paramLabel = "DURATION", converter = Durations.class,
      description = "With --servers: about how long one range should take a server "
          + "(default: 1s).")
  Duration rangeDuration;

  @Option(names = {"-v", "--verbose"},
      description = "With --servers: log each server's failures and a summary of the search.")
  boolean verbose;

  @Mixin
  ClientTls.ToServer clientTls;

  @Option(names = "--connect-timeout", paramLabel = "DURATION", converter = Durations.class,
      defaultValue = "10s", description = "How long to wait for --server to accept the "
          + "connection, as when it is still starting (default: 10s).")
  Duration connectTimeout;

  @Option(names = "--show-inferior", paramLabel = "N",
      description = "Stream every secret within distance N on the way (FindRange).")
  Integer showInferior;

  @Option(names = "--maximum-hashes", paramLabel = "N",
      description = "Budget: the embedded server's (default: 100,000,000), or the one asked of "
          + "a remote server, which may only lower its own.")
  Long maximumHashes;

  @Option(names = "--threads", paramLabel = "N",
      description = "Worker threads of the embedded engine (default: all cores).")
  Integer threads;

  @Option(names = "--first-index", paramLabel = "N", defaultValue = "0",
      description = "Start at the secret of index N (as hashcat's --skip): the search examines "
          + "N, N + 1, ... within its budget, and stops at the end of the index space, "
          + "2^63 - 1 (default: 0).")
  long firstIndex;

  @Option(names = "--algorithm", paramLabel = "NAME", defaultValue = "SHA-1",
      description = "Digest: SHA-1 (default), SHA-256, MD5, any the JDK offers locally, or one "
          + "the server allows.")
  String algorithm;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class,
      description = "Give up after this long (500ms, 10s, 2m...); a remote call's deadline.")
  Duration timeout;

  @Option(names = "--json", description = "Print one JSON object per response.")
  boolean json;

  @Option(names = {"-q", "--quiet"}, description = "No progress line on the terminal.")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    Main.requireAtLeast(spec, "--ideal-distance", idealDistance, 0);
    Main.requireAtLeast(spec, "--show-inferior", showInferior, 0);
    Main.requireAtLeast(spec, "--maximum-hashes", maximumHashes, 1);
    Main.requireAtLeast(spec, "--threads", threads, 1);
    Main.requireAtLeast(spec, "--first-index", firstIndex, 0);
    Query query;
    ResourceBudget budget = ResourceBudget.unlimited();
    try {
      query = new Query(name, idealDistance, showInferior == null ? 0 : showInferior, algorithm,
          firstIndex);
      if ((server != null || servers != null) && maximumHashes != null) {
        budget = budget.withMaxHashes(maximumHashes);
      }
      if (timeout != null) {
        budget = budget.withTimeout(timeout);
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    boolean remote = server != null || servers != null;
    if (servers == null && (rangeDuration != null || verbose)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--range-duration and --verbose are for --servers");
    }
    if (server == null && keepalive != null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--keepalive is for --server (a cluster pings its servers on its own schedule)");
    }
    if (keepalive != null && keepalive.compareTo(SHORTEST_KEEPALIVE) < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--keepalive must be at least " + Formats.duration(SHORTEST_KEEPALIVE) + ", was "
              + Formats.duration(keepalive) + ": a server answers quicker pings with GOAWAY");
    }
    if (server != null && servers != null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--server and --servers: one server or a cluster, not both");
    }
    if (remote && threads != null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--threads sets the embedded engine; a remote server has its own");
    }
    if (!remote && clientTls.given()) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--tls, --tls-ca, --tls-cert and --token-file are for a --server or --servers");
    }
    clientTls.checkPaired(spec);
    Session opened;
    try {
      opened = servers != null ? cluster() : server != null ? remote() : embedded();
    } catch (IllegalStateException e) { // a cluster's server that is not a hashfinder server
      System.err.println("hashfinder: " + e.getMessage());
      return Main.EXIT_NOT_FOUND;
    }
    try (Session session = opened) {
      if (session.channel != null) {
        awaitConnection(session.channel);
      }
      AutoCloseable progress = Progress.startIfTerminal(quiet, session.hashes, session.budget,
          session.detail);
      Output output = new Output(System.out, json);
      CancellationToken token = new CancellationToken();
      // Ctrl-C (and SIGTERM) run the shutdown hooks: cancel the call and let the cancellation
      // reach the server before the JVM goes, with status 130 (143 for SIGTERM).
      Thread onInterrupt = new Thread(() -> {
        token.cancel();
        closeQuietly(progress);
        session.release();
      }, "hashfinder-interrupt");
      Runtime.getRuntime().addShutdownHook(onInterrupt);
      try {
        CompletableFuture<?> search = showInferior == null
            ? session.finder.find(query, budget, token).thenAccept(output::print)
            : session.finder.findRange(query, budget, token, output::print);
        Throwable failure = await(search);
        closeQuietly(progress); // the progress line goes before any message takes its place
        return exitStatus(failure);
      } finally {
        closeQuietly(progress);
        removeHook(onInterrupt);
      }
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // Shutting down: nothing to tell.
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook is running.
    }
  }

  /** Waits for the search; null if it found, else why not. */
  private static @Nullable Throwable await(CompletableFuture<?> search)
      throws InterruptedException {
    try {
      search.get();
      return null;
    } catch (CancellationException e) {
      return e; // only a shutdown hook cancels; the JVM's own status wins
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  private static int exitStatus(@Nullable Throwable failure) {
    if (failure == null) {
      return Main.EXIT_FOUND;
    }
    if (failure instanceof CancellationException) {
      return Main.EXIT_NOT_FOUND; // printing, too, was cancelled by a shutdown hook
    }
    System.err.println("hashfinder: " + describe(failure));
    // The server judged an argument malformed (a name too long for its digest, a digest it
    // does not allow): that is a usage error, like one caught here.
    return failure instanceof IllegalArgumentException ? Main.EXIT_USAGE : Main.EXIT_NOT_FOUND;
  }

  /**
   * The ending as a status, code then description: the one the server sent, which the typed
   * ending keeps as its cause, or the one a server would send for it.
   */
  private static String describe(Throwable failure) {
    if (failure.getCause() instanceof StatusRuntimeException sent) {
      return Outcomes.describe(sent.getStatus());
    }
    Status status = Outcomes.toStatus(failure).getStatus();
    // A fault of this process (a cluster's): a server would keep its detail to itself, but here
    // the user running it is the one to tell.
    return Outcomes.describe(status.getCode() == Status.Code.INTERNAL
        ? status.withDescription(failure.getMessage()) : status);
  }

  private Session embedded() {
    Main.quietServerLogs();
    HashFinderEngine.Builder builder = HashFinderEngine.newBuilder()
        .budget(ResourceBudget.ofHashes(
            maximumHashes == null ? HashFinderEngine.DEFAULT_MAX_HASHES : maximumHashes));
    if (threads != null) {
      builder.threads(threads);
    }
    HashFinderEngine engine;
    try {
      engine = builder.build();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    InProcessHashFinder fixture = InProcessHashFinder.start(engine);
    return new Session(fixture.client(), engine::hashesExamined, engine.budget().maxHashes(),
        null, fixture::close);
  }

  /**
   * Netty registers its buffer allocator's Flight Recorder events when it first allocates, which
   * sets up the JDK's whole event metadata: a third of a short client's start-up, for events no
   * one records in a run of a second. Off for the client unless the user says otherwise.
   */
  static void withoutNettyFlightRecorderEvents() {
    if (System.getProperty(NETTY_JFR) == null) {
      System.setProperty(NETTY_JFR, "false");
    }
  }

  private Session cluster() {
    withoutNettyFlightRecorderEvents();
    HashFinderCluster.Builder builder;
    try {
      builder = HashFinderCluster.newBuilder(servers)
          .channelCredentials(clientTls.channelCredentials())
          .budget(ResourceBudget.ofHashes(
              maximumHashes == null ? HashFinderEngine.DEFAULT_MAX_HASHES : maximumHashes))
          .startTimeout(connectTimeout);
      if (rangeDuration != null) {
        builder.rangeDuration(rangeDuration);
      }
      BearerTokenCredentials token = clientTls.callCredentials();
      if (token != null) {
        builder.callCredentials(token);
      }
    } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (verbose) {
      Main.serverLogs(false);
    }
    HashFinderCluster cluster = builder.build();
    return new Session(cluster, cluster::hashesExamined, cluster.budget().maxHashes(), null,
        cluster::close, () -> cluster.busyBackends() + " of " + cluster.knownBackends()
            + " servers busy  ");
  }

  private Session remote() {
    withoutNettyFlightRecorderEvents();
    ChannelCredentials credentials;
    BearerTokenCredentials token;
    try {
      credentials = clientTls.channelCredentials();
      token = clientTls.callCredentials();
    } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    // A response is a few dozen bytes: a server that sends megabytes is refused, not buffered.
    // A server that dies (its host gone, its process stopped) sends no RST: without pings the
    // call would wait for ever. A slow server answers pings from its transport thread. Against
    // a grpc-core server's default (5 minutes between pings without data, two strikes), calls
    // under two minutes are safe; the reference's budget ends its calls far sooner.
    ManagedChannel channel = Grpc.newChannelBuilder(server, credentials)
        .maxInboundMessageSize(HashFinderClient.MAX_RESPONSE_SIZE)
        .keepAliveTime((keepalive == null ? KEEPALIVE_TIME : keepalive).toMillis(),
            TimeUnit.MILLISECONDS)
        .keepAliveTimeout(KEEPALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
        .build();
    HashFinderClient client = HashFinderClient.create(channel);
    return new Session(token == null ? client : client.withCallCredentials(token), null,
        maximumHashes == null ? Long.MAX_VALUE : maximumHashes, channel,
        () -> {
          channel.shutdown();
          if (!channel.awaitTermination(1, TimeUnit.SECONDS)) {
            channel.shutdownNow();
          }
        });
  }

  /**
   * Waits up to --connect-timeout for the channel to connect, so that a server still starting
   * is waited for; the call then goes ahead either way, and fails with the server's real state.
   */
  private void awaitConnection(ManagedChannel channel) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(1);
    watch(channel, ready);
    ready.await(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void watch(ManagedChannel channel, CountDownLatch ready) {
    ConnectivityState state = channel.getState(true);
    if (state == ConnectivityState.READY || state == ConnectivityState.SHUTDOWN) {
      ready.countDown();
      return;
    }
    channel.notifyWhenStateChanged(state, () -> watch(channel, ready));
  }

  /** What a search runs against, and how to let go of it; closing is idempotent. */
  private static final class Session implements AutoCloseable {
    final HashFinder finder;
    final @Nullable LongSupplier hashes; // null: not known here
    final long budget;
    final @Nullable ManagedChannel channel; // null for the embedded server and a cluster
    final @Nullable Supplier<String> detail; // more for the progress line, or null
    private final Cleanup cleanup;
    private boolean closed;

    Session(HashFinder finder, @Nullable LongSupplier hashes, long budget,
        @Nullable ManagedChannel channel, Cleanup cleanup) {
      this(finder, hashes, budget, channel, cleanup, null);
    }

    Session(HashFinder finder, @Nullable LongSupplier hashes, long budget,
        @Nullable ManagedChannel channel, Cleanup cleanup, @Nullable Supplier<String> detail) {
      this.detail = detail;
      this.finder = finder;
      this.channel = channel;
      this.hashes = hashes;
      this.budget = budget;
      this.cleanup = cleanup;
    }

    @Override
    public void close() {
      release();
    }

    /** Lets go of the channel or the embedded server; from a shutdown hook too. */
    synchronized void release() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        cleanup.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @FunctionalInterface
  private interface Cleanup {
    void run() throws InterruptedException;
  }
}
