package dev.hashfinder.grpc;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.DeadlineExceededException;
import dev.hashfinder.FinderBusyException;
import dev.hashfinder.FinderUnavailableException;
import dev.hashfinder.HashFinder;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.internal.Callbacks;
import dev.hashfinder.core.internal.Formats;
import dev.hashfinder.core.internal.UntrustedText;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The {@code hash_name.HashFinder} service over any {@link HashFinder}: the local engine, or
 * another finder it forwards to. It knows nothing of transports: bind the same instance to an
 * in-process server or to a port.
 *
 * <p>Each call translates its request at the edge, runs its search on the finder (never on the
 * gRPC thread) and cancels that search when the client cancels, disconnects or passes its
 * deadline, or when the service {@linkplain #shutdown() shuts down}. The finder checks the query
 * and the service answers each ending with the status {@link Outcomes} gives it. {@code FindRange}
 * sends only while the call is ready, and its search waits otherwise, so a slow reader cannot make
 * the server buffer without bound; a {@code FindRange} whose client reads nothing for the
 * stalled-stream timeout is cancelled, and any call ends {@code DEADLINE_EXCEEDED} after the
 * maximum call duration (10 s and 10 min by default: {@link Builder}). Beyond {@code
 * maxConcurrentSearches} running searches a call is refused at once with {@code
 * RESOURCE_EXHAUSTED}, and so is a call its {@link CallAdmission} refuses (a networked server's
 * per-caller shares). A {@link CallObserver} learns how each call ended. Each call's outcome is
 * logged in one line at {@code FINE}, the start of its search at {@code FINER}: a library stays
 * quiet unless asked.
 *
 * <p>Thread-safe.
 */
public final class HashFinderService implements BindableService, HashFinderGrpc.AsyncService {
  private static final Logger logger = Logger.getLogger(HashFinderService.class.getName());
  private static final String SHUTTING_DOWN = "server is shutting down";

  /** How long a {@code FindRange} client may read nothing before its search is cancelled. */
  public static final Duration DEFAULT_STALLED_STREAM_TIMEOUT = Duration.ofSeconds(10);
  /** How long any call may run before it ends {@code DEADLINE_EXCEEDED}. */
  public static final Duration DEFAULT_MAX_CALL_DURATION = Duration.ofMinutes(10);

  private final HashFinder finder;
  private final int maxConcurrentSearches;
  private final CallAdmission admission;
  private final CallObserver observer;
  private final Duration stalledStreamTimeout;
  private final Duration maxCallDuration;
  private final ScheduledThreadPoolExecutor timers;
  private final AtomicInteger runningSearches = new AtomicInteger();
  private final CancellationToken shuttingDown = new CancellationToken();

  private HashFinderService(Builder builder) {
    this.finder = builder.finder;
    this.maxConcurrentSearches = builder.maxConcurrentSearches;
    this.admission = builder.admission;
    this.observer = builder.observer;
    this.stalledStreamTimeout = builder.stalledStreamTimeout;
    this.maxCallDuration = builder.maxCallDuration;
    this.timers = new ScheduledThreadPoolExecutor(1, new ThreadFactoryBuilder()
        .setNameFormat("hashfinder-call-limits").setDaemon(true).build());
    timers.setRemoveOnCancelPolicy(true); // a call that ends takes its timer with it
    timers.setKeepAliveTime(10, TimeUnit.SECONDS);
    timers.allowCoreThreadTimeOut(true); // no thread while no call runs
  }

  /**
   * {@return a service over {@code finder} with no limit on concurrent searches}
   *
   * @param finder runs the searches
   */
  public static HashFinderService create(HashFinder finder) {
    return newBuilder(finder).build();
  }

  /**
   * A service over {@code finder} that runs at most {@code maxConcurrentSearches} searches at
   * once, as the reference server's {@code maximum_concurrent_rpcs} does.
   *
   * @param finder runs the searches
   * @param maxConcurrentSearches the most searches that run at once; at least 1
   * @return the service
   * @throws IllegalArgumentException if {@code maxConcurrentSearches < 1}
   */
  public static HashFinderService create(HashFinder finder, int maxConcurrentSearches) {
    return newBuilder(finder).maxConcurrentSearches(maxConcurrentSearches).build();
  }

  /**
   * {@return a builder for a service over {@code finder}}
   *
   * @param finder runs the searches
   */
  public static Builder newBuilder(HashFinder finder) {
    return new Builder(requireNonNull(finder, "finder"));
  }

  /** {@return calls whose search has not ended yet} */
  public int runningSearches() {
    return runningSearches.get();
  }

  /**
   * Cancels every running search, whose clients then see {@code UNAVAILABLE}, and refuses new
   * calls with {@code UNAVAILABLE}. Does not wait; the finder's workers are free within
   * milliseconds.
   */
  public void shutdown() {
    shuttingDown.cancel();
    timers.shutdownNow();
  }

  /**
   * The service's definition, with a request marshaller that turns bytes that are not a {@code
   * HashNameRequest} into {@code INVALID_ARGUMENT} rather than grpc's {@code UNKNOWN}
   * "Application error processing RPC".
   */
  @Override
  public ServerServiceDefinition bindService() {
    ServerServiceDefinition generated = HashFinderGrpc.bindService(this);
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(generated.getServiceDescriptor().getName())
            .setSchemaDescriptor(generated.getServiceDescriptor().getSchemaDescriptor());
    List<ServerMethodDefinition<HashNameRequest, HashNameResponse>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : generated.getMethods()) {
      @SuppressWarnings("unchecked") // every method of the service takes a HashNameRequest
      ServerMethodDefinition<HashNameRequest, HashNameResponse> typed =
          (ServerMethodDefinition<HashNameRequest, HashNameResponse>) method;
      MethodDescriptor<HashNameRequest, HashNameResponse> tolerant = typed.getMethodDescriptor()
          .toBuilder(new TolerantRequests(typed.getMethodDescriptor().getRequestMarshaller()),
              typed.getMethodDescriptor().getResponseMarshaller())
          .build();
      descriptor.addMethod(tolerant);
      methods.add(ServerMethodDefinition.create(tolerant, typed.getServerCallHandler()));
    }
    ServerServiceDefinition.Builder definition =
        ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(definition::addMethod);
    return definition.build();
  }

  /** Parses requests, handing on bytes that do not parse as {@link #MALFORMED}. */
  private static final class TolerantRequests
      implements MethodDescriptor.Marshaller<HashNameRequest> {
    private final MethodDescriptor.Marshaller<HashNameRequest> strict;

    TolerantRequests(MethodDescriptor.Marshaller<HashNameRequest> strict) {
      this.strict = strict;
    }

    @Override
    public InputStream stream(HashNameRequest value) {
      return strict.stream(value);
    }

    @Override
    public HashNameRequest parse(InputStream stream) {
      try {
        return strict.parse(stream);
      } catch (RuntimeException e) {
        return MALFORMED;
      }
    }
  }

  /** Stands for a request whose bytes did not parse; recognised by identity. */
  private static final HashNameRequest MALFORMED = HashNameRequest.newBuilder().build();

  // By identity on purpose: MALFORMED equals, by value, the empty request a client may send, which
  // is answered as the invalid query it is, not as bytes that did not parse.
  @SuppressWarnings("ReferenceEquality")
  private static boolean isMalformed(HashNameRequest request) {
    return request == MALFORMED;
  }

  /**
   * Runs a {@code Find}: one response with the answer, or the status of how the search ended.
   *
   * @param request the request, as the client sent it
   * @param observer takes the response or the status
   */
  @Override
  public void find(HashNameRequest request, StreamObserver<HashNameResponse> observer) {
    Call call = start("Find", request, observer);
    if (call != null) {
      call.finish(finder.find(call.query, call.budget, call.token), match -> {
        call.outcome = "found index " + match.index() + " distance " + match.distance();
        observer.onNext(Wire.response(match));
        observer.onCompleted();
      });
    }
  }

  /**
   * Runs a {@code FindRange}: streams the inferior candidates in index order, then the ideal
   * one, as the call becomes ready for them; or ends with the status of how the search ended.
   *
   * @param request the request, as the client sent it
   * @param observer takes the responses and the status
   */
  @Override
  public void findRange(HashNameRequest request, StreamObserver<HashNameResponse> observer) {
    Call call = start("FindRange", request, observer);
    if (call != null) {
      FlowControl flow = new FlowControl(call, stalledStreamTimeout.toNanos());
      call.finish(finder.findRange(call.query, call.budget, call.token, flow), ignored -> {
        call.outcome = "found after " + flow.sent + " responses";
        observer.onCompleted();
      });
    }
  }

  /** Checks and registers a call; null if it was refused (its status already sent). */
  private @Nullable Call start(
      String method, HashNameRequest request, StreamObserver<HashNameResponse> o) {
    ServerCallStreamObserver<HashNameResponse> observer =
        (ServerCallStreamObserver<HashNameResponse>) o;
    if (isMalformed(request)) {
      refuse(method + " (unparsable request)", observer, new IllegalArgumentException(
          "request is not a valid hash_name.HashNameRequest"));
      return null;
    }
    String caller = admission.caller().orElse(null);
    String description = method + " desired_name=\""
        + UntrustedText.quote(request.getDesiredName())
        + "\" ideal=" + request.getIdealHammingDistance()
        + (request.getFirstIndex() == 0 ? "" : " first_index=" + request.getFirstIndex())
        + (caller == null ? "" : " from " + caller);
    Query query;
    ResourceBudget budget;
    try {
      query = Wire.query(request);
      budget = Wire.budget(request);
    } catch (IllegalArgumentException e) {
      refuse(description, observer, e);
      return null;
    }
    if (shuttingDown.isCancelled()) {
      refuse(description, observer, new FinderUnavailableException(SHUTTING_DOWN, null));
      return null;
    }
    if (runningSearches.incrementAndGet() > maxConcurrentSearches) {
      runningSearches.decrementAndGet();
      refuse(description, observer, new FinderBusyException(
          "server is running its limit of " + maxConcurrentSearches + " concurrent searches",
          null));
      return null;
    }
    CallAdmission.Permit permit = NO_PERMIT;
    if (caller != null) {
      try {
        permit = requireNonNull(admission.admit(caller), "permit");
      } catch (FinderBusyException e) {
        runningSearches.decrementAndGet();
        refuse(description, observer, e);
        return null;
      }
    }
    logger.finer(() -> description + ": searching");
    return new Call(description, permit, query, budget, observer);
  }

  /** The permit of a call whose caller is unknown: no share to give back. */
  private static final CallAdmission.Permit NO_PERMIT = () -> { };

  /** Ends a call that starts no search with the status of {@code reason}, and logs it. */
  private void refuse(String description, StreamObserver<HashNameResponse> observer,
      RuntimeException reason) {
    StatusRuntimeException status = Outcomes.toStatus(reason);
    logger.fine(() -> description + ": refused, " + Outcomes.describe(status.getStatus()));
    tellObserver(description, watcher -> watcher.ended(
        status.getStatus().getCode() == Status.Code.UNAVAILABLE
            ? CallObserver.Outcome.UNAVAILABLE : CallObserver.Outcome.REFUSED));
    observer.onError(status);
  }

  /**
   * Tells the observer how a call went. What the observer throws is its own bug: logged, and it
   * costs the call neither its outcome nor its permit.
   */
  private void tellObserver(String description, Consumer<CallObserver> news) {
    try {
      news.accept(observer);
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, description + ": the call observer failed", e);
    }
  }

  /** One call's search: its token, what cancelled it, and how it ends. */
  private final class Call {
    final String description;
    final CallAdmission.Permit permit;
    final Query query;
    final ResourceBudget budget;
    final ServerCallStreamObserver<HashNameResponse> observer;
    final CancellationToken token = new CancellationToken();
    final CancellationToken.Registration byShutdown;
    final Context context = Context.current();
    final long startNanos = System.nanoTime();
    volatile boolean clientCancelled;
    volatile @Nullable ServerEnding endedByServer; // null unless a limit of the server's ended it
    volatile long cancelledNanos;
    volatile String outcome = "found";

    Call(String description, CallAdmission.Permit permit, Query query, ResourceBudget budget,
        ServerCallStreamObserver<HashNameResponse> observer) {
      this.description = description;
      this.permit = permit;
      this.query = query;
      this.budget = budget;
      this.observer = observer;
      // Client cancel, a dropped connection and a passed deadline all cancel the call.
      observer.setOnCancelHandler(() -> {
        clientCancelled = true;
        token.cancel();
      });
      this.byShutdown = shuttingDown.onCancel(token::cancel);
      token.onCancel(() -> cancelledNanos = System.nanoTime());
    }

    /** Ends the call's search because of one of the server's limits. */
    void endByServer(ServerEnding ending) {
      endedByServer = ending;
      token.cancel();
    }

    /**
     * Sends the outcome once the search has ended; the engine completes a search cancelled
     * through its token only after its workers stopped, so with the engine behind it the permit
     * is released when the worker really is free.
     */
    <T> void finish(CompletableFuture<T> search, Consumer<T> onSuccess) {
      ScheduledFuture<?> overrun = scheduleOverrun();
      Callbacks.whenComplete(search, (result, failure) -> {
        byShutdown.close();
        if (overrun != null) {
          overrun.cancel(false);
        }
        long cancelled = cancelledNanos;
        if (cancelled != 0) {
          long nanos = System.nanoTime() - cancelled;
          tellObserver(description, watcher -> watcher.cancelledToIdle(nanos));
        }
        runningSearches.decrementAndGet();
        permit.release();
        try {
          if (failure == null) {
            tellObserver(description, watcher -> watcher.ended(CallObserver.Outcome.FOUND));
            onSuccess.accept(result);
          } else {
            fail(failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure);
          }
        } catch (RuntimeException e) {
          logger.log(Level.WARNING, description + ": could not send the outcome", e);
        }
        long millis = (System.nanoTime() - startNanos) / 1_000_000;
        logger.fine(() -> description + ": " + outcome + " in " + millis + " ms");
      }, thrown -> logger.log(Level.SEVERE, description + ": the call did not end cleanly", thrown));
    }

    private @Nullable ScheduledFuture<?> scheduleOverrun() {
      try {
        return timers.schedule(() -> endByServer(ServerEnding.OVERRAN),
            maxCallDuration.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        return null; // shutting down: the shutdown cancels the search instead
      }
    }

    private void fail(Throwable failure) {
      ServerEnding byServer = endedByServer;
      if (failure instanceof CancellationException && byServer != null) {
        failure = byServer == ServerEnding.STALLED
            ? new CancellationException("the client read no response for "
                + Formats.duration(stalledStreamTimeout) + "; the stream is abandoned")
            : new DeadlineExceededException("the call ran for the server's limit of "
                + Formats.duration(maxCallDuration), -1);
      } else if (failure instanceof CancellationException) {
        // Only this service cancels a search: its client went away, or the server is stopping.
        boolean deadline = context.getDeadline() != null && context.getDeadline().isExpired();
        failure = !clientCancelled ? new FinderUnavailableException(SHUTTING_DOWN, failure)
            : deadline ? new DeadlineExceededException("deadline passed", -1)
            : new CancellationException("cancelled by the client");
      }
      StatusRuntimeException status = Outcomes.toStatus(failure);
      outcome = Outcomes.describe(status.getStatus());
      CallObserver.Outcome ending = byServer == ServerEnding.STALLED
          ? CallObserver.Outcome.STALLED : Outcomes.callOutcome(status.getStatus().getCode());
      tellObserver(description, watcher -> watcher.ended(ending));
      if (status.getStatus().getCode() == Status.Code.INTERNAL) {
        logger.log(Level.WARNING, description + ": search failed", failure);
      }
      observer.onError(status);
    }
  }

  /** Why the server ended a call itself. */
  private enum ServerEnding {
    /** Its client read nothing for the stalled-stream timeout. */
    STALLED,
    /** It ran for the maximum call duration. */
    OVERRAN
  }

  /**
   * Sends each match when the call is ready for it, and holds the search's emitting worker while
   * it is not; wakes when the call becomes ready or the search is cancelled. A client that reads
   * nothing for the stalled-stream timeout is a stalled client: its search is cancelled, so that
   * flow control, which spends no budget, cannot hold a search slot for ever.
   */
  private static final class FlowControl implements MatchListener {
    private final Call call;
    private final long stallNanos;
    private long sent; // written by the emitting worker, read after the search completed

    FlowControl(Call call, long stallNanos) {
      this.call = call;
      this.stallNanos = stallNanos;
      call.observer.setOnReadyHandler(this::wake);
      call.token.onCancel(this::wake);
    }

    private synchronized void wake() {
      notifyAll();
    }

    @Override
    public void onMatch(Match match) {
      synchronized (this) {
        long waitingSince = System.nanoTime();
        while (!call.observer.isReady() && !call.token.isCancelled()) {
          long left = stallNanos - (System.nanoTime() - waitingSince);
          if (left <= 0) {
            call.endByServer(ServerEnding.STALLED);
            break;
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(this, left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.token.cancel();
          }
        }
      }
      if (!call.token.isCancelled()) {
        call.observer.onNext(Wire.response(match));
        sent++;
      }
    }
  }

  /**
   * Configures a {@link HashFinderService}: its limits as plain settings, and what a server plugs
   * in (per-caller shares, an observer of each call's ending). Each setting may be given once. Not
   * thread-safe.
   */
  public static final class Builder {
    private final HashFinder finder;
    private int maxConcurrentSearches = Integer.MAX_VALUE;
    private Duration stalledStreamTimeout = DEFAULT_STALLED_STREAM_TIMEOUT;
    private Duration maxCallDuration = DEFAULT_MAX_CALL_DURATION;
    private CallAdmission admission = CallAdmission.OPEN;
    private CallObserver observer = CallObserver.NONE;

    private Builder(HashFinder finder) {
      this.finder = finder;
    }

    /**
     * The most searches that run at once, as the reference server's {@code
     * maximum_concurrent_rpcs}; a call beyond it is refused with {@code RESOURCE_EXHAUSTED}. By
     * default, unlimited.
     *
     * @param maxConcurrentSearches the most searches that run at once; at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code maxConcurrentSearches < 1}
     */
    public Builder maxConcurrentSearches(int maxConcurrentSearches) {
      checkArgument(maxConcurrentSearches >= 1, "maxConcurrentSearches < 1: %s",
          maxConcurrentSearches);
      this.maxConcurrentSearches = maxConcurrentSearches;
      return this;
    }

    /**
     * How long a {@code FindRange} client may read nothing before its search is cancelled;
     * {@link #DEFAULT_STALLED_STREAM_TIMEOUT} by default.
     *
     * @param stalledStreamTimeout the timeout; positive, whole milliseconds
     * @return this builder
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder stalledStreamTimeout(Duration stalledStreamTimeout) {
      this.stalledStreamTimeout = positive("stalledStreamTimeout", stalledStreamTimeout);
      return this;
    }

    /**
     * How long any call may run before it ends {@code DEADLINE_EXCEEDED}, whatever deadline its
     * client set; {@link #DEFAULT_MAX_CALL_DURATION} by default.
     *
     * @param maxCallDuration the limit; positive, whole milliseconds
     * @return this builder
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder maxCallDuration(Duration maxCallDuration) {
      this.maxCallDuration = positive("maxCallDuration", maxCallDuration);
      return this;
    }

    /**
     * Who the callers are and whether each may start another search; {@link CallAdmission#OPEN}
     * by default.
     *
     * @param admission the policy
     * @return this builder
     */
    public Builder admission(CallAdmission admission) {
      this.admission = requireNonNull(admission, "admission");
      return this;
    }

    /**
     * Learns how each call ended; {@link CallObserver#NONE} by default.
     *
     * @param observer the observer
     * @return this builder
     */
    public Builder observer(CallObserver observer) {
      this.observer = requireNonNull(observer, "observer");
      return this;
    }

    /** {@return the service} */
    public HashFinderService build() {
      return new HashFinderService(this);
    }

    private static Duration positive(String name, Duration value) {
      requireNonNull(value, name);
      checkArgument(!value.isNegative() && !value.isZero(), "%s must be positive: %s", name,
          value);
      return value;
    }
  }
}
