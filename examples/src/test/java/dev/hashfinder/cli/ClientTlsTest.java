package dev.hashfinder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The client-side TLS and token options: one rule, read under find's and serve's own names. */
class ClientTlsTest {
  @Test
  void aKeyWithoutItsCertificate_isRefused_namingTheFlagsOfTheRole() {
    FindCommand find = new FindCommand();
    CommandLine findLine = new CommandLine(find);
    findLine.parseArgs("aa", "--tls-key", "client.key");
    ServeCommand serve = new ServeCommand();
    CommandLine serveLine = new CommandLine(serve);
    serveLine.parseArgs("--backend-tls-cert", "front.pem");

    assertThatThrownBy(() -> find.clientTls.checkPaired(findLine.getCommandSpec()))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessage("--tls-cert and --tls-key go together");
    assertThatThrownBy(() -> serve.backendTls.checkPaired(serveLine.getCommandSpec()))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessage("--backend-tls-cert and --backend-tls-key go together");
  }

  @Test
  void withoutAnOption_thePlaintextChannel_andAnyTlsOption_asksForTls() throws Exception {
    FindCommand plain = new FindCommand();
    new CommandLine(plain).parseArgs("aa");
    ServeCommand front = new ServeCommand();
    new CommandLine(front).parseArgs("--backend-tls");

    assertThat(plain.clientTls.given()).isFalse();
    assertThat(plain.clientTls.channelCredentials())
        .isInstanceOf(InsecureChannelCredentials.class);
    assertThat(plain.clientTls.callCredentials()).isNull();
    assertThat(front.backendTls.given()).isTrue();
    assertThat(front.backendTls.channelCredentials()).isInstanceOf(TlsChannelCredentials.class);
  }

  @Test
  void eachRoleReadsOnlyItsOwnFlags() {
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs("--tls-cert", "server.pem", "--tls-key", "server.key",
        "--token-file", "tokens");

    assertThat(serve.backendTls.given()).as("the server's own TLS is not the backends'")
        .isFalse();
  }
}
