package dev.hashfinder.cli;

import static java.util.Objects.requireNonNull;

import dev.hashfinder.grpc.BearerTokenCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The options by which a command reaches servers as their client, as a picocli mixin: TLS
 * (plaintext unless an option asks for it), mutual TLS, and a bearer token. Their rules and the
 * credentials they make live here; {@link ToServer} declares them as {@code find}'s {@code --tls}
 * options, {@link ToBackends} as {@code serve}'s {@code --backend-tls} options, each with its
 * own names and help.
 */
abstract class ClientTls {
  // Set by picocli through the subclasses' option methods; null when not given.
  boolean tls;
  @Nullable File ca;
  @Nullable File cert;
  @Nullable File key;
  @Nullable Path tokenFile;

  /** {@return the option that names the client's certificate chain} */
  abstract String certOption();

  /** {@return the option that names the client's private key} */
  abstract String keyOption();

  /**
   * {@return whether an option asks for TLS or a token} (the key alone is caught by {@link
   * #checkPaired}).
   */
  boolean given() {
    return tls || ca != null || cert != null || tokenFile != null;
  }

  /**
   * Checks that the certificate and the key come together.
   *
   * @param spec the command, for its error
   * @throws CommandLine.ParameterException if one came alone
   */
  void checkPaired(CommandSpec spec) {
    if ((cert == null) != (key == null)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          certOption() + " and " + keyOption() + " go together");
    }
  }

  /**
   * Plaintext unless an option asks for TLS; then TLS trusting the CA given (or the JDK's
   * authorities), with the client's own certificate and key for mutual TLS.
   *
   * @throws IOException if a file cannot be read
   */
  ChannelCredentials channelCredentials() throws IOException {
    if (!tls && ca == null && cert == null) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
    if (ca != null) {
      builder.trustManager(ca);
    }
    if (cert != null) {
      builder.keyManager(cert, requireNonNull(key, "checkPaired: a key with the certificate"));
    }
    return builder.build();
  }

  /**
   * {@return the bearer token to send, or null if no token file was given}
   *
   * @throws IOException if the token file cannot be read
   */
  @Nullable BearerTokenCredentials callCredentials() throws IOException {
    return tokenFile == null ? null : BearerTokenCredentials.fromFile(tokenFile);
  }

  /** {@code find}'s options for its {@code --server} or {@code --servers}. */
  static final class ToServer extends ClientTls {
    @Option(names = "--tls", description = "Connect to --server with TLS, trusting the JDK's "
        + "certificate authorities (implied by the other --tls options).")
    void tls(boolean tls) {
      this.tls = tls;
    }

    @Option(names = "--tls-ca", paramLabel = "FILE",
        description = "TLS: trust the server certificates this CA signed (PEM), instead of the "
            + "JDK's.")
    void ca(File ca) {
      this.ca = ca;
    }

    @Option(names = "--tls-cert", paramLabel = "FILE",
        description = "Mutual TLS: the client's certificate chain, PEM.")
    void cert(File cert) {
      this.cert = cert;
    }

    @Option(names = "--tls-key", paramLabel = "FILE",
        description = "Mutual TLS: the client's private key, PKCS#8 PEM.")
    void key(File key) {
      this.key = key;
    }

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "Send authorization: Bearer with the first token in FILE; only over TLS or "
            + "to a loopback address.")
    void tokenFile(Path tokenFile) {
      this.tokenFile = tokenFile;
    }

    @Override
    String certOption() {
      return "--tls-cert";
    }

    @Override
    String keyOption() {
      return "--tls-key";
    }
  }

  /** {@code serve}'s options for reaching its {@code --backends}. */
  static final class ToBackends extends ClientTls {
    @Option(names = "--backend-tls", description = "Reach --backends over TLS, trusting the "
        + "JDK's certificate authorities (implied by the other --backend-tls options).")
    void tls(boolean tls) {
      this.tls = tls;
    }

    @Option(names = "--backend-tls-ca", paramLabel = "FILE",
        description = "Trust the backends' certificates this CA signed (PEM).")
    void ca(File ca) {
      this.ca = ca;
    }

    @Option(names = "--backend-tls-cert", paramLabel = "FILE",
        description = "Mutual TLS to the backends: this front's certificate chain, PEM.")
    void cert(File cert) {
      this.cert = cert;
    }

    @Option(names = "--backend-tls-key", paramLabel = "FILE",
        description = "Mutual TLS to the backends: this front's private key, PKCS#8 PEM.")
    void key(File key) {
      this.key = key;
    }

    @Option(names = "--backend-token-file", paramLabel = "FILE",
        description = "Send authorization: Bearer with the first token in FILE to the backends.")
    void tokenFile(Path tokenFile) {
      this.tokenFile = tokenFile;
    }

    @Override
    String certOption() {
      return "--backend-tls-cert";
    }

    @Override
    String keyOption() {
      return "--backend-tls-key";
    }
  }
}
