"""eval.bench.grpc_overhead: both servers answer every call and a per-call CPU figure is printed for each."""

from __future__ import annotations

import re

import pytest

from eval.bench import grpc_overhead


def test_both_servers_measured_each_round(capsys: pytest.CaptureFixture[str]) -> None:
    assert grpc_overhead.main(["--calls", "40", "--clients", "4", "--rounds", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("40 unary calls from 4 client threads")
    rows = [re.search(r"round 1 +(.+?) +(\d+) µs a call +([\d.]+) calls/s", line) for line in lines[1:]]
    assert [row.group(1) for row in rows if row] == ["sync (thread pool)", "grpc.aio"]
    # Every call was answered (a rate); the CPU figure is a whole number of µs, 0 possible for 40 calls, since
    # os.times counts in clock ticks of 10 ms.
    assert all(row and float(row.group(3)) > 0 for row in rows)


def test_too_few_calls_for_the_clients_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        grpc_overhead.main(["--calls", "2", "--clients", "4"])
    assert "--calls must be at least --clients" in capsys.readouterr().err
