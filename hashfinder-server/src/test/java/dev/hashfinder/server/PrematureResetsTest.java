package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The rapid-reset rule's arithmetic, one connection at a time. */
class PrematureResetsTest {
  private final AtomicInteger ends = new AtomicInteger();
  private final PrematureResets resets = new PrematureResets(100, ends::incrementAndGet);

  @Test
  void aFlood_isEndedAtItsHundredthPrematureReset_once() {
    for (int i = 0; i < 99; i++) {
      resets.streamEnded(true);
    }
    assertThat(resets.ended()).isFalse();

    resets.streamEnded(true);
    for (int i = 0; i < 50; i++) {
      resets.streamEnded(true);
    }

    assertThat(resets.ended()).isTrue();
    assertThat(ends).hasValue(1);
    assertThat(resets).hasToString("150 of 150 streams reset prematurely");
  }

  @Test
  void aClientWhoseCallsMostlyStart_isNeverEnded_howeverManyItResets() {
    for (int i = 0; i < 100_000; i++) {
      resets.streamEnded(i % 2 == 1 && i % 50 != 1); // 48 %: one that often cancels at once
    }

    assertThat(resets.ended()).isFalse();
    assertThat(ends).hasValue(0);
  }

  @Test
  void prematureResets_endAConnectionOnlyOnceTheyAreHalfItsStreams() {
    for (int i = 0; i < 300; i++) {
      resets.streamEnded(false);
    }
    for (int i = 0; i < 299; i++) {
      resets.streamEnded(true);
    }
    assertThat(resets.ended()).isFalse();

    resets.streamEnded(true); // 300 of 600

    assertThat(resets.ended()).isTrue();
  }

  @Test
  void theLimit_mustBePositive() {
    assertThatThrownBy(() -> new PrematureResets(0, () -> { }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxPremature < 1: 0");
  }
}
