package dev.hashfinder.cluster;

import dev.hashfinder.grpc.proto.HashNameRequest;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A server interceptor that cuts its server off as a silent network partition does: while
 * {@linkplain #cut() cut}, whatever the server sends (headers, messages, a call's end) is held
 * back, and nobody hears of it; {@link #heal()} sends it all, in order, as TCP delivers what it
 * retransmits once a link is back. The client's own deadlines still end its calls. It records the
 * deadline of every range it is asked for (a request other than the cluster's one-hash probe).
 * Thread-safe.
 */
final class SilentPartition implements ServerInterceptor {
  /** The time each range call had left when it arrived, in arrival order. */
  final List<Long> rangeDeadlinesMillis = new CopyOnWriteArrayList<>();
  private final List<Runnable> held = new ArrayList<>(); // guarded by this
  private boolean cut; // guarded by this

  synchronized void cut() {
    cut = true;
  }

  /** Delivers what was held, then lets everything through. */
  synchronized void heal() {
    held.forEach(Runnable::run);
    held.clear();
    cut = false;
  }

  int ranges() {
    return rangeDeadlinesMillis.size();
  }

  private synchronized void send(Runnable sending) {
    if (cut) {
      held.add(sending);
    } else {
      sending.run();
    }
  }

  private void asked(Object request) {
    if (request instanceof HashNameRequest find && find.getMaxHashes() != 1) {
      Deadline deadline = Context.current().getDeadline();
      rangeDeadlinesMillis.add(deadline == null ? Long.MAX_VALUE
          : deadline.timeRemaining(TimeUnit.MILLISECONDS));
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    ServerCall<Q, R> silenced = new SimpleForwardingServerCall<>(call) {
      @Override
      public void sendHeaders(Metadata responseHeaders) {
        send(() -> super.sendHeaders(responseHeaders));
      }

      @Override
      public void sendMessage(R message) {
        send(() -> super.sendMessage(message));
      }

      @Override
      public void close(Status status, Metadata trailers) {
        send(() -> super.close(status, trailers));
      }
    };
    return new SimpleForwardingServerCallListener<>(next.startCall(silenced, headers)) {
      @Override
      public void onMessage(Q message) {
        asked(message);
        super.onMessage(message);
      }
    };
  }
}
