package dev.hashfinder.grpc;

import static java.util.Objects.requireNonNull;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.FinderFailedException;
import dev.hashfinder.HashFinder;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.internal.Callbacks;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@link HashFinder} that runs its searches on a remote {@code hash_name.HashFinder} server:
 * hashfinder's own or the reference one.
 *
 * <p>Code written against {@link HashFinder} runs unchanged on it. Any completion of the future
 * (cancelling it or the token, {@code complete}, {@code orTimeout}...) cancels the RPC, and the
 * server frees its worker. A budget's hash and match limits travel in the request (a server only
 * ever lowers its own); its timeout becomes the call's deadline. Every ending comes back as the
 * API's type ({@link Outcomes#fromStatus}), with the status as its cause: code that uses this
 * client needs no {@code io.grpc} type to tell "busy, try later" ({@link
 * dev.hashfinder.FinderBusyException}) from "gone" ({@link
 * dev.hashfinder.FinderUnavailableException}). The future is {@linkplain
 * CompletableFuture#isCancelled() cancelled} only when this side cancelled it; the reference
 * server's {@code CANCELLED} for an exhausted budget arrives as a {@link
 * dev.hashfinder.FinderFailedException}.
 *
 * <p>Thread-safe. The channel stays the caller's to shut down.
 */
public final class HashFinderClient implements HashFinder {
  private static final Logger logger = Logger.getLogger(HashFinderClient.class.getName());

  /**
   * A cap for the inbound messages of a channel to a {@code hash_name.HashFinder} server, for
   * {@code ManagedChannelBuilder.maxInboundMessageSize}: 4 KiB. A response holds a secret of at
   * most 8 bytes and one digest's base64 text (under 100 bytes for SHA-512), so an honest server
   * stays far below it, while gRPC's default of 4 MiB would let a hostile one make its client
   * buffer megabytes per message. A message over the cap ends the call with {@code
   * RESOURCE_EXHAUSTED} on the client's side. hashfinder-cluster sets it on every
   * backend's channel.
   */
  public static final int MAX_RESPONSE_SIZE = 4096;

  private final Channel channel;
  private final CallOptions callOptions;

  private HashFinderClient(Channel channel, CallOptions callOptions) {
    this.channel = channel;
    this.callOptions = callOptions;
  }

  /**
   * {@return a client over {@code channel}}
   *
   * @param channel the channel to the server; stays the caller's to shut down
   */
  public static HashFinderClient create(Channel channel) {
    return new HashFinderClient(requireNonNull(channel, "channel"), CallOptions.DEFAULT);
  }

  /**
   * This client, making its calls with {@code callOptions} (call credentials, compression,
   * a default deadline...). A budget's timeout, where a search has one, replaces the deadline.
   *
   * @param callOptions the options of every call
   * @return a client over the same channel
   */
  public HashFinderClient withCallOptions(CallOptions callOptions) {
    return new HashFinderClient(channel, requireNonNull(callOptions, "callOptions"));
  }

  /**
   * This client, sending {@code credentials} with every call, such as {@link
   * BearerTokenCredentials} for a server that requires a token. Transport security (TLS, mutual
   * TLS) belongs to the channel: build it with {@code Grpc.newChannelBuilder(target,
   * TlsChannelCredentials.create())}.
   *
   * @param credentials the call credentials
   * @return a client over the same channel
   */
  public HashFinderClient withCallCredentials(CallCredentials credentials) {
    return withCallOptions(callOptions.withCallCredentials(requireNonNull(credentials,
        "credentials")));
  }

  @Override
  public CompletableFuture<Match> find(Query query, ResourceBudget budget,
      CancellationToken token) {
    requireNonNull(query, "query");
    requireNonNull(budget, "budget");
    requireNonNull(token, "token");
    CompletableFuture<Match> future = new CompletableFuture<>();
    AtomicReference<Match> answer = new AtomicReference<>();
    start(HashFinderGrpc.getFindMethod(), query, budget, token, future,
        (call, request, observer) -> ClientCalls.asyncUnaryCall(call, request, observer),
        response -> answer.set(Wire.match(response)),
        () -> {
          if (answer.get() != null) {
            future.complete(answer.get());
          } else { // a server that ends Find with OK and no response broke the contract
            future.completeExceptionally(new FinderFailedException(
                "the server completed Find without a response", null));
          }
        });
    return future;
  }

  @Override
  public CompletableFuture<Void> findRange(Query query, ResourceBudget budget,
      CancellationToken token, MatchListener listener) {
    requireNonNull(query, "query");
    requireNonNull(budget, "budget");
    requireNonNull(token, "token");
    requireNonNull(listener, "listener");
    CompletableFuture<Void> future = new CompletableFuture<>();
    start(HashFinderGrpc.getFindRangeMethod(), query, budget, token, future,
        (call, request, observer) -> ClientCalls.asyncServerStreamingCall(call, request, observer),
        response -> {
          if (!future.isDone()) {
            listener.onMatch(Wire.match(response));
          }
        },
        () -> future.complete(null));
    return future;
  }

  /** How a call is started: unary or server-streaming. */
  @FunctionalInterface
  private interface Starter {
    void start(ClientCall<HashNameRequest, HashNameResponse> call, HashNameRequest request,
        StreamObserver<HashNameResponse> observer);
  }

  private <T> void start(
      MethodDescriptor<HashNameRequest, HashNameResponse> method,
      Query query,
      ResourceBudget budget,
      CancellationToken token,
      CompletableFuture<T> future,
      Starter starter,
      Consumer<HashNameResponse> onResponse,
      Runnable onCompleted) {
    // A cancellable context cancels the call from any thread, which ClientCall.cancel does not
    // promise to do.
    Context.CancellableContext context = Context.current().withCancellation();
    CancellationToken.Registration byToken = token.onCancel(() -> future.cancel(false));
    Callbacks.whenComplete(future, (result, failure) -> {
      byToken.close();
      context.cancel(null); // cancels the RPC if it still runs; releases the context otherwise
    }, thrown -> logger.log(Level.SEVERE, "a call did not end cleanly", thrown));
    if (future.isDone()) {
      return; // the token was cancelled already: no call at all
    }
    CallOptions options = callOptions;
    Duration timeout = budget.timeout().orElse(null);
    if (timeout != null) {
      options = options.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    HashNameRequest request = Wire.request(query, budget);
    CallOptions finalOptions = options;
    context.run(() -> starter.start(channel.newCall(method, finalOptions), request,
        new StreamObserver<>() {
          @Override
          public void onNext(HashNameResponse response) {
            try {
              onResponse.accept(response);
            } catch (RuntimeException e) {
              fail(future, e); // a listener that throws ends the search, as the engine does
            }
          }

          @Override
          public void onError(Throwable failure) {
            fail(future, failure);
          }

          @Override
          public void onCompleted() {
            onCompleted.run();
          }
        }));
  }

  private static void fail(CompletableFuture<?> future, Throwable failure) {
    future.completeExceptionally(failure instanceof StatusRuntimeException status
        ? Outcomes.fromStatus(status) : failure);
  }
}
