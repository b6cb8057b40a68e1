package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import dev.hashfinder.Digester;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The direct paths, where this JVM allows them (the build opens the package for tests). */
class DirectCompressionTest {

  @ParameterizedTest
  @EnumSource(DirectCompression.class)
  void isAvailable_whenThePackageIsOpen(DirectCompression direct) {
    assumeTrue(Boolean.parseBoolean(System.getProperty("hashfinder.directCompression", "true")),
        "disabled for this run");
    assertThat(direct.available()).as(direct.describe()).isTrue();
    assertThat(HashAlgorithms.compressionPath(direct.algorithm)).isEqualTo("direct");
    // ... and the search really runs on it: the JDK digest chose it, so does its hasher.
    MessageDigestAlgorithm jdk =
        (MessageDigestAlgorithm) HashAlgorithms.messageDigest(direct.algorithm);
    assertThat(jdk.direct()).contains(direct);
    assertThat(CandidateHasher.of(jdk).getClass().getSimpleName()).isEqualTo("Direct");
  }

  @ParameterizedTest
  @EnumSource(DirectCompression.class)
  void theKnownAnswerCheck_refusesAWrongAnswer(DirectCompression direct) throws Exception {
    assumeTrue(direct.available());
    String abc = HexFormat.of().formatHex(MessageDigest.getInstance(direct.algorithm)
        .digest("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));

    assertThat(direct.knownAnswerHolds(abc)).isTrue();
    assertThat(direct.knownAnswerHolds("00" + abc.substring(2))).isFalse();
  }

  @org.junit.jupiter.api.Test
  void compressionPath_isOnlyForTheDigestsThatHaveOne() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> HashAlgorithms.compressionPath("MD5"))
        .hasMessage("no direct path for algorithm: MD5");
  }

  @ParameterizedTest
  @EnumSource(DirectCompression.class)
  void digester_agreesWithMessageDigest_forEveryLength(DirectCompression direct)
      throws Exception {
    assumeTrue(direct.available());
    MessageDigest jdk = MessageDigest.getInstance(direct.algorithm);
    Digester digester = HashAlgorithms.messageDigest(direct.algorithm).newDigester();
    byte[] input = new byte[200];
    byte[] output = new byte[jdk.getDigestLength()];
    for (int length = 0; length <= input.length; length++) {
      input[Math.max(0, length - 1)] = (byte) (length * 31);
      jdk.update(input, 0, length);

      digester.digest(input, length, output);

      assertThat(output).as("length %d", length).isEqualTo(jdk.digest());
    }
  }

  @ParameterizedTest
  @EnumSource(DirectCompression.class)
  void directHasher_packsWhatTheGenericOneDoes_alongTheSequence(DirectCompression direct) {
    assumeTrue(direct.available());
    int digestLength = 4 * direct.stateWords;
    CandidateHasher fast = CandidateHasher.of(HashAlgorithms.messageDigest(direct.algorithm));
    CandidateHasher generic = CandidateHasher.of(
        HashAlgorithms.guava("guava-" + direct.algorithm, guava(direct)));
    long[] fromFast = new long[AnchorFilter.longsFor(digestLength)];
    long[] fromGeneric = new long[fromFast.length];
    int fastLength = fast.seek(65_000);
    int genericLength = generic.seek(65_000);
    for (long index = 65_000; index < 150_000; index++) {
      fast.hash(fastLength, fromFast);
      generic.hash(genericLength, fromGeneric);

      assertThat(fromFast).as("index %d", index).isEqualTo(fromGeneric);
      assertThat(Arrays.copyOf(fast.digest(), digestLength))
          .isEqualTo(Arrays.copyOf(generic.digest(), digestLength));
      assertThat(Arrays.copyOf(fast.secret(), fastLength))
          .isEqualTo(Arrays.copyOf(generic.secret(), genericLength));
      fastLength = fast.advance(fastLength);
      genericLength = generic.advance(genericLength);
    }
  }

  @SuppressWarnings("deprecation") // SHA-1 is what the search uses, not a security choice
  private static HashFunction guava(DirectCompression direct) {
    return direct == DirectCompression.SHA_1 ? Hashing.sha1() : Hashing.sha256();
  }
}
