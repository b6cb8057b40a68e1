package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Iterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SecretSequenceTest {

  @ParameterizedTest
  @CsvSource({"0, ''", "1, 00", "255, fe", "256, 0000", "257, 0001", "511, 0100",
      "65280, fefe", "65281, 000000"})
  void write_matchesTheSpecExamples(long index, String hex) {
    assertThat(hex(SecretSequence.at(index))).isEqualTo(hex);
  }

  @Test
  void writeAndIncrement_agreeWithTheModel_overTheFirstThreeLengths() {
    Iterator<byte[]> model = ReferenceModel.secrets();
    byte[] buffer = new byte[SecretSequence.MAX_LENGTH + 1];
    int length = SecretSequence.write(0, buffer);
    for (long index = 0; index < 255L * 255 * 3; index++) {
      byte[] expected = model.next();
      assertThat(java.util.Arrays.copyOf(buffer, length)).as("index %d", index)
          .isEqualTo(expected);
      if (index % 997 == 0) {
        assertThat(SecretSequence.at(index)).isEqualTo(expected);
      }
      length = SecretSequence.increment(buffer, length);
    }
  }

  @Test
  void write_coversTheWholeLongRange() {
    byte[] last = SecretSequence.at(Long.MAX_VALUE);
    assertThat(last).hasSize(SecretSequence.MAX_LENGTH);
    for (byte b : last) {
      assertThat(b & 0xff).isLessThan(255);
    }
  }

  @Test
  void writeAndIncrement_agreeWithTheModelsSeek_acrossEveryLengthBoundary_andToTheTop() {
    long[] starts = {0, 250, 65_270, 16_646_650, 4_244_897_270L, 1_082_448_806_650L,
        276_024_445_697_270L, 70_386_233_652_806_650L, Long.MAX_VALUE - 1_000};
    byte[] buffer = new byte[SecretSequence.MAX_LENGTH + 1];
    for (long start : starts) {
      Iterator<byte[]> model = ReferenceModel.secretsFrom(start);
      int length = SecretSequence.write(start, buffer);
      for (long index = start; index - start <= Math.min(1_000, Long.MAX_VALUE - start); index++) {
        byte[] expected = model.next();
        assertThat(java.util.Arrays.copyOf(buffer, length)).as("index %d", index)
            .isEqualTo(expected);
        assertThat(SecretSequence.at(index)).as("index %d", index).isEqualTo(expected);
        if (index == Long.MAX_VALUE) {
          break;
        }
        length = SecretSequence.increment(buffer, length);
      }
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (byte b : bytes) {
      out.append(String.format("%02x", b & 0xff));
    }
    return out.toString();
  }
}
