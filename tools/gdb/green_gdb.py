# green's gdb extension: the greenlets of a live process.
#
#   (gdb) info greenlets       every greenlet of every hub (one hub per OS
#                              thread): id, name, state, what it waits on
#   (gdb) greenlet bt [T.]ID   the backtrace of greenlet ID (of thread T's hub:
#                              ids count per hub): a parked (or ready)
#                              greenlet's from the context it saved when it
#                              switched away, the running one's as it is
#
# Installed as <datadir>/gdb/auto-load/<libdir>/libgreen.so-gdb.py, so gdb
# loads it with libgreen.so; elsewhere: (gdb) source .../green_gdb.py.
#
# It reads the runtime's own structures through libgreen's debug information
# (runtime/src/core/hub_core.h, green/detail/greenlet_core.h): each thread's
# Hub::tls_hub_, the hub's main greenlet and its list of started, not yet dead
# greenlets. Nothing is called in the inferior.
#
# A suspended greenlet's stack is described by Boost.Context's fcontext: the
# stack pointer its jump_fcontext left (FiberState::context), below which
# jump_fcontext saved the callee-saved registers and the return address. The
# offsets are read from libgreen itself (green_fcontext_layout, defined in
# runtime/src/core/fiber.cpp next to the C++ reader of the same area), so
# the layout has one description. `greenlet bt` loads those into the thread's
# registers for the length of one `bt` and puts the thread's own back
# afterwards, so it needs a live process (a core file's registers cannot be
# written).
import gdb

_STATES = {
    "created": "not started yet",
    "ready": "ready to run",
    "running": "running",
    "parked": "parked",
    "dead": "dead",
    "abandoned": "left behind by fork",
}
_LAYOUT_FIELDS = ("r12", "r13", "r14", "r15", "rbx", "rbp", "return_address", "frame_size")


class GreenError(gdb.GdbError):
    pass


def _core_type():
    try:
        return gdb.lookup_type("green::detail::GreenletCore")
    except gdb.error:
        raise GreenError("green: no debug information for libgreen (green::detail::GreenletCore); "
                         "is libgreen.so loaded, and built with -g?")


def _registry_offset(core):
    """Where GreenletCore's RegistryNode base sits: the hub's list links those."""
    fake = gdb.Value(0x10000).cast(core.pointer())
    node = fake.cast(gdb.lookup_type("green::detail::RegistryNode").pointer())
    return int(node) - 0x10000


def _pointer(smart):
    """The raw pointer in a libstdc++ shared_ptr, or in a unique_ptr with the
    default deleter (an empty base: the pointer is all the object holds)."""
    try:
        return smart["_M_ptr"]
    except gdb.error:
        target = smart.type.strip_typedefs().template_argument(0)
        return smart.address.cast(target.pointer().pointer()).dereference()


def _string(s):
    return s["_M_dataplus"]["_M_p"].string(length=int(s["_M_string_length"]))


def _name(g):
    p = _pointer(g["name_"])
    if int(p) and int(p.dereference()["_M_string_length"]):
        return _string(p.dereference())
    return "Greenlet-%d" % int(g["id_"])


def _state(g):
    return str(g["state_"]).split("::")[-1]


def _waits_on(g):
    if _state(g) != "parked":
        return ""
    reason = g["wait_reason_"]
    text = "on " + (reason.string() if int(reason) else "something")
    other = g["wait_greenlet_"]
    if int(other):
        text += " ('%s')" % _name(other.dereference())
    if int(g["wait_fd_"]) >= 0:
        text += " (fd %d)" % int(g["wait_fd_"])
    deadline = g["wait_deadline_"]["ns_"]  # detail::Deadline: ns on CLOCK_MONOTONIC, INT64_MAX = never
    if int(deadline) != (1 << 63) - 1:
        text += " (with a timeout)"
    return text


def _hubs():
    """(thread, hub) for every thread of the inferior that has a hub."""
    selected = gdb.selected_thread()
    inferior = gdb.selected_inferior()
    found = []
    try:
        for thread in sorted(inferior.threads(), key=lambda t: t.num):
            thread.switch()
            try:
                hub = gdb.parse_and_eval("'green::detail::Hub::tls_hub_'")
            except gdb.error:
                continue
            if int(hub):
                found.append((thread, hub))
    finally:
        if selected is not None and selected.is_valid():
            selected.switch()
    return found


def _greenlets(hub):
    """The main greenlet, then the started ones in spawn order (as green::dump)."""
    core = _core_type()
    yield _pointer(hub["main_"]).dereference()
    offset = _registry_offset(core)
    head = hub["greenlets_"]["head_"]
    head_address = int(head.address)
    node = head["next"]
    for _ in range(10_000_000):  # bounded: a corrupt list must not hang gdb
        if int(node) == head_address or int(node) == 0:
            return
        yield gdb.Value(int(node) - offset).cast(core.pointer()).dereference()
        node = node["next"]


def _find(spec):
    """The greenlet `spec` names: "ID" (ids count per hub: the selected
    thread's hub first, then the others in thread order) or "THREAD.ID"."""
    thread_num, _, gid = spec.rpartition(".")
    if not gid.isdigit() or (thread_num and not thread_num.isdigit()):
        raise GreenError("usage: greenlet bt [THREAD.]ID [bt options] (info greenlets lists them)")
    selected = gdb.selected_thread()
    hubs = _hubs()
    hubs.sort(key=lambda th: 0 if selected is not None and th[0].num == selected.num else 1)
    for thread, hub in hubs:
        if thread_num and thread.num != int(thread_num):
            continue
        current = int(hub["current_"])
        for g in _greenlets(hub):
            if int(g["id_"]) == int(gid):
                return thread, g, int(g.address) == current
    raise GreenError("green: no greenlet with id %s (info greenlets lists them)" % spec)


class InfoGreenlets(gdb.Command):
    """List every greenlet of every hub: id, name, state and what it waits on.
Usage: info greenlets"""

    def __init__(self):
        super().__init__("info greenlets", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        hubs = _hubs()
        if not hubs:
            print("green: no thread has a hub (no greenlet has run yet, or libgreen is not loaded)")
            return
        for thread, hub in hubs:
            print("Thread %d (LWP %d): hub at 0x%x" % (thread.num, thread.ptid[1], int(hub)))
            current = int(hub["current_"])
            print("  %6s  %-24s %s" % ("Id", "Name", "State"))
            for g in _greenlets(hub):
                state = _STATES.get(_state(g), _state(g))
                if int(g.address) == current:
                    state = "running (current)"
                mark = "*" if int(g.address) == current else " "
                print("%s %6d  %-24s %s %s" % (mark, int(g["id_"]), _name(g), state, _waits_on(g)))


class Greenlet(gdb.Command):
    """Commands about one greenlet. Usage: greenlet bt [THREAD.]ID"""

    def __init__(self):
        super().__init__("greenlet", gdb.COMMAND_STACK, gdb.COMPLETE_NONE, True)


class GreenletBacktrace(gdb.Command):
    """Backtrace of greenlet ID (info greenlets lists the ids).
Usage: greenlet bt [THREAD.]ID [bt options, e.g. full or a frame count]
Ids count per hub (one hub per thread): a bare ID is looked up in the selected
thread's hub first; THREAD.ID (gdb's thread number) picks the hub.
A suspended greenlet's frames are unwound from the context it saved when it
switched away; the thread's own registers are put back afterwards."""

    def __init__(self):
        super().__init__("greenlet bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if not args:
            raise GreenError("usage: greenlet bt [THREAD.]ID [bt options] (info greenlets lists them)")
        thread, g, running = _find(args[0])
        rest = " ".join(args[1:])
        selected = gdb.selected_thread()
        thread.switch()
        try:
            if running:
                print("greenlet %d ('%s') is running on thread %d:" % (int(g["id_"]), _name(g), thread.num))
                gdb.execute("bt " + rest)
                return
            state = _state(g)
            context = int(g["fiber_"]["context"])
            if state in ("created", "dead", "abandoned") or not context:
                raise GreenError("green: greenlet %d ('%s') is %s: it has no frames to show"
                                 % (int(g["id_"]), _name(g), _STATES.get(state, state)))
            print("greenlet %d ('%s'), %s %s, on thread %d:"
                  % (int(g["id_"]), _name(g), _STATES.get(state, state), _waits_on(g), thread.num))
            _backtrace_from(context, rest)
        finally:
            if selected is not None and selected.is_valid():
                selected.switch()


def _layout():
    """jump_fcontext's save area, as libgreen describes it: field -> offset."""
    for name in ("green_fcontext_layout", "'green_fcontext_layout'"):
        try:
            layout = gdb.parse_and_eval(name)
            break
        except gdb.error:
            continue
    else:
        raise GreenError("green: libgreen does not describe its saved contexts (green_fcontext_layout): "
                         "is libgreen.so loaded, and built with -g?")
    return {f: int(layout[f]) for f in _LAYOUT_FIELDS}


def _backtrace_from(context, bt_args):
    layout = _layout()
    saved_registers = [(r, layout[r]) for r in _LAYOUT_FIELDS[:6]]
    gdb.execute("frame 0", to_string=True)
    names = [r for r, _ in saved_registers] + ["rsp", "rip"]
    saved = {r: int(gdb.parse_and_eval("$" + r)) for r in names}
    u64 = gdb.lookup_type("unsigned long").pointer()

    def word(offset):
        return int(gdb.Value(context + offset).cast(u64).dereference())

    try:
        for reg, offset in saved_registers:
            gdb.execute("set $%s = %d" % (reg, word(offset)))
        gdb.execute("set $rsp = %d" % (context + layout["frame_size"]))
        gdb.execute("set $rip = %d" % word(layout["return_address"]))
        gdb.execute("bt " + bt_args)
    finally:
        for reg in names:
            gdb.execute("set $%s = %d" % (reg, saved[reg]))
        gdb.execute("frame 0", to_string=True)


InfoGreenlets()
Greenlet()
GreenletBacktrace()
