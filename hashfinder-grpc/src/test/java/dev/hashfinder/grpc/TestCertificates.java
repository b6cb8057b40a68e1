package dev.hashfinder.grpc;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throw-away certificates made with openssl for one test run: a CA, a server certificate for
 * localhost, 127.0.0.1 and ::1, and a client certificate for {@code CN=alice,O=hashfinder
 * tests}, with keys in PKCS#8 PEM as {@code openssl pkcs8 -topk8 -nocrypt} writes them. Nothing
 * is committed. Without openssl the calling test is skipped, except under CI, where that fails.
 */
public final class TestCertificates {
  /** The client certificate's subject, as the server names the caller. */
  public static final String CLIENT_SUBJECT = "O=hashfinder tests,CN=alice";

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
    check(directory, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=hashfinder test CA");
    for (String[] party : List.of(new String[] {"server", "/CN=localhost"},
        new String[] {"client", "/CN=alice/O=hashfinder tests"},
        new String[] {"stranger", "/CN=mallory"})) {
      String name = party[0];
      String ca = name.equals("stranger") ? "stranger-ca" : "ca";
      if (name.equals("stranger")) {
        check(directory, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", "stranger-ca.key", "-out", "stranger-ca.pem", "-days", "2", "-subj",
            "/CN=another CA");
      }
      check(directory, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout",
          name + ".rsa.key", "-out", name + ".csr", "-subj", party[1]);
      check(directory, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
          "-CAkey", ca + ".key", "-CAcreateserial", "-out", name + ".pem", "-days", "2",
          "-extfile", name.equals("server") ? "server.ext" : "client.ext");
      check(directory, "openssl", "pkcs8", "-topk8", "-nocrypt", "-in", name + ".rsa.key",
          "-out", name + ".key");
    }
    return new TestCertificates(directory);
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
}
