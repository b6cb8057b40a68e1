package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The first look's two forms: triples at even pairs, and pair anchors. */
class AnchorFilterTest {

  @ParameterizedTest(name = "{0} within {1}: triples {2}")
  @CsvSource({
      "hashfinder, 0, true", "hashfinder, 1, true", "hashfinder, 2, true",
      // Four pieces of ten characters: two have only two, so the pairs serve.
      "hashfinder, 3, false",
      "hashfinderbench, 3, true",
      // A piece whose every run of three needs '=', and one with a space, which never matches.
      "ab=, 0, false", "abc d=fgh, 1, true",
      "ab, 0, false"})
  void theTripleFilter_servesWhenEveryPieceHasThreeCharacters(String target, int threshold,
      boolean triples) {
    AnchorFilter filter = filter(target, threshold);

    assertThat(filter.usesTriples()).isEqualTo(triples);
  }

  @ParameterizedTest(name = "{0} within {1}")
  @CsvSource({"hashfinder, 0", "hashfinder, 1", "hashfinder, 2", "a+/9Zz0x, 1", "QQQQQQ, 1"})
  void theTripleFilter_passesEveryTextThatHoldsAnAnchor_andFewOthers(String target,
      int threshold) {
    Random random = new Random(target.hashCode() + threshold);
    AnchorFilter filter = filter(target, threshold);
    byte[] padded = new byte[AnchorFilter.paddedLength(20)];
    long[] packed = new long[AnchorFilter.longsFor(20)];
    WindowMatcher matcher = new WindowMatcher(target, threshold, 20);
    byte[] codes = new byte[28];
    int passed = 0;
    int samples = 200_000;
    for (int sample = 0; sample < samples; sample++) {
      Arrays.fill(padded, (byte) 0);
      byte[] digest = new byte[20];
      random.nextBytes(digest);
      if (sample % 50 == 0) {
        // A text with the target planted at a random window, at every parity of position.
        String text = Base64.getEncoder().encodeToString(digest);
        int at = random.nextInt(28 - target.length());
        text = text.substring(0, at) + target + text.substring(at + target.length(), 27) + "=";
        digest = Base64.getDecoder().decode(text.substring(0, 27) + "=");
      }
      System.arraycopy(digest, 0, padded, 0, 20);
      AnchorFilter.pack(padded, packed);
      matcher.decode(padded, codes);
      boolean qualifies = matcher.within(codes);
      boolean mayQualify = filter.mayQualify(packed);
      if (qualifies) {
        assertThat(mayQualify).as("%s within %d of %s", target, threshold,
            Base64.getEncoder().encodeToString(digest)).isTrue();
      }
      passed += mayQualify && !qualifies ? 1 : 0;
    }
    assertThat((double) passed / samples).as("false passes").isLessThan(0.01);
  }

  private static AnchorFilter filter(String target, int threshold) {
    int[] codePoints = target.codePoints().toArray();
    int pieces = threshold + 1;
    int[] starts = new int[pieces];
    for (int i = 0; i < pieces; i++) {
      starts[i] = i * codePoints.length / pieces;
    }
    return new AnchorFilter(codePoints, starts, 27);
  }
}
