package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A backend's waits after failures in a row: doubling from the first, up to the cap. */
class BackoffTest {
  @Test
  void theRetryPolicy_doublesFromAQuarterSecond_upToFiveSeconds() {
    Backoff retry = ClusterBackend.RETRY;

    assertThat(retry.millis(1)).isEqualTo(250);
    assertThat(retry.millis(2)).isEqualTo(500);
    assertThat(retry.millis(3)).isEqualTo(1_000);
    assertThat(retry.millis(4)).isEqualTo(2_000);
    assertThat(retry.millis(5)).isEqualTo(4_000);
    assertThat(retry.millis(6)).isEqualTo(5_000);
    assertThat(retry.millis(7)).isEqualTo(5_000);
  }

  @Test
  void manyFailures_stayAtTheCap_withoutOverflowing() {
    Backoff drops = new Backoff(Duration.ofMillis(1), Duration.ofMinutes(10));

    assertThat(drops.millis(20)).isEqualTo(524_288);
    assertThat(drops.millis(21)).isEqualTo(600_000);
    assertThat(drops.millis(63)).isEqualTo(600_000);
    assertThat(drops.millis(64)).isEqualTo(600_000);
    assertThat(drops.millis(Integer.MAX_VALUE)).isEqualTo(600_000);
  }

  @Test
  void noFailureYet_waitsTheFirst() {
    assertThat(new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(10)).millis(0))
        .isEqualTo(10_000);
  }

  @Test
  void aCapBelowTheFirstWait_isRefused() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("max < first: PT1S < PT2S");
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("first < 1ms: PT0S");
  }
}
