#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from testdata/vectors.

Usage: python3 fuzz/seeds.py [TARGET...]   (run from anywhere; default: every target)

Each seed is a complete, valid transcript in the input layout of its target (see the target's
module docs and fuzz/src/input.rs: chunks are `op (1) || len (u16 LE) || body`), so the
fuzzer starts from handshakes that succeed and ciphertexts that decrypt. The output is
deterministic: file names are the SHA-1 of the content, as libFuzzer names its own files.
"""

import hashlib
import json
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECTORS = os.path.join(ROOT, "testdata", "vectors")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
TAPE_LEN = 48

# Router / HTTP / console endpoint indices (fuzz/src/responder.rs ENDPOINTS).
ENDPOINT_INDEX = {
    "proto-ver": 0,
    "prov-session": 1,
    "prov-config": 2,
    "prov-scan": 3,
    "custom-data": 4,
    "prov-ctrl": 4,
}
# fuzz_targets/http_request.rs PATHS
HTTP_PATH = {
    "prov-session": 0,
    "proto-ver": 1,
    "prov-config": 2,
    "prov-scan": 3,
    "custom-data": 4,
    "prov-ctrl": 4,
}
# uniprov_fuzz::vectors::SEC1_POPS
SEC1_POP_INDEX = {"abcd1234": 0, "": 1, "test pop": 2}


def load(name):
    with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
        return json.load(f)


def h(text):
    return bytes.fromhex(text)


def chunk(op, body):
    body = bytes(body)[:0xFFFF]
    return bytes([op & 0xFF]) + struct.pack("<H", len(body)) + body


def tape(*parts, length=TAPE_LEN):
    data = b"".join(parts)[:length]
    return data + bytes(length - len(data))


SEC0 = load("sec0.json")
SEC1 = load("sec1.json")
SEC2 = load("sec2.json")
PROTOBUF = load("protobuf.json")
PROTO_VER = load("proto_ver.json")
QR = load("qr.json")

SEC2_CREDS = []
for _case in SEC2["cases"]:
    if _case["salt"] not in SEC2_CREDS:
        SEC2_CREDS.append(_case["salt"])
SEC2_BY_ID = {c["id"]: c for c in SEC2["cases"]}
SEC1_BY_ID = {c["id"]: c for c in SEC1["cases"]}


def sec1_pop(case):
    return SEC1_POP_INDEX.get(case["pop"], 0)


def sec2_flags(case):
    """Sequence flags bits 0-1: patch 0, credential set."""
    v0 = 1 if case["sec_patch_ver"] == 0 else 0
    return v0 | (SEC2_CREDS.index(case["salt"]) << 1)


def sec2_device_tape(case):
    nonce = h(case["device_nonce"])
    return tape(h(case["b"]), nonce if case["sec_patch_ver"] == 0 else nonce[:8])


def sec1_device_tape(case):
    return tape(h(case["device_private"]), h(case["device_random"]))


def selector_sec1(case):
    return 1 + sec1_pop(case)


def selector_sec2(case):
    return 5 + sec2_flags(case)


def device_data(data):
    """Device-side replay: requests decrypted (op 1), responses encrypted (op 2)."""
    out = b""
    for d in data:
        if d["direction"] == "client_to_device":
            out += chunk(1, h(d["ciphertext"]))
        else:
            out += chunk(2, h(d["plaintext"]))
    return out


def paired_data(data):
    """In-target client and device in lock-step (ops 3 and 4)."""
    return b"".join(
        chunk(3 if d["direction"] == "client_to_device" else 4, h(d["plaintext"]))
        for d in data
    )


def client_data(data):
    """Client-side replay: responses decrypted (op 1), requests encrypted (op 2)."""
    out = b""
    for d in data:
        if d["direction"] == "device_to_client":
            out += chunk(1, h(d["ciphertext"]))
        else:
            out += chunk(2, h(d["plaintext"]))
    return out


def sessions(scheme):
    """(selector, device tape, client tape, handshake messages, data, case) of every case."""
    if scheme == 0:
        yield 0, tape(), tape(length=32), [(SEC0["session_cmd0"], SEC0["session_resp0"])], SEC0["data"], SEC0
        return
    if scheme == 1:
        for c in SEC1["cases"]:
            msgs = [(c["session_cmd0"], c["session_resp0"]), (c["session_cmd1"], c["session_resp1"])]
            yield selector_sec1(c), sec1_device_tape(c), tape(h(c["client_private"]), length=32), msgs, c["data"], c
        return
    for c in SEC2["cases"]:
        msgs = [(c["session_cmd0"], c["session_resp0"]), (c["session_cmd1"], c["session_resp1"])]
        yield selector_sec2(c), sec2_device_tape(c), tape(h(c["a"]), length=32), msgs, c["data"], c


def seeds_session_data():
    for scheme in (0, 1, 2):
        for sel, _, _, msgs, _, _ in sessions(scheme):
            for cmd, _ in msgs:
                yield bytes([sel]) + h(cmd)
    for n in SEC1["negative_cases"]:
        base = SEC1_BY_ID[n["based_on"]] if n.get("based_on") in SEC1_BY_ID else SEC1["cases"][0]
        for key in ("session_cmd0", "session_cmd1"):
            if n.get(key):
                yield bytes([selector_sec1(base)]) + h(n[key])
    for n in SEC2["negative_cases"]:
        base = SEC2_BY_ID.get(n.get("based_on"), SEC2["cases"][0])
        for key in ("session_cmd0", "session_cmd1"):
            if n.get(key):
                yield bytes([selector_sec2(base)]) + h(n[key])


def seeds_sequence(scheme):
    cases = SEC1["cases"] if scheme == 1 else SEC2["cases"]
    by_id = SEC1_BY_ID if scheme == 1 else SEC2_BY_ID
    flags_of = sec1_pop if scheme == 1 else sec2_flags
    tape_of = sec1_device_tape if scheme == 1 else sec2_device_tape
    for c in cases:
        flags = flags_of(c)
        # Raw replay of the vector transcript, device side.
        yield (bytes([flags]) + tape_of(c) + chunk(0, h(c["session_cmd0"]))
               + chunk(0, h(c["session_cmd1"])) + device_data(c["data"]))
        # An in-target handshake, then the vector's plaintexts in lock-step.
        yield bytes([flags | 2 << 2]) + tape_of(c) + paired_data(c["data"])
        # After an in-target Cmd0: an unmodified and a flipped in-target Cmd1, then data.
        yield (bytes([flags | 1 << 2]) + tape_of(c) + chunk(7, b"") + paired_data(c["data"][:2])
               + chunk(7, b"\x00\x00\x00\x00\x00\x00\x00\x00\x01") + chunk(1, b"\x00" * 20))
        # A restart in the middle of the data phase.
        yield (bytes([flags | 2 << 2]) + tape_of(c) + paired_data(c["data"][:3]) + chunk(5, b"")
               + paired_data(c["data"][3:6]) + chunk(0, h(c["session_cmd0"])) + chunk(4, b"x"))
    negatives = SEC1["negative_cases"] if scheme == 1 else SEC2["negative_cases"]
    for n in negatives:
        base = by_id.get(n.get("based_on"), cases[0])
        body = b"".join(chunk(0, h(n[k])) for k in ("session_cmd0", "session_cmd1") if n.get(k))
        if body:
            yield bytes([flags_of(base)]) + tape_of(base) + body


def seeds_client_handshake():
    for scheme in (0, 1, 2):
        for sel, _, ctape, msgs, data, _ in sessions(scheme):
            body = b"".join(chunk(0, h(resp)) for _, resp in msgs)
            yield bytes([sel]) + ctape + body + client_data(data)
    for n in SEC1["negative_cases"] + SEC2["negative_cases"]:
        if n.get("expected") != "client_rejects_session_resp1":
            continue
        is_sec1 = n in SEC1["negative_cases"]
        base = (SEC1_BY_ID if is_sec1 else SEC2_BY_ID).get(n.get("based_on"))
        if base is None:
            continue
        sel = selector_sec1(base) if is_sec1 else selector_sec2(base)
        ctape = tape(h(base["client_private"] if is_sec1 else base["a"]), length=32)
        yield bytes([sel]) + ctape + chunk(0, h(n["session_resp0"])) + chunk(0, h(n["session_resp1"]))


def seeds_protobuf(endpoint, sender):
    for e in PROTOBUF["entries"]:
        if e["endpoint"] == endpoint and e["sender"] == sender:
            yield h(e["hex"])


def seeds_proto_ver():
    for v in PROTO_VER["variants"]:
        yield h(v["hex"])
    yield b"V0.1"


def seeds_qr():
    for e in QR["examples"]:
        yield e["payload"].encode()


def seeds_captive_dns():
    """DNS queries as phones send them for their connectivity checks (A, AAAA, EDNS), a
    response, another opcode and a compressed name."""
    def query(qid, name, qtype, flags=0x0100, extra=b""):
        labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"
        header = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 1 if extra else 0)
        return header + labels + struct.pack(">HH", qtype, 1) + extra
    edns = b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 0)
    for i, name in enumerate(("connectivitycheck.gstatic.com", "captive.apple.com",
                              "www.msftconnecttest.com", "nmcheck.gnome.org")):
        yield query(i, name, 1)
        yield query(i, name, 28)
        yield query(i, name, 1, extra=edns)
    yield query(9, "example.com", 1, flags=0x8180)
    yield query(10, "example.com", 1, flags=0x2800)
    yield struct.pack(">HHHHHH", 11, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c" + struct.pack(">HH", 1, 1)


def router_transcripts():
    """(selector, device tape, [(endpoint, request bytes, response plaintext or None)])."""
    for scheme in (0, 1, 2):
        for sel, dtape, _, msgs, data, _ in sessions(scheme):
            steps = [("proto-ver", b"\x00", None)]
            steps += [("prov-session", h(cmd), None) for cmd, _ in msgs]
            pending = None
            for d in data:
                if d["direction"] == "client_to_device":
                    pending = (d["endpoint"], h(d["ciphertext"]))
                elif pending is not None:
                    steps.append((pending[0], pending[1], h(d["plaintext"])))
                    pending = None
            yield sel, dtape, steps


def seeds_router():
    for sel, dtape, steps in router_transcripts():
        body = b""
        for endpoint, request, response in steps:
            body += chunk(ENDPOINT_INDEX[endpoint] << 2, request)
            if response is not None:
                body += chunk(6 << 2, response)
        yield bytes([sel, 3]) + dtape + body
        # The same on session 1 with sessions 0 and 2 opened and closed around it.
        mixed = chunk(7 << 2 | 0, b"") + chunk(7 << 2 | 2, b"")
        for endpoint, request, response in steps:
            mixed += chunk(ENDPOINT_INDEX[endpoint] << 2 | 1, request)
            if response is not None:
                mixed += chunk(6 << 2 | 1, response)
        mixed += chunk(0x20 | 7 << 2 | 0, b"") + chunk(5 << 2, b"prov-ctrl")
        yield bytes([sel, 1]) + dtape + mixed


def seeds_console():
    for sel, dtape, steps in router_transcripts():
        lines = b""
        for endpoint, request, _ in steps:
            lines += b"%s 0 %s\r\n" % (endpoint.encode(), request.hex().encode())
        yield bytes([0, sel]) + dtape + lines
        # Echo on, a second session, odd separators and an overlong line limit.
        yield bytes([4 | 1, sel]) + dtape + b"proto-ver 7 00\nprov-session\t1  5203a2010\r\n\x7fx\n"


def seeds_http():
    for sel, dtape, steps in router_transcripts():
        body = b""
        for i, (endpoint, request, _) in enumerate(steps):
            path = HTTP_PATH[endpoint]
            # Alternate connections once the cookie is known (cookie selector 1).
            conn, cookie = (i % 2, 1) if i > 0 else (0, 0)
            body += chunk(0x10 | conn, bytes([path, cookie]) + request)
        yield bytes([3, sel]) + dtape + body
    # A refused GET, a wrong Content-Length, a custom path and cookie, transfer-encoding.
    yield (bytes([0, 0]) + tape() + chunk(4 << 1, b"\x01\x00")
           + chunk(0x30, b"\x00\x00" + h(SEC0["session_cmd0"]))
           + chunk(0x10, b"\x0b/x?\x0csession=00" + b"\x01")
           + chunk(0x50, b"\x00\x00\x01"))


def seeds_manager():
    client = [e for e in PROTOBUF["entries"] if e["sender"] == "client"]
    op_of = {"prov-config": 0, "prov-scan": 1, "prov-ctrl": 2}
    everything = b"".join(chunk(op_of[e["endpoint"]], h(e["hex"])) for e in client)
    msg = {e["id"]: h(e["hex"]) for e in client}
    connected = bytes([3, 6]) + bytes(6) + b"192.168.1.100\x00\x00" + b"HomeNetwork"
    happy = (chunk(0, msg["cmd_set_config"]) + chunk(0, msg["cmd_apply_config_msg_only"])
             + chunk(3, connected) + chunk(0, msg["cmd_get_status"])
             + chunk(7, struct.pack("<I", 2000)))
    failing = (chunk(11, b"") + chunk(4, struct.pack("<H", 15)) + chunk(0, msg["cmd_get_status"])
               + chunk(4, struct.pack("<H", 201)) + chunk(2, msg["cmd_ctrl_reset"])
               + chunk(11, b"") + chunk(4, struct.pack("<H", 8))
               + chunk(7, struct.pack("<I", 40000)) + chunk(2, msg["cmd_ctrl_reprov"]))
    scanning = (chunk(1, msg["cmd_scan_start_ble"]) + chunk(8, b"\x00abcdefghijklmnop")
                + chunk(1, msg["cmd_scan_status_msg_only"]) + chunk(1, msg["cmd_scan_result_0_4"])
                + chunk(1, msg["net_cmd_scan_thread_start"]) + chunk(9, b"\x00thread-network")
                + chunk(1, msg["net_cmd_scan_thread_result_0_4"]) + chunk(10, b"\x01")
                + chunk(7, struct.pack("<I", 5000)) + chunk(10, b"\x00"))
    thread = (chunk(0, msg["net_cmd_set_thread_config"])
              + chunk(0, msg["net_cmd_apply_thread_config_msg_only"]) + chunk(5, b"\x34\x12\x0f")
              + chunk(0, msg["net_cmd_get_thread_status"]) + chunk(7, struct.pack("<I", 30000)))
    for cfg in (b"\x00\x10", b"\x08\x10", b"\x18\x04", b"\x01\x10", b"\x0e\x10", b"\xc9\x01"):
        for body in (everything, happy, failing, scanning, thread):
            yield cfg + body


TARGETS = {
    "session_data": seeds_session_data,
    "sec1_device_sequence": lambda: seeds_sequence(1),
    "sec2_device_sequence": lambda: seeds_sequence(2),
    "client_handshake": seeds_client_handshake,
    "config_request": lambda: seeds_protobuf("prov-config", "client"),
    "config_response": lambda: seeds_protobuf("prov-config", "device"),
    "scan_request": lambda: seeds_protobuf("prov-scan", "client"),
    "scan_response": lambda: seeds_protobuf("prov-scan", "device"),
    "ctrl_request": lambda: seeds_protobuf("prov-ctrl", "client"),
    "ctrl_response": lambda: seeds_protobuf("prov-ctrl", "device"),
    "proto_ver_parse": seeds_proto_ver,
    "qr_parse": seeds_qr,
    "protocomm_router": seeds_router,
    "console_line": seeds_console,
    "http_request": seeds_http,
    "manager_sequence": seeds_manager,
    "captive_dns": seeds_captive_dns,
}


def main(argv):
    names = argv or sorted(TARGETS)
    for name in names:
        if name not in TARGETS:
            sys.exit(f"unknown target {name}; known: {' '.join(sorted(TARGETS))}")
        out = os.path.join(CORPUS, name)
        os.makedirs(out, exist_ok=True)
        count = 0
        for seed in TARGETS[name]():
            path = os.path.join(out, hashlib.sha1(seed).hexdigest())
            with open(path, "wb") as f:
                f.write(seed)
            count += 1
        print(f"{name}: {count} seeds -> {os.path.relpath(out, ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
