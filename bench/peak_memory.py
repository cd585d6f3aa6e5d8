"""Run a command and print its peak resident memory, in KiB, on stdout.

Usage: python bench/peak_memory.py COMMAND [ARGUMENT ...]

Linux reports a child's ru_maxrss as at least the resident size of the
process it was forked from, even after exec. A benchmark that holds a large
data set would therefore see its own size in every child it starts. This
small trampoline forks the command from itself, so the figure it prints is
the command's own peak. The command's output is discarded.
"""

import os
import sys


def main() -> None:
    command = sys.argv[1:]
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(command[0], command)  # noqa: S606 - runs the benchmark command given
    _, status, usage = os.wait4(pid, 0)
    print(usage.ru_maxrss)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
