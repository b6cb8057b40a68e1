"""A Python gRPC client of hash_name.HashFinder, driven by the Java interop tests.

It uses only the fields of the reference service (1-3), as the reference client does, and prints
one JSON object per line: each response, then {"status": CODE, "details": ...}.

Usage: interop_client.py HOST:PORT SCENARIO [NAME] [IDEAL] [INTERESTING]

With HF_TLS_CA set, the channel is TLS trusting that CA file; HF_TLS_CERT and HF_TLS_KEY add a
client certificate, and HF_TOKEN sends "authorization: Bearer HF_TOKEN" with each call.
  find        Find, print the response and the status.
  find_range  FindRange, print every response and the status.
  cancel      Find as a future, print {"event": "started"}, wait for a line on stdin, cancel.
  cancel_range  FindRange, print the first response, then cancel the stream.
  hostile     A list of malformed and absurd requests; print {"case": ..., "status": ...} each.
"""

import json
import os
import sys

import grpc

import hash_name_pb2
import hash_name_pb2_grpc


def emit(obj):
    print(json.dumps(obj), flush=True)


def emit_response(response):
    emit({"secret": response.secret, "hashed_name": response.hashed_name,
          "hamming_distance": response.hamming_distance})


def emit_status(code, details):
    emit({"status": code.name, "details": details})


def read(path):
    with open(path, "rb") as f:
        return f.read()


def open_channel(target):
    if "HF_TLS_CA" not in os.environ:
        return grpc.insecure_channel(target)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(os.environ["HF_TLS_CA"]),
        private_key=read(os.environ["HF_TLS_KEY"]) if "HF_TLS_KEY" in os.environ else None,
        certificate_chain=read(os.environ["HF_TLS_CERT"]) if "HF_TLS_CERT" in os.environ else None)
    if "HF_TOKEN" in os.environ:
        credentials = grpc.composite_channel_credentials(
            credentials, grpc.access_token_call_credentials(os.environ["HF_TOKEN"]))
    return grpc.secure_channel(target, credentials)


def main():
    target, scenario = sys.argv[1], sys.argv[2]
    name = sys.argv[3] if len(sys.argv) > 3 else "aa"
    ideal = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    interesting = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    request = hash_name_pb2.HashNameRequest(
        desired_name=name, ideal_hamming_distance=ideal,
        interesting_hamming_distance=interesting)
    with open_channel(target) as channel:
        stub = hash_name_pb2_grpc.HashFinderStub(channel)
        if scenario == "find":
            try:
                emit_response(stub.Find(request, timeout=60))
                emit_status(grpc.StatusCode.OK, "")
            except grpc.RpcError as e:
                emit_status(e.code(), e.details())
        elif scenario == "find_range":
            try:
                for response in stub.FindRange(request, timeout=60):
                    emit_response(response)
                emit_status(grpc.StatusCode.OK, "")
            except grpc.RpcError as e:
                emit_status(e.code(), e.details())
        elif scenario == "cancel":
            future = stub.Find.future(request)
            emit({"event": "started"})
            sys.stdin.readline()
            future.cancel()
            try:
                future.result()
                emit_status(grpc.StatusCode.OK, "")
            except grpc.FutureCancelledError:
                emit_status(grpc.StatusCode.CANCELLED, "cancelled by the client")
            except grpc.RpcError as e:
                emit_status(e.code(), e.details())
        elif scenario == "cancel_range":
            responses = stub.FindRange(request)
            emit_response(next(responses))
            responses.cancel()
            try:
                for response in responses:
                    pass
                emit_status(grpc.StatusCode.OK, "")
            except grpc.RpcError as e:
                emit_status(e.code(), e.details())
        elif scenario == "hostile":
            cases = [
                ("empty name", dict(desired_name="")),
                ("name longer than the hash text", dict(desired_name="x" * 29)),
                ("negative ideal distance", dict(desired_name="aa", ideal_hamming_distance=-1)),
                ("negative interesting distance",
                 dict(desired_name="aa", interesting_hamming_distance=-7)),
                ("absurd ideal distance",
                 dict(desired_name="aa", ideal_hamming_distance=2 ** 31 - 1)),
                ("megabyte name", dict(desired_name="n" * (1 << 20))),
                ("name beyond the message limit", dict(desired_name="n" * (5 << 20))),
                ("non-ASCII and NUL", dict(desired_name="\u00e9\u0000")),
                ("the next client", dict(desired_name="aa")),
            ]
            for label, fields in cases:
                try:
                    stub.Find(hash_name_pb2.HashNameRequest(**fields), timeout=60)
                    code = grpc.StatusCode.OK
                except grpc.RpcError as e:
                    code = e.code()
                emit({"case": label, "status": code.name})
        else:
            sys.exit("unknown scenario: " + scenario)


if __name__ == "__main__":
    main()
