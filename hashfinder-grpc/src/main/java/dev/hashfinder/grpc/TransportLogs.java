package dev.hashfinder.grpc;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Demotes to {@code FINE} the one transport warning that reports an expected event: Netty's
 * {@code "Stream closed before write could take place"}, logged with a stack trace whenever a
 * client goes away while its response is being written (a cancelled stream, a killed process).
 * Every other record of those loggers passes unchanged, and a filter the application set on them
 * itself is left alone. Thread-safe.
 */
final class TransportLogs {
  private static final String EXPECTED = "Stream closed before write could take place";

  /** Held so that the filters stay: the JDK keeps loggers only weakly. */
  private static final List<Logger> LOGGERS = List.of(
      Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler"),
      Logger.getLogger("io.grpc.netty.NettyServerHandler"));

  private TransportLogs() {}

  /** Installs the filter on the Netty server handler's loggers, once. */
  static synchronized void quietExpectedStreamErrors() {
    for (Logger logger : LOGGERS) {
      if (logger.getFilter() == null) {
        logger.setFilter(TransportLogs::demote);
      }
    }
  }

  /** The filter: an expected stream error goes on at FINE, without its stack trace. */
  static boolean demote(LogRecord record) {
    Throwable thrown = record.getThrown();
    if (record.getLevel().intValue() < Level.WARNING.intValue() || thrown == null
        || !EXPECTED.equals(thrown.getMessage())) {
      return true;
    }
    record.setLevel(Level.FINE);
    record.setMessage("client went away before its response was written: " + EXPECTED);
    record.setThrown(null);
    return Logger.getLogger(record.getLoggerName()).isLoggable(Level.FINE);
  }
}
