package dev.hashfinder.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How durations appear in statuses and logs. */
class WireTest {
  @Test
  void durations_readAsTheCommandLineWritesThem() {
    assertThat(Wire.describe(Duration.ofMinutes(10))).isEqualTo("10m");
    assertThat(Wire.describe(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Wire.describe(Duration.ofSeconds(10))).isEqualTo("10s");
    assertThat(Wire.describe(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }
}
