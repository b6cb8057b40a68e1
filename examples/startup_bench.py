#!/usr/bin/env python3
"""Start-up of the command line beside the reference's Python client, measured in one run.

Unpacks the distribution (examples/target/hashfinder-VERSION.tar.gz, from "mvn package") into a
new directory, starts its "serve" on a free loopback port, and times whole processes, each
command once a round, the rounds interleaved so that a busy machine weighs on all alike:

  reference   the reference's client: python3-grpcio, stubs from protoc, Find "aa", print(response)
  remote      bin/hashfinder find aa --server 127.0.0.1:PORT
  embedded    bin/hashfinder find aa
  version     bin/hashfinder --version

and the same three as "java -jar lib/hashfinder.jar" (no launcher, no start-up archive). It prints
the median wall time of each, and each hashfinder command's ratio to the reference client's.
The first run of the launcher makes its start-up archive; it is waited for before timing.

Needs python3 with grpcio and protobuf, and protoc with grpc_python_plugin (Debian:
python3-grpcio, python3-protobuf, protobuf-compiler, protobuf-compiler-grpc).

Usage: python3 examples/startup_bench.py [--runs N] [--archive PATH]
"""

import argparse
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "hashfinder-grpc", "src", "main", "proto")

REFERENCE_CLIENT = """
import sys
import grpc
import hash_name_pb2
import hash_name_pb2_grpc

with grpc.insecure_channel(sys.argv[1]) as channel:
    stub = hash_name_pb2_grpc.HashFinderStub(channel)
    print(stub.Find(hash_name_pb2.HashNameRequest(desired_name=sys.argv[2])))
"""

# The targets: each command's wall time at most this many times the reference client's.
TARGETS = {"remote": 5.0, "embedded": 4.0, "version": 2.0}


def run(command, env):
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (done.returncode, " ".join(command),
                                          done.stderr.decode(errors="replace")))
    return elapsed, done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed rounds (default: 7)")
    parser.add_argument("--archive", help="the distribution (default: examples/target's)")
    args = parser.parse_args()
    archive = args.archive or next(iter(sorted(
        glob.glob(os.path.join(HERE, "target", "hashfinder-*.tar.gz")))), None)
    if archive is None:
        sys.exit("no distribution: run 'mvn -B -DskipTests package' first")

    work = tempfile.mkdtemp(prefix="hashfinder-startup-")
    server = None
    try:
        subprocess.run(["tar", "-xzf", archive, "-C", work], check=True)
        home = glob.glob(os.path.join(work, "hashfinder-*"))[0]
        launcher = os.path.join(home, "bin", "hashfinder")
        java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") \
            if os.environ.get("JAVA_HOME") else shutil.which("java")
        plain = [java, "-jar", os.path.join(home, "lib", "hashfinder.jar")]
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"))

        stubs = os.path.join(work, "stubs")
        os.mkdir(stubs)
        subprocess.run(["protoc", "--proto_path=" + PROTO_DIR, "--python_out=" + stubs,
                        "--grpc_python_out=" + stubs,
                        "--plugin=protoc-gen-grpc_python=" + shutil.which("grpc_python_plugin"),
                        "hash_name.proto"], check=True)
        client = os.path.join(stubs, "reference_client.py")
        with open(client, "w") as f:
            f.write(REFERENCE_CLIENT)
        python_env = dict(env, PYTHONPATH=stubs)

        # The launcher's first run makes the start-up archive in the background: wait for it.
        run([launcher, "--version"], env)
        deadline = time.monotonic() + 120
        while not glob.glob(os.path.join(work, "cache", "hashfinder", "*.jsa")):
            if time.monotonic() > deadline:
                sys.exit("the launcher made no start-up archive in 2 minutes")
            time.sleep(0.2)

        server = subprocess.Popen([launcher, "serve", "--port", "0", "--bind", "127.0.0.1"],
                                  env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        target = None
        for line in server.stderr:
            found = re.search(r"serving hash_name\.HashFinder on (127\.0\.0\.1:\d+)", line)
            if found:
                target = found.group(1)
                break
        if target is None:
            sys.exit("the server did not start")

        commands = {
            "reference": [sys.executable, client, target, "aa"],
            "remote": [launcher, "find", "aa", "--server", target],
            "embedded": [launcher, "find", "aa"],
            "version": [launcher, "--version"],
            "remote, java -jar": plain + ["find", "aa", "--server", target],
            "embedded, java -jar": plain + ["find", "aa"],
            "version, java -jar": plain + ["--version"],
        }
        times = {name: [] for name in commands}
        for round_ in range(args.runs + 1):  # the first round warms the caches, untimed
            for name, command in commands.items():
                elapsed, _ = run(command, python_env if name == "reference" else env)
                if round_ > 0:
                    times[name].append(elapsed)

        reference = statistics.median(times["reference"])
        print("median wall time of %d runs (whole process)" % args.runs)
        print("%-22s %8s %8s %8s" % ("command", "seconds", "ratio", "target"))
        failed = False
        for name in commands:
            median = statistics.median(times[name])
            kind = name.split(",")[0]
            if name == "reference":
                print("%-22s %8.3f" % (name, median))
                continue
            ratio = median / reference
            target_ratio = TARGETS[kind]
            verdict = ""
            if "," not in name:
                verdict = "ok" if ratio <= target_ratio else "OVER"
                failed |= ratio > target_ratio
            print("%-22s %8.3f %7.1fx %7.0fx %s" % (name, median, ratio, target_ratio, verdict))
        return 1 if failed else 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
