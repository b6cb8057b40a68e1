package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableScheduledFuture;
import com.google.common.util.concurrent.ListeningScheduledExecutorService;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.SettableFuture;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A timer task that throws is logged, not lost in a future nobody reads. */
class TaskFailuresTest {
  private static final Logger LOG = Logger.getLogger(TaskFailures.class.getName());

  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler recorder = new Handler() {
    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };
  private final ListeningScheduledExecutorService timer =
      MoreExecutors.listeningDecorator(Executors.newSingleThreadScheduledExecutor());

  @BeforeEach
  void record() {
    LOG.addHandler(recorder);
  }

  @AfterEach
  void stop() {
    LOG.removeHandler(recorder);
    timer.shutdownNow();
  }

  @Test
  void aTaskThatThrows_isLoggedSevere_namingWhatItDid() {
    IllegalStateException bug = new IllegalStateException("the task's own bug");

    TaskFailures.log(timer.schedule(() -> {
      throw bug;
    }, 1, TimeUnit.MILLISECONDS), "backend a:1: probing it again");

    await().until(() -> !records.isEmpty());
    assertThat(records).singleElement().satisfies(record -> {
      assertThat(record.getLevel()).isEqualTo(Level.SEVERE);
      assertThat(record.getMessage()).isEqualTo("backend a:1: probing it again failed");
      assertThat(record.getThrown()).isSameAs(bug);
    });
  }

  @Test
  void aCancelledOrSuccessfulTask_isNotLogged() throws Exception {
    ListenableScheduledFuture<?> cancelled =
        timer.schedule(() -> { }, 1, TimeUnit.DAYS);
    TaskFailures.log(cancelled, "re-resolving dns:///a");
    cancelled.cancel(false);
    SettableFuture<Object> succeeded = SettableFuture.create();
    TaskFailures.log(succeeded, "watching its health");
    succeeded.set("done");

    assertThat(records).isEmpty();
  }
}
