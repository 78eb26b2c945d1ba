# SPDX-License-Identifier: BSD-2-Clause
"""gdb script (gdb -nx -batch -x scripts/bench-trace.py): the instruction trace of every
operation bsdsync_bench's cost mode runs between its two trace marks (bench/bench.h).

scripts/bench.sh boots the stock guest with QEMU's gdb server, waits for the guest's
BENCH-TRACE-READY line (the addresses of the marks, of the label naming what is measured
and of the `armed` flag), and runs this script with them in the environment:

    TRACE_PORT   the gdb server's TCP port on 127.0.0.1
    TRACE_BEGIN, TRACE_END, TRACE_LABEL, TRACE_ARMED   addresses (hex)
    TRACE_OUT    the file to write

It attaches, sets `armed` (the guest script waits for it before its requests), and at each
call of bench_trace_begin(op) runs to the return address, then single-steps (QEMU steps
with interrupts and timers masked) until the call of bench_trace_end, writing every
instruction executed:

    OP pair=mtx impl=bsdsync op=0
    I 0xffffffffc0a1b2c3 lock cmpxchg %rsi,0x18(%rdi)
    ...
    END n=41

scripts/bench-report.py counts the locked instructions (and names the functions with the
guest's symbols). It ends when the guest powers off (the connection closes).
"""

import os

import gdb  # noqa: provided by gdb

MAX_STEPS = 20000   # an operation that blocks would step through the scheduler and idle


def env_addr(name):
    return int(os.environ[name], 16)


def main():
    port = os.environ["TRACE_PORT"]
    begin, end = env_addr("TRACE_BEGIN"), env_addr("TRACE_END")
    label_addr, armed = env_addr("TRACE_LABEL"), env_addr("TRACE_ARMED")
    out = open(os.environ["TRACE_OUT"], "w")
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("set architecture i386:x86-64")
    gdb.execute(f"target remote 127.0.0.1:{port}")
    inf = gdb.selected_inferior()
    inf.write_memory(armed, (1).to_bytes(4, "little"))
    gdb.Breakpoint(f"*{begin:#x}", internal=True)
    while True:
        try:
            gdb.execute("continue", to_string=True)
        except gdb.error:
            break           # the guest powered off
        pc = int(gdb.parse_and_eval("$pc")) & (2**64 - 1)
        if pc != begin:
            continue
        op = int(gdb.parse_and_eval("$rdi")) & 0xffffffff
        label = bytes(inf.read_memory(label_addr, 64)).split(b"\0")[0].decode()
        ret = int(gdb.parse_and_eval("*(unsigned long *)$rsp")) & (2**64 - 1)
        gdb.Breakpoint(f"*{ret:#x}", internal=True, temporary=True)
        gdb.execute("continue", to_string=True)
        arch = gdb.selected_frame().architecture()
        out.write(f"OP {label} op={op}\n")
        n = 0
        while n < MAX_STEPS:
            pc = int(gdb.parse_and_eval("$pc")) & (2**64 - 1)
            if pc == end:
                break
            insn = arch.disassemble(pc)[0]["asm"]
            out.write(f"I {pc:#x} {insn}\n")
            n += 1
            gdb.execute("stepi", to_string=True)
        out.write(f"END n={n}{' truncated' if n >= MAX_STEPS else ''}\n")
        out.flush()
    out.close()


try:
    main()
except Exception as e:  # noqa: report and let bench.sh judge the missing lines
    print(f"bench-trace: {e}")
