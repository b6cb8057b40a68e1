package dev.hashfinder.cli;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The entry point of {@code hashfinder.jar}.
 *
 * <p>Exit status: 0 when an answer was found (or a server stopped cleanly), 1 when a search ended
 * without one, 2 for a usage error, 130 after Ctrl-C.
 */
@Command(
    name = "hashfinder",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    subcommands = {ServeCommand.class, FindCommand.class, BenchCommand.class},
    description = "Finds a secret whose base64 hash contains a name, within a Hamming distance.")
public final class Main implements Runnable {
  static final int EXIT_FOUND = 0;
  static final int EXIT_NOT_FOUND = 1;
  static final int EXIT_USAGE = 2;

  /**
   * Held so that its level sticks, as the JDK keeps loggers only weakly. Not made when the class
   * loads: logging must not start before {@link #main} chose its LogManager.
   */
  private static List<Logger> serverLoggers = List.of();
  /** Where a server logs: the adapter's one line per call, the server's, the cluster's. */
  private static final List<String> SERVER_PACKAGES =
      List.of("dev.hashfinder.grpc", "dev.hashfinder.server", "dev.hashfinder.cluster");

  @Spec CommandSpec spec;

  /** An embedded server's one line per call is for operators of a real server, not here. */
  static synchronized void quietServerLogs() {
    serverLoggers = SERVER_PACKAGES.stream().map(Logger::getLogger).toList();
    serverLoggers.forEach(logger -> logger.setLevel(Level.WARNING));
  }

  /**
   * A server's operators see what the library logs below INFO: one line per call (FINE), and
   * with {@code verbose} each search as it starts (FINER).
   */
  static synchronized void serverLogs(boolean verbose) {
    Level level = verbose ? Level.FINER : Level.FINE;
    serverLoggers = SERVER_PACKAGES.stream().map(Logger::getLogger).toList();
    serverLoggers.forEach(logger -> logger.setLevel(level));
    for (java.util.logging.Handler handler : Logger.getLogger("").getHandlers()) {
      handler.setLevel(level);
    }
  }

  public static void main(String[] args) {
    // Keep log handlers alive while shutdown hooks still log (see QuietShutdownLogManager).
    System.setProperty("java.util.logging.manager", QuietShutdownLogManager.class.getName());
    System.setProperty("java.util.logging.SimpleFormatter.format",
        "%1$tF %1$tT %4$s %5$s%6$s%n");
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  /** Rejects a flag's value below {@code minimum}, naming the flag, as a usage error (exit 2). */
  static void requireAtLeast(CommandSpec spec, String flag, Number value, long minimum) {
    if (value != null && value.longValue() < minimum) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          flag + " must be at least " + minimum + ": " + value);
    }
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command: "
        + String.join(", ", spec.subcommands().keySet()));
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"hashfinder " + (version == null ? "(development build)" : version),
          "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
    }
  }
}
