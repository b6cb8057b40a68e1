package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.hash.Hashing;
import dev.hashfinder.Digester;
import dev.hashfinder.HashAlgorithm;
import java.security.MessageDigest;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way of making a digest, checked against the JDK's own answers. */
class HashAlgorithmContractTest {

  @SuppressWarnings("deprecation") // Guava deprecates MD5 and SHA-1 for security, not for us
  static Stream<Arguments> algorithms() {
    return Stream.of(
        Arguments.of(HashAlgorithms.sha1(), "SHA-1"),
        Arguments.of(HashAlgorithms.messageDigest("SHA-256"), "SHA-256"),
        Arguments.of(HashAlgorithms.messageDigest("MD5"), "MD5"),
        Arguments.of(HashAlgorithms.messageDigest("SHA3-256"), "SHA3-256"),
        Arguments.of(HashAlgorithms.messageDigest("SHA-512"), "SHA-512"),
        Arguments.of(HashAlgorithms.guava("guava-sha256", Hashing.sha256()), "SHA-256"),
        Arguments.of(HashAlgorithms.guava("guava-sha1", Hashing.sha1()), "SHA-1"),
        Arguments.of(HashAlgorithms.guava("guava-md5", Hashing.md5()), "MD5"),
        Arguments.of(HashAlgorithms.lookup("sha-384").orElseThrow(), "SHA-384"),
        Arguments.of(HashAlgorithms.lookup("TEST-SHA-1").orElseThrow(), "SHA-1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("algorithms")
  void digests_agreeWithTheJdk_callAfterCall(HashAlgorithm algorithm, String jdkName)
      throws Exception {
    MessageDigest jdk = MessageDigest.getInstance(jdkName);
    assertThat(algorithm.digestLength()).isEqualTo(jdk.getDigestLength());
    Digester first = algorithm.newDigester();
    Digester second = algorithm.newDigester();
    Random random = new Random(42);
    byte[] input = new byte[64];
    byte[] out1 = new byte[algorithm.digestLength()];
    byte[] out2 = new byte[algorithm.digestLength()];
    for (int round = 0; round < 500; round++) {
      random.nextBytes(input);
      int length = random.nextInt(input.length + 1);
      jdk.update(input, 0, length);
      byte[] expected = jdk.digest();

      first.digest(input, length, out1);
      second.digest(input, length, out2);

      assertThat(out1).as("length %d", length).isEqualTo(expected);
      assertThat(out2).isEqualTo(expected);
    }
  }

  @Test
  void lookup_findsJdkDigestsAndClasspathOnes_ignoringCase() {
    assertThat(HashAlgorithms.lookup("sha-256").orElseThrow().name()).isEqualTo("SHA-256");
    assertThat(HashAlgorithms.lookup("test-sha-1").orElseThrow())
        .isInstanceOf(TestSha1Algorithm.class);
    assertThat(HashAlgorithms.lookup("NO-SUCH-HASH")).isEmpty();
    assertThat(HashAlgorithms.availableNames()).contains("SHA-1", "MD5", "TEST-SHA-1");
  }

  @Test
  void unknownJdkDigest_isRejectedByName() {
    assertThatThrownBy(() -> HashAlgorithms.messageDigest("NO-SUCH-HASH"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no MessageDigest for algorithm: NO-SUCH-HASH");
  }

  @Test
  void guava_takesAnyWholeByteFunction() {
    assertThat(HashAlgorithms.guava("crc32", Hashing.crc32()).digestLength()).isEqualTo(4);
    assertThat(HashAlgorithms.guava("crc32", Hashing.crc32()).name()).isEqualTo("crc32");
  }
}
