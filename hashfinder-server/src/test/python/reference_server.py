"""A Python hash_name.HashFinder server with the reference example's semantics.

The Java interop tests run their client against it. Like the reference: secrets are every
bytestring by length then lexicographically, bytes 0..254; the hash text is base64 SHA-1; the
distance is the smallest case-insensitive Hamming distance over the windows; a call stops after
MAX_HASHES hashes with CANCELLED; FindRange tests the interesting distance before the ideal one.
It prints "port N" once it listens, "searching" as each call starts and "cancelled" each time
it notices a call went away.

Usage: reference_server.py MAX_HASHES
"""

import base64
import hashlib
import itertools
import sys
from concurrent import futures

import grpc

import hash_name_pb2
import hash_name_pb2_grpc


def secrets():
    for length in itertools.count():
        for digits in itertools.product(range(255), repeat=length):
            yield bytes(digits)


def hash_text(secret):
    return base64.b64encode(hashlib.sha1(secret).digest()).decode("ascii")


def distance(text, target):
    text, target = text.lower(), target.lower()
    return min(sum(1 for a, b in zip(text[i:i + len(target)], target) if a != b)
               for i in range(len(text) - len(target) + 1))


def response(secret, text, d):
    return hash_name_pb2.HashNameResponse(
        secret=base64.b64encode(secret).decode("ascii"), hashed_name=text, hamming_distance=d)


class Servicer(hash_name_pb2_grpc.HashFinderServicer):
    def __init__(self, max_hashes):
        self.max_hashes = max_hashes

    def search(self, request, context, interesting):
        print("searching", flush=True)
        for examined, secret in enumerate(secrets()):
            if not context.is_active():
                print("cancelled", flush=True)
                return
            text = hash_text(secret)
            d = distance(text, request.desired_name)
            if interesting is not None and d <= interesting:
                yield response(secret, text, d)
            elif d <= request.ideal_hamming_distance:
                yield response(secret, text, d)
                return
            if examined + 1 == self.max_hashes:
                context.cancel()
                return

    def Find(self, request, context):
        for found in self.search(request, context, None):
            return found
        return hash_name_pb2.HashNameResponse()

    def FindRange(self, request, context):
        yield from self.search(request, context, request.interesting_hamming_distance)


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    hash_name_pb2_grpc.add_HashFinderServicer_to_server(Servicer(int(sys.argv[1])), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("port %d" % port, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
