package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hashfinder.Digester;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The direct SHA-1 path, where this JVM allows it (the build opens the package for tests). */
class DirectSha1Test {

  @Test
  void isAvailable_whenThePackageIsOpen() {
    assumeTrue(Boolean.parseBoolean(System.getProperty("hashfinder.directSha1", "true")),
        "disabled for this run");
    assertThat(DirectSha1.AVAILABLE).as(String.valueOf(DirectSha1.UNAVAILABLE_REASON)).isTrue();
  }

  @Test
  void digester_agreesWithMessageDigest_forEveryLength() throws Exception {
    assumeTrue(DirectSha1.AVAILABLE);
    MessageDigest jdk = MessageDigest.getInstance("SHA-1");
    Digester direct = HashAlgorithms.sha1().newDigester();
    byte[] input = new byte[200];
    byte[] output = new byte[20];
    for (int length = 0; length <= input.length; length++) {
      input[Math.max(0, length - 1)] = (byte) (length * 31);
      jdk.update(input, 0, length);

      direct.digest(input, length, output);

      assertThat(output).as("length %d", length).isEqualTo(jdk.digest());
    }
  }

  @Test
  void directHasher_packsWhatTheGenericOneDoes_alongTheSequence() {
    assumeTrue(DirectSha1.AVAILABLE);
    CandidateHasher direct = CandidateHasher.of(HashAlgorithms.sha1());
    CandidateHasher generic = CandidateHasher.of(HashAlgorithms.guava(
        "guava-sha1", deprecatedSha1()));
    long[] fromDirect = new long[AnchorFilter.longsFor(20)];
    long[] fromGeneric = new long[fromDirect.length];
    int directLength = direct.seek(65_000);
    int genericLength = generic.seek(65_000);
    for (long index = 65_000; index < 200_000; index++) {
      direct.hash(directLength, fromDirect);
      generic.hash(genericLength, fromGeneric);

      assertThat(fromDirect).as("index %d", index).isEqualTo(fromGeneric);
      assertThat(Arrays.copyOf(direct.digest(), 20))
          .isEqualTo(Arrays.copyOf(generic.digest(), 20));
      assertThat(Arrays.copyOf(direct.secret(), directLength))
          .isEqualTo(Arrays.copyOf(generic.secret(), genericLength));
      directLength = direct.advance(directLength);
      genericLength = generic.advance(genericLength);
    }
  }

  @SuppressWarnings("deprecation") // SHA-1 is what the search uses, not a security choice
  private static com.google.common.hash.HashFunction deprecatedSha1() {
    return com.google.common.hash.Hashing.sha1();
  }
}
