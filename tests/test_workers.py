"""The worker pool: results in order, this process doing the last share beside its workers."""

import os

import pytest

from site_builder import workers


def _pids_and_squares(shared, chunk):
    return [(os.getpid(), shared * item * item) for item in chunk]


def test_one_cpu_works_in_this_process():
    made = workers.Pool(count=1).run(_pids_and_squares, 1, range(200))
    assert made == [(os.getpid(), i * i) for i in range(200)]


def test_small_batches_stay_in_this_process():
    with workers.Pool(count=2, start=True) as pool:
        made = pool.run(_pids_and_squares, 1, range(10))
    assert {pid for pid, _ in made} == {os.getpid()}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
@pytest.mark.parametrize("count", [2, 3])
def test_workers_and_this_process_share_the_items_in_order(count):
    with workers.Pool(count=count, start=True) as pool:
        made = pool.run(_pids_and_squares, 3, range(1001))
    assert [value for _, value in made] == [3 * i * i for i in range(1001)]
    pids = [pid for pid, _ in made]
    here = [i for i, pid in enumerate(pids) if pid == os.getpid()]
    # This process takes the last 1/count of the items; the count - 1 workers the rest.
    assert here == list(range(1001 - 1001 // count, 1001))
    assert len(set(pids)) - 1 <= count - 1 and set(pids) != {os.getpid()}
    with workers.Pool(count=count, start=True) as pool:
        made = pool.run(_pids_and_squares, 3, range(1000), here=1.08)  # a larger share here
    assert [value for _, value in made] == [3 * i * i for i in range(1000)]
    assert [i for i, (pid, _) in enumerate(made) if pid == os.getpid()] == list(range(1000 - int(1080 / count), 1000))


def test_jobs_follow_the_environment(monkeypatch):
    monkeypatch.setenv("SITE_BUILDER_JOBS", "3")
    assert workers.jobs() == 3
    monkeypatch.setenv("SITE_BUILDER_JOBS", "nonsense")
    assert workers.jobs() >= 1


def _pid_and_sum(*numbers):
    return os.getpid(), sum(numbers)


def _fails():
    raise ValueError("made here too")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_submitted_work_is_done_by_a_worker_and_waited_for():
    with workers.Pool(count=2, start=True) as pool:
        pending = pool.submit(_pid_and_sum, 1, 2, 3)
        pid, total = pending.result()
    assert total == 6 and pid != os.getpid()


def test_submitted_work_without_workers_is_done_here_when_asked_for():
    called = []
    pending = workers.INLINE.submit(lambda: called.append(1) or os.getpid())
    assert not called  # nothing done until the result is wanted
    assert pending.result() == os.getpid() and called == [1]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_work_that_fails_in_a_worker_is_done_again_here_and_fails_here():
    with workers.Pool(count=2, start=True) as pool:
        pending = pool.submit(_fails)
        with pytest.raises(ValueError, match="made here too"):
            pending.result()


@pytest.mark.skipif(not hasattr(workers.fcntl, "F_GETPIPE_SZ"), reason="pipe sizes are Linux's")
def test_the_pools_pipes_hold_a_megabyte_and_carry_big_batches():
    with workers.Pool(count=2, start=True) as pool:
        for queue in (pool._pool._inqueue, pool._pool._outqueue):
            assert workers.fcntl.fcntl(queue._reader.fileno(), workers.fcntl.F_GETPIPE_SZ) == workers.PIPE_BYTES
        made = pool.run(_pids_and_squares, 3, range(200_000))
    assert [value for _, value in made] == [3 * i * i for i in range(200_000)]
