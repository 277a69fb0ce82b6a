"""eval.bench.cpu_split's parts that need no server: the shape argument and the /proc readings."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pytest

from eval.bench.cpu_split import machine_idle_s, process_cpu_s, shape


def test_a_shape_is_clients_by_texts_per_call():
    assert shape("16x1") == (16, 1) and shape("1x64") == (1, 64)


@pytest.mark.parametrize("bad", ["16", "x4", "16x", "ax2", "0x4", "4x0"])
def test_a_bad_shape_names_the_option_and_the_form(bad):
    with pytest.raises(argparse.ArgumentTypeError, match=f"--shape '{bad}'"):
        shape(bad)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_cpu_time_grows_with_work_and_idle_never_exceeds_the_total():
    before = process_cpu_s(os.getpid())
    end = time.process_time() + 0.2
    while time.process_time() < end:  # burn 0.2 s of this process's CPU
        pass
    assert process_cpu_s(os.getpid()) - before >= 0.1
    total, idle = machine_idle_s()
    assert 0 <= idle <= total
