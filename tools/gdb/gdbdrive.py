"""Drives gdb-multiarch in batch mode against a QEMU gdbstub, with the Pagoda extension loaded.

    port = free_port()                      # give QEMU `-gdb tcp:127.0.0.1:PORT`
    out = run_commands(kernel, port, ["pagoda procs", "pagoda pt 1"], timeout=120)
    out["pagoda procs"]                     # what that command printed

Each command's output is separated by a marker line, so one gdb run (one stop of the machine)
serves many commands. gdb detaches at the end and the machine runs on.
"""

import os
import socket
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
EXTENSION = os.path.join(HERE, "pagoda.py")
MARK = "@@pagoda-gdbdrive@@"


def free_port():
    """A TCP port that was free a moment ago (QEMU binds it next)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gdb_command_line(kernel, port, commands, arch="riscv:rv64"):
    cmd = ["gdb-multiarch", "-q", "-nx", "-batch",
           "-ex", "set pagination off", "-ex", "set confirm off",
           "-ex", "set architecture " + arch, "-ex", "file " + kernel,
           "-ex", "source " + EXTENSION,
           "-ex", "target remote 127.0.0.1:%d" % port]
    for i, c in enumerate(commands):
        # Through Python, so an error is printed in order (to stdout) and the run goes on.
        cmd += ["-ex", "echo %s %d\\n" % (MARK, i),
                "-ex", "python exec(%r)" % ("try:\n gdb.execute(%r)\nexcept gdb.error as e:\n"
                                            " print('error: %%s' %% e)" % c)]
    cmd += ["-ex", "echo %s end\\n" % MARK, "-ex", "detach"]
    return cmd


def run_commands(kernel, port, commands, timeout=180, arch="riscv:rv64"):
    """{command: its output (stdout and errors)}; raises RuntimeError if gdb fails or times out."""
    try:
        r = subprocess.run(gdb_command_line(kernel, port, commands, arch), capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise RuntimeError("gdb timed out after %ss: %s" % (timeout, (e.stdout or b"")[-2000:]))
    text = r.stdout
    if MARK + " end" not in text:
        raise RuntimeError("gdb did not run every command (status %d)\n%s\n%s" % (
            r.returncode, text[-3000:], r.stderr[-3000:]))
    out = {}
    parts = text.split(MARK + " ")
    for part in parts[1:]:
        head, _, body = part.partition("\n")
        if head.strip() == "end":
            break
        out[commands[int(head)]] = body
    out["__stderr__"] = r.stderr
    return out
