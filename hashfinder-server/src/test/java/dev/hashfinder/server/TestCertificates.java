package dev.hashfinder.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Throw-away certificates made with openssl for one test run: a CA, a server certificate for
 * localhost, 127.0.0.1 and ::1, and a client certificate for {@code CN=alice,O=hashfinder
 * tests}, with keys in PKCS#8 PEM as {@code openssl pkcs8 -topk8 -nocrypt} writes them; and a
 * second CA that signed a client certificate of the same name. Nothing is committed. Without
 * openssl the calling test is skipped, except under CI, where that fails.
 */
public final class TestCertificates {
  /** The client certificate's subject. */
  public static final String CLIENT_SUBJECT = "O=hashfinder tests,CN=alice";
  /** The client certificate as the server names the caller: its subject and its issuer. */
  public static final String CLIENT_CALLER =
      "<" + CLIENT_SUBJECT + "> issued by <CN=hashfinder test CA>";
  /** The second CA's certificate of the same subject, as the server names the caller. */
  public static final String SECOND_CA_CLIENT_CALLER =
      "<" + CLIENT_SUBJECT + "> issued by <CN=second test CA>";

  private final Path directory;

  private TestCertificates(Path directory) {
    this.directory = directory;
  }

  /**
   * Makes a CA, a server and a client certificate in {@code directory}.
   *
   * @param directory where the files go
   * @return the certificates
   * @throws Exception if openssl fails
   */
  public static TestCertificates create(Path directory) throws Exception {
    boolean available = run(directory, "openssl", "version") == 0;
    if (!available && System.getenv("CI") != null) {
      throw new AssertionError("CI needs openssl on the PATH for the TLS tests");
    }
    assumeTrue(available, "openssl is not installed");
    Files.writeString(directory.resolve("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n", StandardCharsets.US_ASCII);
    Files.writeString(directory.resolve("client.ext"),
        "extendedKeyUsage=clientAuth\n", StandardCharsets.US_ASCII);
    authority(directory, "ca", "/CN=hashfinder test CA");
    authority(directory, "stranger-ca", "/CN=another CA");
    authority(directory, "second-ca", "/CN=second test CA");
    signed(directory, "server", "/CN=localhost", "ca", "server.ext");
    signed(directory, "client", "/CN=alice/O=hashfinder tests", "ca", "client.ext");
    signed(directory, "stranger", "/CN=mallory", "stranger-ca", "client.ext");
    signed(directory, "second-client", "/CN=alice/O=hashfinder tests", "second-ca",
        "client.ext");
    Files.writeString(directory.resolve("both-cas.pem"),
        Files.readString(directory.resolve("ca.pem"), StandardCharsets.US_ASCII)
            + Files.readString(directory.resolve("second-ca.pem"), StandardCharsets.US_ASCII),
        StandardCharsets.US_ASCII);
    return new TestCertificates(directory);
  }

  /** A self-signed CA: {@code name.pem} and {@code name.key}. */
  private static void authority(Path directory, String name, String subject) {
    check(directory, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
        "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", subject);
  }

  /** A certificate {@code ca} signed: {@code name.pem}, and its key in PKCS#8 as {@code name.key}. */
  private static void signed(Path directory, String name, String subject, String ca,
      String extensions) {
    check(directory, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout",
        name + ".rsa.key", "-out", name + ".csr", "-subj", subject);
    check(directory, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
        "-CAkey", ca + ".key", "-CAcreateserial", "-out", name + ".pem", "-days", "2",
        "-extfile", extensions);
    check(directory, "openssl", "pkcs8", "-topk8", "-nocrypt", "-in", name + ".rsa.key",
        "-out", name + ".key");
  }

  private static int run(Path directory, String... command) {
    try {
      Process process = new ProcessBuilder(command).directory(directory.toFile())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return process.waitFor(60, TimeUnit.SECONDS) ? process.exitValue() : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static void check(Path directory, String... command) {
    if (run(directory, command) != 0) {
      throw new AssertionError("failed: " + String.join(" ", command));
    }
  }

  /** {@return the CA certificate, PEM} */
  public Path ca() {
    return directory.resolve("ca.pem");
  }

  /** {@return the server's certificate, PEM} */
  public Path serverCert() {
    return directory.resolve("server.pem");
  }

  /** {@return the server's key, PKCS#8 PEM} */
  public Path serverKey() {
    return directory.resolve("server.key");
  }

  /** {@return the client's certificate, signed by the CA, PEM} */
  public Path clientCert() {
    return directory.resolve("client.pem");
  }

  /** {@return the client's key, PKCS#8 PEM} */
  public Path clientKey() {
    return directory.resolve("client.key");
  }

  /** {@return a client certificate another CA signed, PEM} */
  public Path strangerCert() {
    return directory.resolve("stranger.pem");
  }

  /** {@return that certificate's key, PKCS#8 PEM} */
  public Path strangerKey() {
    return directory.resolve("stranger.key");
  }

  /** {@return the CA and the second CA, in one PEM file: a server trusting both} */
  public Path bothCas() {
    return directory.resolve("both-cas.pem");
  }

  /** {@return a client certificate with the client's subject, signed by the second CA, PEM} */
  public Path secondCaClientCert() {
    return directory.resolve("second-client.pem");
  }

  /** {@return that certificate's key, PKCS#8 PEM} */
  public Path secondCaClientKey() {
    return directory.resolve("second-client.key");
  }
}
