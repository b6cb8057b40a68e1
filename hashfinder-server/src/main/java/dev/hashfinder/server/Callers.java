package dev.hashfinder.server;

import com.google.common.net.InetAddresses;
import dev.hashfinder.FinderBusyException;
import dev.hashfinder.core.internal.Formats;
import dev.hashfinder.core.internal.UntrustedText;
import dev.hashfinder.grpc.BearerTokenCredentials;
import dev.hashfinder.grpc.CallAdmission;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * Who is calling, for logs and for the per-client share of search slots, and the bearer-token
 * check when the server has tokens. A caller is its token (by the token's fingerprint), else its
 * client certificate under mutual TLS (subject and issuer: the same name from another trusted CA
 * is another caller), else the network its address is in: the address cut to the server's
 * {@linkplain ServerLimits#callerPrefixIpv4() IPv4} or {@linkplain
 * ServerLimits#callerPrefixIpv6() IPv6} prefix, without the port, so that neither a host's many
 * connections nor its many addresses make it many callers. An IPv4 address mapped into IPv6 is
 * IPv4. A name taken from a certificate is {@linkplain UntrustedText escaped}.
 *
 * <p>A call without an accepted token ends {@code UNAUTHENTICATED} here, before the service sees
 * it. As the service's {@link CallAdmission}, it holds each caller to its share of the search
 * slots: a caller's search beyond it is refused while slots stay free for others. Thread-safe.
 */
final class Callers implements ServerInterceptor, CallAdmission {
  private static final Logger logger = Logger.getLogger(Callers.class.getName());
  private static final Context.Key<String> CALLER = Context.key("hashfinder-caller");
  private static final String BEARER = "bearer ";

  private final @Nullable BearerTokens tokens; // null: no token needed
  private final ServiceMetrics metrics;
  private final int ipv4Prefix;
  private final int ipv6Prefix;
  private final int maxSearchesPerCaller;
  private final int maxConcurrentSearches;
  private final ConcurrentHashMap<String, Integer> searchesByCaller = new ConcurrentHashMap<>();

  Callers(@Nullable BearerTokens tokens, ServiceMetrics metrics, ServerLimits limits,
      int maxSearchesPerCaller, int maxConcurrentSearches) {
    this.tokens = tokens;
    this.metrics = metrics;
    this.ipv4Prefix = limits.callerPrefixIpv4();
    this.ipv6Prefix = limits.callerPrefixIpv6();
    this.maxSearchesPerCaller = maxSearchesPerCaller;
    this.maxConcurrentSearches = maxConcurrentSearches;
  }

  /** {@return the current call's caller, or empty outside a call this interceptor saw} */
  @Override
  public Optional<String> caller() {
    return current();
  }

  /** {@return the current call's caller, or empty outside a call a {@code Callers} saw} */
  static Optional<String> current() {
    return Optional.ofNullable(CALLER.get());
  }

  /** Counts a search against its caller's share, or refuses it if the share is taken. */
  @Override
  public Permit admit(String caller) {
    boolean[] taken = {false};
    searchesByCaller.compute(caller, (key, held) -> {
      int running = held == null ? 0 : held;
      if (running >= maxSearchesPerCaller) {
        return held;
      }
      taken[0] = true;
      return running + 1;
    });
    if (!taken[0]) {
      throw new FinderBusyException("caller " + caller + " is running its share of "
          + maxSearchesPerCaller + " of the server's " + maxConcurrentSearches
          + " concurrent searches", null);
    }
    return () -> searchesByCaller.computeIfPresent(caller,
        (key, held) -> held == 1 ? null : held - 1);
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
    String caller = tokenName != null ? tokenName
        : certificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)).orElseGet(() ->
            network(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
    if (caller == null) { // in-process, no token: one process, not a client to share among
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers,
        next);
  }

  private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String why) {
    metrics.unauthenticated();
    logger.fine(() -> call.getMethodDescriptor().getBareMethodName() + " from "
        + Formats.address(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR))
        + ": refused, UNAUTHENTICATED: " + why);
    call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }

  /**
   * A verified client certificate as a caller: {@code <subject> issued by <issuer>}, both in RFC
   * 2253 form (which escapes {@code <} and {@code >}, so no two certificates' names read the
   * same); empty if the peer presented none.
   */
  static Optional<String> certificate(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate certificate
          ? Optional.of(UntrustedText.escape("<" + certificate.getSubjectX500Principal().getName()
              + "> issued by <" + certificate.getIssuerX500Principal().getName() + ">"))
          : Optional.empty();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty(); // TLS without a client certificate
    }
  }

  /**
   * A peer's network as a caller: its address with the bits past the prefix cleared, written
   * {@code 192.0.2.0/24} or {@code 2001:db8:1:2::/64}, or the address alone for a full-length
   * prefix; null for a peer with no address, such as an in-process one.
   */
  private @Nullable String network(@Nullable SocketAddress address) {
    return address instanceof InetSocketAddress inet && inet.getAddress() != null
        ? network(inet.getAddress(), ipv4Prefix, ipv6Prefix)
        : null;
  }

  static String network(InetAddress address, int ipv4Prefix, int ipv6Prefix) {
    byte[] bytes = address.getAddress();
    if (bytes.length == 16 && isMappedIpv4(bytes)) {
      bytes = Arrays.copyOfRange(bytes, 12, 16);
    }
    int prefix = bytes.length == 4 ? ipv4Prefix : ipv6Prefix;
    for (int i = 0; i < bytes.length; i++) {
      int kept = Math.max(0, Math.min(Byte.SIZE, prefix - Byte.SIZE * i));
      bytes[i] &= (byte) (0xff << (Byte.SIZE - kept));
    }
    String network;
    try {
      network = InetAddresses.toAddrString(InetAddress.getByAddress(bytes));
    } catch (UnknownHostException e) {
      throw new AssertionError("an address of 4 or 16 bytes", e);
    }
    return prefix == bytes.length * Byte.SIZE ? network : network + "/" + prefix;
  }

  /** Whether a 16-byte address is an IPv4 address mapped into IPv6: {@code ::ffff:a.b.c.d}. */
  private static boolean isMappedIpv4(byte[] bytes) {
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
  }
}
