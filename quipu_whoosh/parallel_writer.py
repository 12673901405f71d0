"""A parallel Whoosh writer that keeps documents in the order they were added.

Whoosh's MpWriter hands job files to whichever process is free, so document numbers stop
following the order of the database: equal scores, and results listed in index order, then
come out in an order that depends on the scheduling. Here each process takes one contiguous
run of documents (`per_process`), and its segment takes its place in that order.

The processes are spawned and die with their parent (archive.workers): MpWriter forks them
while the index write lock is held, and a forked process kept the lock after its parent was
killed. Cancelling the writer stops them (MpWriter's cancel reached only the parent's copy
of each process object, and the parent then waited at exit for them to finish their work).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
from multiprocessing.queues import Queue

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from archive.workers import start_as_worker, starting_workers
from quipu_whoosh import patches

RESULT_WAIT = 1.0  # seconds between checks that a process is still alive
STOP_WAIT = 5.0  # seconds a cancelled process may take to end before it is killed
SPAWN = multiprocessing.get_context("spawn")


class IndexingProcessDied(RuntimeError):
    pass


class OrderedMpWriter(MpWriter):
    def __init__(self, ix, per_process: int, procs: int, batchsize: int, **kwargs):
        super().__init__(ix, procs=procs, batchsize=batchsize, multisegment=True, **kwargs)
        self.per_process = max(1, per_process)
        self.sent = 0
        self.queues: list[tuple[Queue, Queue]] = []  # (jobs, result) of each process, in order

    def _enqueue(self):
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in self.docbuffer:
                pickle.dump(item, f, 2)
        position = min(self.sent // self.per_process, self.procs - 1)
        while len(self.tasks) <= position:
            self.start_task()
        self.queues[position][0].put((filename, len(self.docbuffer)))
        self.sent += len(self.docbuffer)
        self.docbuffer = []

    def start_task(self) -> None:
        # Unbounded job queues: the parent runs ahead while the processes analyse.
        jobs, result = SPAWN.Queue(), SPAWN.Queue()
        task = IndexingProcess(self.storage, self.indexname, jobs, result, self.subargs, True)
        self.tasks.append(task)
        self.queues.append((jobs, result))
        with starting_workers():
            task.start()

    def cancel(self) -> None:
        try:
            for task in self.tasks:
                task.terminate()
            for task in self.tasks:
                task.join(STOP_WAIT)
                if task.is_alive():
                    task.kill()
                    task.join()
            for jobs, result in self.queues:
                jobs.cancel_join_thread()  # jobs the processes never read must not hold up our exit
                jobs.close()
                result.close()
        finally:
            if not self.is_closed:  # interrupted after its commit finished
                SegmentWriter.cancel(self)

    def _commit(self, mergetype, optimize, merge):
        if self.docbuffer:
            self._enqueue()
        for jobs, _ in self.queues:
            jobs.put(None)
        segments = self._merge_segments(mergetype, optimize, merge)
        # Read each result before joining: a process cannot exit while its result is unread.
        results = [
            self.result_of(task, result) for task, (_, result) in zip(self.tasks, self.queues, strict=True)
        ]
        for task in self.tasks:
            task.join()
        segments += [segment for _, _, segment in results]
        if self._added:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(segments)
        self._finish()

    @staticmethod
    def result_of(task, result: Queue):
        while True:
            try:
                return result.get(timeout=RESULT_WAIT)
            except queue.Empty:
                if not task.is_alive():
                    try:
                        return result.get(timeout=RESULT_WAIT)
                    except queue.Empty:
                        raise IndexingProcessDied(f"indexing process {task.pid} died") from None


class IndexingProcess(SPAWN.Process, SubWriterTask):
    """Whoosh's sub-writer, spawned (SPAWN.Process comes first: its start method wins)."""

    def __init__(self, *args):
        SubWriterTask.__init__(self, *args)
        self.daemon = True  # ended, not waited for, should the parent exit without cancelling
        self.parent_pid = os.getpid()

    def run(self) -> None:
        start_as_worker(self.parent_pid)
        patches.apply()  # a spawned process has not imported the backend that applies it
        super().run()
