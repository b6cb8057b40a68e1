package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hashfinder.Digester;
import java.security.MessageDigestSpi;
import java.security.Provider;
import java.security.Security;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** JDK digests from providers that do not clone, or cannot say their length. */
class MessageDigestAlgorithmTest {
  private static final String PROVIDER = "HashfinderTestProvider";

  @BeforeEach
  void installProvider() {
    Provider provider = new Provider(PROVIDER, "1.0", "digests for tests") {
      private static final long serialVersionUID = 1L;
    };
    provider.put("MessageDigest.XOR-1", XorOne.class.getName());
    provider.put("MessageDigest.NO-LENGTH", NoLength.class.getName());
    Security.addProvider(provider);
  }

  @AfterEach
  void removeProvider() {
    Security.removeProvider(PROVIDER);
  }

  @Test
  void aDigestThatDoesNotClone_getsAFreshInstancePerWorker() throws Exception {
    MessageDigestAlgorithm xor = new MessageDigestAlgorithm("xor-1");
    Digester first = xor.newDigester();
    Digester second = xor.newDigester();
    byte[] out = new byte[1];

    first.digest(new byte[] {1, 2, 4}, 3, out);
    assertThat(out[0]).isEqualTo((byte) 7);
    second.digest(new byte[] {8}, 1, out);
    assertThat(out[0]).as("a digester of its own, not the first one's state").isEqualTo((byte) 8);
    assertThat(xor.name()).isEqualTo("XOR-1");
    assertThat(xor.digestLength()).isEqualTo(1);
    assertThat(xor.direct()).isEmpty();
  }

  @Test
  void aDigestThatCannotSayItsLength_isRefused() {
    assertThatThrownBy(() -> new MessageDigestAlgorithm("NO-LENGTH"))
        .hasMessage("NO-LENGTH does not state its digest length");
    assertThat(HashAlgorithms.lookup("NO-LENGTH")).isEmpty();
  }

  /** A one-byte digest: the XOR of the input. Not cloneable. */
  public static final class XorOne extends MessageDigestSpi {
    private byte state;

    @Override
    protected int engineGetDigestLength() {
      return 1;
    }

    @Override
    protected void engineUpdate(byte input) {
      state ^= input;
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        state ^= input[i];
      }
    }

    @Override
    protected byte[] engineDigest() {
      byte[] digest = {state};
      engineReset();
      return digest;
    }

    @Override
    protected void engineReset() {
      state = 0;
    }
  }

  /** A digest whose length is unknown until it is computed. */
  public static final class NoLength extends MessageDigestSpi {
    @Override
    protected void engineUpdate(byte input) {}

    @Override
    protected void engineUpdate(byte[] input, int offset, int length) {}

    @Override
    protected byte[] engineDigest() {
      return new byte[4];
    }

    @Override
    protected void engineReset() {}
  }
}
