package dev.hashfinder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MatchTest {
  private static final Match AA = new Match(101, new byte[] {100}, "PDY4Ns9OFmZmaaJdooChhlwtKHQ=", 0);

  @Test
  void equalMatches_areEqual_withEqualHashCodes() {
    Match copy = new Match(101, new byte[] {100}, "PDY4Ns9OFmZmaaJdooChhlwtKHQ=", 0);

    assertThat(copy).isEqualTo(AA).hasSameHashCodeAs(AA);
  }

  @Test
  void matchesThatDifferInAnyField_areNotEqual() {
    assertThat(new Match(102, new byte[] {100}, AA.hashText(), 0)).isNotEqualTo(AA);
    assertThat(new Match(101, new byte[] {101}, AA.hashText(), 0)).isNotEqualTo(AA);
    assertThat(new Match(101, new byte[] {100}, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", 0))
        .isNotEqualTo(AA);
    assertThat(new Match(101, new byte[] {100}, AA.hashText(), 1)).isNotEqualTo(AA);
    assertThat(AA).isNotEqualTo("ZA==");
  }

  @Test
  void theSecretIsCopiedInAndOut() {
    byte[] secret = {100};
    Match match = new Match(101, secret, AA.hashText(), 0);
    secret[0] = 1;
    match.secret()[0] = 2;

    assertThat(match.secret()).containsExactly(100);
    assertThat(match.secretBase64()).isEqualTo("ZA==");
    assertThat(match.toString()).contains("index=101", "secret=ZA==", "distance=0");
  }

  @Test
  void badFields_areRefusedByName() {
    assertThatThrownBy(() -> new Match(-2, new byte[0], "", 0)).hasMessage("index < -1: -2");
    assertThatThrownBy(() -> new Match(0, new byte[0], "", -1)).hasMessage("distance < 0: -1");
    assertThat(new Match(-1, new byte[0], "", 0).index()).isEqualTo(-1);
  }
}
