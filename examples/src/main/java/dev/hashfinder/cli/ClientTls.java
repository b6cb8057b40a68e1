package dev.hashfinder.cli;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.File;
import java.io.IOException;

/** The channel credentials the command line's TLS flags ask for, as a client of a server. */
final class ClientTls {
  private ClientTls() {}

  /**
   * Plaintext unless a flag asks for TLS; then TLS trusting {@code ca} (or the JDK's authorities),
   * with {@code cert} and {@code key} as the client's own for mutual TLS.
   *
   * @param tls whether TLS was asked for by name
   * @param ca the certificate authority to trust, PEM, or null for the JDK's
   * @param cert the client's certificate chain, PEM, or null
   * @param key the client's private key, PKCS#8 PEM, or null (given with {@code cert})
   * @throws IOException if a file cannot be read
   */
  static ChannelCredentials channelCredentials(boolean tls, File ca, File cert, File key)
      throws IOException {
    if (!tls && ca == null && cert == null) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
    if (ca != null) {
      builder.trustManager(ca);
    }
    if (cert != null) {
      builder.keyManager(cert, key);
    }
    return builder.build();
  }
}
