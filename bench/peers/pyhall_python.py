# Same-run benchmark driver for the pyhall-python peer (../shared/peers/pyhall-python), started by
# bench/peers/peer.ts as a child process. It only calls pyhall's public API; no pyhall code lives here.
#
# Protocol: JSON lines. First line in: {"rules": {...}, "workers": [...], "inputs": [...]}.
# Out: {"ready": true, "check": {...}} with the first input's decision, so the bench can confirm the
# peer decides the workload the same way. Then, per command line:
#   {"cmd": "run", "case": "decide"|"validate+decide", "ms": 150}  -> {"count": n, "ms": wall, "cpu_ms": process CPU}
#   {"cmd": "lat", "case": ..., "n": 2000}                           -> {"p50_us": x, "p99_us": y}
#   {"cmd": "quit"}
import json
import sys
import time

from pyhall import RouteInput, Registry, load_rules_from_dict, make_decision


def main() -> None:
    spec = json.loads(sys.stdin.readline())
    rules = load_rules_from_dict(spec["rules"])
    registry = Registry()
    for record in spec["workers"]:
        registry.enroll(record)
    present = registry.controls_present()
    available = registry.worker_available
    raws = spec["inputs"]
    models = [RouteInput(**raw) for raw in raws]
    size = len(raws)

    def decide(i: int):
        return make_decision(
            inp=models[i % size],
            rules=rules,
            registry_controls_present=present,
            registry_worker_available=available,
        )

    def validate_decide(i: int):
        return make_decision(
            inp=RouteInput(**raws[i % size]),
            rules=rules,
            registry_controls_present=present,
            registry_worker_available=available,
        )

    cases = {"decide": decide, "validate+decide": validate_decide}
    first = decide(0)
    check = {
        "denied": first.denied,
        "matched_rule_id": first.matched_rule_id,
        "selected_worker_species_id": first.selected_worker_species_id,
        "artifact_hash": first.artifact_hash,
        "events": [e.get("event_id") for e in first.telemetry_envelopes],
    }
    reply({"ready": True, "check": check})

    clock = time.perf_counter
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            return
        fn = cases[cmd["case"]]
        if cmd["cmd"] == "run":
            limit = cmd["ms"] / 1000.0
            count = 0
            c0 = time.process_time()
            t0 = clock()
            t = t0
            while t - t0 < limit:
                for _ in range(10):
                    fn(count)
                    count += 1
                t = clock()
            reply({"count": count, "ms": (t - t0) * 1000.0, "cpu_ms": (time.process_time() - c0) * 1000.0})
        elif cmd["cmd"] == "lat":
            samples = []
            for i in range(cmd["n"]):
                a = clock()
                fn(i)
                samples.append(clock() - a)
            samples.sort()
            reply({
                "p50_us": samples[len(samples) // 2] * 1e6,
                "p99_us": samples[int(len(samples) * 0.99)] * 1e6,
            })


def reply(obj) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
