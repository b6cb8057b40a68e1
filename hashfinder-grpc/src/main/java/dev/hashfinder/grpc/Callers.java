package dev.hashfinder.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.logging.Logger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who is calling, for logs and for the per-client share of search slots, and the bearer-token
 * check when the server has tokens. A caller is named by its certificate subject under mutual
 * TLS, else by its token's fingerprint, else by its peer address (without the port: one host's
 * connections are one caller).
 *
 * <p>A call without an accepted token ends {@code UNAUTHENTICATED} here, before the service sees
 * it. Thread-safe.
 */
final class Callers implements ServerInterceptor {
  private static final Logger logger = Logger.getLogger(HashFinderService.class.getName());
  private static final Context.Key<String> CALLER = Context.key("hashfinder-caller");
  private static final String BEARER = "bearer ";

  private final BearerTokens tokens; // null: no token needed
  private final ServiceMetrics metrics;

  Callers(BearerTokens tokens, ServiceMetrics metrics) {
    this.tokens = tokens;
    this.metrics = metrics;
  }

  /** {@return the current call's caller, or empty outside a call this interceptor saw} */
  static Optional<String> current() {
    return Optional.ofNullable(CALLER.get());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String tokenName = null;
    if (tokens != null) {
      String authorization = headers.get(BearerTokenCredentials.AUTHORIZATION);
      if (authorization == null
          || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
        return refuse(call, "this server needs an authorization: Bearer token");
      }
      Optional<String> fingerprint =
          tokens.check(authorization.substring(BEARER.length()).strip());
      if (fingerprint.isEmpty()) {
        return refuse(call, "bearer token not accepted");
      }
      tokenName = "token " + fingerprint.get();
    }
    String caller = subject(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))
        .orElse(tokenName != null ? tokenName
            : host(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
    if (caller == null) { // in-process, no token: one process, not a client to share among
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers,
        next);
  }

  private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String why) {
    metrics.ended(ServiceMetrics.Outcome.UNAUTHENTICATED);
    logger.fine(() -> call.getMethodDescriptor().getBareMethodName() + " from "
        + HashFinderServer.describe(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR))
        + ": refused, UNAUTHENTICATED: " + why);
    call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }

  /** The subject of a verified client certificate, if the peer presented one. */
  static Optional<String> subject(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate certificate
          ? Optional.of(certificate.getSubjectX500Principal().getName())
          : Optional.empty();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty(); // TLS without a client certificate
    }
  }

  /** A peer's host address; null for a peer with none, such as an in-process one. */
  private static String host(SocketAddress address) {
    return address instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress()
        : null;
  }
}
