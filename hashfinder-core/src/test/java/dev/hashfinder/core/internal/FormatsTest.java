package dev.hashfinder.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How durations and addresses appear in statuses and logs. */
class FormatsTest {
  @Test
  void durations_readAsTheCommandLineWritesThem() {
    assertThat(Formats.duration(Duration.ofMinutes(10))).isEqualTo("10m");
    assertThat(Formats.duration(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Formats.duration(Duration.ofSeconds(10))).isEqualTo("10s");
    assertThat(Formats.duration(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }

  @Test
  void addresses_readAsATargetNamesThem_bracketsAroundIpv6() throws Exception {
    assertThat(Formats.address(new InetSocketAddress(
        InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 50051))).isEqualTo("127.0.0.1:50051");
    assertThat(Formats.address(new InetSocketAddress(InetAddress.getByName("::1"), 50051)))
        .isEqualTo("[::1]:50051");
    assertThat(Formats.address(null)).isEqualTo("null");
  }
}
