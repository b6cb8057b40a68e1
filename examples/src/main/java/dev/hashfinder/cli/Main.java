package dev.hashfinder.cli;

import dev.hashfinder.core.HashFinderEngine;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;
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
 *
 * <p>The subcommands are not in this annotation but in {@link Tree}'s: a run builds the model of
 * the one subcommand it names only, so that {@code find} neither reflects on nor loads the
 * server's classes (docs/PERFORMANCE.md, start-up). Not for subclassing but by {@link Tree}.
 */
@Command(
    name = "hashfinder",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Finds a secret whose base64 hash contains a name, within a Hamming distance.")
public class Main implements Runnable {
  /** Only this package makes commands. */
  Main() {}

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

  public static void main(String[] args) throws IOException {
    // Keep log handlers alive while shutdown hooks still log (see QuietShutdownLogManager).
    System.setProperty("java.util.logging.manager", QuietShutdownLogManager.class.getName());
    System.setProperty("java.util.logging.SimpleFormatter.format",
        "%1$tF %1$tT %4$s %5$s%6$s%n");
    if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
      // What picocli prints for it, without building a command model first: most of a short
      // run's start-up (docs/PERFORMANCE.md).
      for (String line : new Version().getVersionLines()) {
        System.out.println(line);
      }
      System.exit(EXIT_FOUND);
    }
    System.exit(commandLine(args).execute(args));
  }

  /** The whole command tree: every subcommand, as help, completion and the manual show it. */
  static CommandLine commandLine() {
    return new CommandLine(new Tree());
  }

  /**
   * The command tree for a run with these arguments: only the subcommand that the first names, if
   * it names one (picocli builds a subcommand's model, by reflection, as it is added); else the
   * whole tree, for help and usage errors.
   */
  static CommandLine commandLine(String... args) {
    Object subcommand = args.length == 0 ? null : switch (args[0]) {
      case "find" -> new FindCommand();
      case "serve" -> new ServeCommand();
      case "bench" -> new BenchCommand();
      default -> null;
    };
    return subcommand == null ? commandLine() : new CommandLine(new Main()).addSubcommand(subcommand);
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

  /**
   * {@link Main} with every subcommand, for picocli's completion script and manual generators
   * ({@code picocli.AutoComplete dev.hashfinder.cli.Main$Tree}), help and usage errors.
   */
  @Command(subcommands = {ServeCommand.class, FindCommand.class, BenchCommand.class})
  static final class Tree extends Main {}

  /**
   * The version and the commit it was built from (build.properties, written by the build), the
   * JVM, and the path a SHA-1 search takes on this machine: the native kernel or Java, and why.
   */
  static final class Version implements CommandLine.IVersionProvider {
    static final String BUILD_PROPERTIES = "build.properties";

    @Override
    public String[] getVersion() throws IOException {
      String[] lines = getVersionLines();
      for (int i = 0; i < lines.length; i++) {
        lines[i] = lines[i].replace("%", "%%"); // picocli formats each line: print '%' as is
      }
      return lines;
    }

    /** The lines as printed. */
    String[] getVersionLines() throws IOException {
      Properties build = new Properties();
      try (InputStream in = Main.class.getResourceAsStream(BUILD_PROPERTIES)) {
        if (in != null) {
          build.load(in);
        }
      }
      String version = build.getProperty("version", "(development build)");
      String commit = build.getProperty("commit", "");
      String sha1;
      // An engine with one worker thread, started by no search: the path is the kernel's
      // decision for this JVM, made once (its known-answer test and a speed check of a few ms).
      try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1).build()) {
        sha1 = engine.searchPath("SHA-1");
      }
      return new String[] {
          "hashfinder " + version + (commit.isEmpty() ? "" : " (commit " + commit + ")"),
          "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ", "
              + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ")",
          "SHA-1 search path: " + sha1};
    }
  }
}
