package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WindowMatcherTest {
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=!é\u00df";

  @ParameterizedTest
  @ValueSource(ints = {16, 20, 32, 64, 1, 2, 3})
  void withinAndDistance_agreeWithTheModel(int digestLength) {
    Random random = new Random(digestLength);
    int textLength = HashText.textLength(digestLength);
    byte[] digest = new byte[digestLength];
    byte[] padded = new byte[AnchorFilter.paddedLength(digestLength)];
    long[] packed = new long[AnchorFilter.longsFor(digestLength)];
    byte[] codes = new byte[textLength];
    int passed = 0;
    int samples = 0;
    for (int round = 0; round < 3000; round++) {
      String target = randomTarget(random, 1 + random.nextInt(Math.min(textLength, 8)));
      int threshold = random.nextInt(target.codePointCount(0, target.length()) + 2);
      WindowMatcher matcher = new WindowMatcher(target, threshold, digestLength);
      for (int sample = 0; sample < 20; sample++) {
        random.nextBytes(digest);
        if (sample % 4 == 0) {
          plant(random, target, digest);
        }
        String text = Base64.getEncoder().encodeToString(digest);
        int expected = ReferenceModel.distance(text, target);

        matcher.decode(digest, codes);

        assertThat(matcher.distance(codes)).as("%s in %s", target, text).isEqualTo(expected);
        assertThat(matcher.within(codes)).as("%s within %d of %s", target, threshold, text)
            .isEqualTo(expected <= threshold);
        System.arraycopy(digest, 0, padded, 0, digestLength);
        AnchorFilter.pack(padded, packed);
        boolean mayQualify = matcher.mayQualify(packed);
        if (expected <= threshold) {
          assertThat(mayQualify).as("the filter let %s within %d of %s pass", target,
              threshold, text).isTrue();
        }
        passed += mayQualify ? 1 : 0;
        samples++;
      }
    }
    assertThat(passed).as("the filter rejects something").isLessThan(samples);
  }

  @ParameterizedTest(name = "distance {0}")
  @ValueSource(ints = {0, 1, 2})
  void theAnchorFilter_rejectsAlmostEveryRandomDigest(int threshold) {
    // The filter is what makes the search fast: its pass rate on random SHA-1 digests is the
    // property to guard (a weaker filter gives the same answers, only slower).
    Random random = new Random(threshold);
    byte[] padded = new byte[AnchorFilter.paddedLength(20)];
    long[] packed = new long[AnchorFilter.longsFor(20)];
    int passed = 0;
    int samples = 0;
    for (int round = 0; round < 200; round++) {
      StringBuilder target = new StringBuilder();
      for (int i = 0; i < 6; i++) {
        target.append(ALPHABET.charAt(random.nextInt(64)));
      }
      WindowMatcher matcher = new WindowMatcher(target.toString(), threshold, 20);
      for (int sample = 0; sample < 1000; sample++) {
        random.nextBytes(padded);
        java.util.Arrays.fill(padded, 20, padded.length, (byte) 0);
        AnchorFilter.pack(padded, packed);
        passed += matcher.mayQualify(packed) ? 1 : 0;
        samples++;
      }
    }
    double rate = (double) passed / samples;
    assertThat(rate).as("pass rate at distance %d", threshold).isLessThan(PASS_RATE[threshold]);
  }

  /**
   * Bounds on the pass rate by distance. With the fixed seeds above the filter passes 1.6 %,
   * 3.7 % and 6.2 %; a filter that lost a piece's anchor or a lane would pass far more.
   */
  private static final double[] PASS_RATE = {0.025, 0.055, 0.09};

  @Test
  void aMatchInTheLastWindow_isFound_onEveryPath() {
    Random random = new Random(11);
    for (int round = 0; round < 100; round++) {
      byte[] digest = new byte[64];
      random.nextBytes(digest);
      String text = Base64.getEncoder().encodeToString(digest);
      byte[] codes = new byte[text.length()];
      // Long targets with large thresholds count every window (more than 64 pieces); short
      // ones go through the anchors. Each target is the text's own tail: only the last window
      // comes close.
      for (int length : new int[] {80, 8, 3}) {
        String target = text.substring(text.length() - length);
        int threshold = length == 80 ? 64 : 0;
        WindowMatcher matcher = new WindowMatcher(target, threshold, 64);

        matcher.decode(digest, codes);

        assertThat(matcher.within(codes)).as("%s in %s", target, text).isTrue();
        assertThat(matcher.distance(codes)).isZero();
      }
    }
  }

  @Test
  void longTargets_withLargeThresholds_useTheUnfilteredPath() {
    Random random = new Random(7);
    byte[] digest = new byte[64];
    byte[] codes = new byte[88];
    for (int round = 0; round < 200; round++) {
      String target = randomTarget(random, 70 + random.nextInt(18));
      int threshold = 64 + random.nextInt(6);
      WindowMatcher matcher = new WindowMatcher(target, threshold, 64);
      random.nextBytes(digest);
      String text = Base64.getEncoder().encodeToString(digest);

      matcher.decode(digest, codes);

      assertThat(matcher.within(codes))
          .isEqualTo(ReferenceModel.distance(text, target) <= threshold);
    }
  }

  /** Copies a mutated target into the text so that near matches occur. */
  private static void plant(Random random, String target, byte[] digest) {
    String text = Base64.getEncoder().encodeToString(digest);
    StringBuilder planted = new StringBuilder(text);
    int start = random.nextInt(Math.max(1, text.length() - target.length()));
    int dataCharacters = digest.length * 8 / 6; // whole characters of digest bits
    for (int j = 0; j < target.length() && start + j < dataCharacters; j++) {
      char c = target.charAt(j);
      if (ALPHABET.indexOf(c) < 64 && random.nextInt(4) > 0) {
        planted.setCharAt(start + j, random.nextBoolean() ? c : Character.toUpperCase(c));
      }
    }
    byte[] decoded = Base64.getDecoder().decode(planted.toString());
    System.arraycopy(decoded, 0, digest, 0, digest.length);
  }

  private static String randomTarget(Random random, int length) {
    StringBuilder target = new StringBuilder();
    for (int i = 0; i < length; i++) {
      // Mostly base64 characters, sometimes padding, other ASCII or non-ASCII.
      int pick = random.nextInt(100) < 94 ? random.nextInt(64) : 64 + random.nextInt(4);
      target.append(ALPHABET.charAt(pick));
    }
    return target.toString();
  }

  @Test
  void dataCharacters_areTheTextsCharactersBeforeItsPadding() {
    assertThat(HashText.dataCharacters(20)).as("SHA-1").isEqualTo(27);
    assertThat(HashText.dataCharacters(32)).as("SHA-256").isEqualTo(43);
    for (int length : new int[] {1, 2, 3, 16, 20, 32, 64}) {
      byte[] digest = new byte[length];
      java.util.Arrays.fill(digest, (byte) 0xff);
      String text = Base64.getEncoder().encodeToString(digest);
      assertThat(HashText.dataCharacters(length)).as("%d bytes", length)
          .isEqualTo(text.replace("=", "").length());
      assertThat(HashText.textLength(length)).isEqualTo(text.length());
    }
  }

  @Test
  void pieces_coverTheTargetInOrder_eachAtLeastOneCharacter_asEqualAsTheyCanBe() {
    for (int targetLength = 1; targetLength <= 44; targetLength++) {
      for (int pieces = 1; pieces <= targetLength; pieces++) {
        assertThat(HashText.pieceStart(0, targetLength, pieces)).isZero();
        assertThat(HashText.pieceStart(pieces, targetLength, pieces)).isEqualTo(targetLength);
        for (int i = 0; i < pieces; i++) {
          int length = HashText.pieceStart(i + 1, targetLength, pieces)
              - HashText.pieceStart(i, targetLength, pieces);
          assertThat(length).isBetween(targetLength / pieces, (targetLength + pieces - 1) / pieces);
        }
      }
    }
  }
}
