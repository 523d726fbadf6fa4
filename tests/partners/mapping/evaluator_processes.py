"""Finding evaluator processes from the outside, through /proc, as an operator would."""

from pathlib import Path

HOSTILE_REGEX = '$match("' + "a" * 60 + '!", /(a|a)*$/)'  # 2^60 steps: it never ends by itself


def _stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat after the command name: state, parent, …; empty once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def running(pid: int) -> bool:
    """Alive and not a zombie (a dead child that its new parent has not reaped yet)."""
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] != "Z"


def parent_of(pid: int) -> int:
    return int(_stat_fields(pid)[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far; 0 once it is gone."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / 100 if fields else 0.0  # USER_HZ is 100


def _parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))):
            parents[int(entry.name)] = int(fields[1])
    return parents


def children_of(parent: int) -> list[int]:
    return sorted(pid for pid, its_parent in _parents().items() if its_parent == parent)


def evaluators_under(root: int) -> list[int]:
    """Evaluator processes descended from `root`."""
    parents = _parents()

    def descends(pid: int) -> bool:
        while pid in parents and pid != root:
            pid = parents[pid]
        return pid == root

    found = []
    for pid in parents:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"partners.mapping.evaluator\0" in command and pid != root and descends(pid):
            found.append(pid)
    return sorted(found)
