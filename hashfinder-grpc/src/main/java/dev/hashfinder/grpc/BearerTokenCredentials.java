package dev.hashfinder.grpc;

import static com.google.common.base.Preconditions.checkArgument;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.hashfinder.core.internal.Formats;
import dev.hashfinder.core.internal.TokenFiles;
import io.grpc.CallCredentials;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.SecurityLevel;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;

/**
 * Call credentials that send {@code authorization: Bearer TOKEN}, as a server with bearer
 * tokens (hashfinder-server's {@code BearerTokens}) requires. Pass them with {@link
 * HashFinderClient#withCallCredentials}.
 *
 * <p>The token is sent only over a channel with privacy (TLS), or over a connection to a loopback
 * address (the address the channel is connected to, whatever name it calls the server by); any
 * other call fails {@code UNAUTHENTICATED} without sending it, so a token never crosses a network
 * in clear.
 *
 * <p>Immutable and thread-safe.
 */
public final class BearerTokenCredentials extends CallCredentials {
  /** The header a bearer token travels in, which a server reads it from. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final String token;

  private BearerTokenCredentials(String token) {
    this.token = token;
  }

  /**
   * {@return credentials that send {@code token}}
   *
   * @param token the bearer token; not blank
   * @throws IllegalArgumentException if it is blank or not printable ASCII
   */
  public static BearerTokenCredentials of(String token) {
    requireNonNull(token, "token");
    checkArgument(!token.isBlank() && token.chars().allMatch(c -> c > ' ' && c < 0x7f),
        "a bearer token is printable ASCII with no spaces");
    return new BearerTokenCredentials(token);
  }

  /**
   * {@return credentials that send the first token in {@code file}} Blank lines and lines
   * starting with {@code #} are skipped, so a server's token file works here too.
   *
   * @param file holds the token
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it holds no token
   */
  public static BearerTokenCredentials fromFile(Path file) {
    try {
      return TokenFiles.entries(Files.readString(file, UTF_8)).stream()
          .findFirst()
          .map(entry -> of(entry.token()))
          .orElseThrow(() -> new IllegalArgumentException("the token file " + file
              + " holds no token"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the token file " + file + ": " + e, e);
    }
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
    SocketAddress peer = info.getTransportAttrs().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (info.getSecurityLevel() != SecurityLevel.PRIVACY_AND_INTEGRITY && !isLoopback(peer)) {
      applier.fail(Status.UNAUTHENTICATED.withDescription("not sending a bearer token in clear "
          + "to " + (peer == null ? info.getAuthority() : Formats.address(peer))
          + ": use TLS"));
      return;
    }
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + token);
    applier.apply(headers);
  }

  /**
   * Whether the connection leads to this machine: a loopback address. Not the authority: a
   * channel may call a server by any name, {@code localhost} included, whatever it connects to.
   */
  static boolean isLoopback(SocketAddress peer) {
    return peer instanceof InetSocketAddress inet && inet.getAddress() != null
        && inet.getAddress().isLoopbackAddress();
  }

  @Override
  public String toString() {
    return "BearerTokenCredentials{" + TokenFiles.fingerprint(token) + "}";
  }
}
