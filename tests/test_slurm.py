#!/usr/bin/env python3
"""Sweeps through a real Slurm cluster: brings up a one-node cluster from Debian's packages on
this machine (munged, slurmctld and slurmd, with their own key, socket, ports, state and logs in
a temporary folder, as root), runs a small sweep through scripts/slurm-sweep as a job array of
three shards and a merge, and checks that the merged table equals a local `sosasim sweep` of the
same file, row by row. Stops every daemon it started. Skips (exit 77) with the reason only when
the daemons cannot start here (not root, Slurm or MUNGE not installed, or a daemon that does
not come up). Usage: test_slurm.py REPOSITORY SOSASIM_BINARY"""
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77


def skip(reason):
    print(f"skipped: {reason}")
    sys.exit(SKIP)


def free_port():
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def rows_of(path):
    with open(path) as f:
        return {(r["point_id"], r["workload"]): r for r in csv.DictReader(f)}


def main():
    root, binary = sys.argv[1], os.path.abspath(sys.argv[2])
    if os.geteuid() != 0:
        skip("the Slurm daemons need root here (run as root, as CI does)")
    for daemon in ("munged", "slurmctld", "slurmd", "sbatch", "sinfo"):
        if not shutil.which(daemon) and not os.path.exists(f"/usr/sbin/{daemon}"):
            skip(f"{daemon} is not installed (scripts/install-deps installs slurm-wlm and munge)")
    tmp = tempfile.mkdtemp(prefix="sosasim-slurm-")
    pid_files = []
    munge_socket = os.path.join(tmp, "munge", "munge.socket")
    try:
        for sub in ("munge", "state", "spool", "log"):
            os.makedirs(os.path.join(tmp, sub))
        os.chmod(os.path.join(tmp, "munge"), 0o755)
        key = os.path.join(tmp, "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o600)
        munged = subprocess.run(["/usr/sbin/munged", "-f", f"--socket={munge_socket}", f"--key-file={key}",
                                 f"--log-file={tmp}/log/munged.log", f"--pid-file={tmp}/munge/munged.pid",
                                 f"--seed-file={tmp}/munge/seed"], capture_output=True, text=True)
        pid_files.append(f"{tmp}/munge/munged.pid")
        if munged.returncode != 0:
            skip(f"munged does not start here: {munged.stderr.strip()}")
        host = socket.gethostname().split(".")[0]
        conf = os.path.join(tmp, "slurm.conf")
        with open(conf, "w") as f:
            f.write(f"""ClusterName=sosasimtest
SlurmctldHost={host}
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={munge_socket}
CredType=cred/munge
StateSaveLocation={tmp}/state
SlurmdSpoolDir={tmp}/spool
SlurmctldPidFile={tmp}/slurmctld.pid
SlurmdPidFile={tmp}/slurmd.pid
SlurmctldLogFile={tmp}/log/slurmctld.log
SlurmdLogFile={tmp}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SwitchType=switch/none
NodeName={host} CPUs={os.cpu_count()} State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP
""")
        env = dict(os.environ, SLURM_CONF=conf, SOSASIM_BINARY=binary)
        for daemon in ("slurmctld", "slurmd"):
            started = subprocess.run([f"/usr/sbin/{daemon}", "-f", conf], capture_output=True, text=True, env=env)
            pid_files.append(f"{tmp}/{daemon}.pid")
            if started.returncode != 0:
                skip(f"{daemon} does not start here: {started.stderr.strip()}")

        def node_idle():
            state = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, env=env)
            return state.returncode == 0 and state.stdout.strip() == "idle"

        if not wait_for(node_idle, 60):
            logs = ""
            for name in ("slurmctld", "slurmd"):
                with open(f"{tmp}/log/{name}.log") as f:
                    logs += f" | {name}: " + " / ".join(f.read().strip().splitlines()[-3:])
            skip("the one-node cluster did not come up in 60 s" + logs)
        print(f"one-node Slurm cluster up on {host} ({tmp})")

        # The sweep: through the cluster and locally.
        sweep = os.path.join(root, "configs", "sweeps", "quick.yaml")
        out = os.path.join(tmp, "slurm_out")
        submitted = subprocess.run([os.path.join(root, "scripts", "slurm-sweep"), sweep, "-o", out, "--shards", "3",
                                    "--cpus", "1", "--wait"], capture_output=True, text=True, env=env, timeout=600)
        print(submitted.stderr.strip())
        if submitted.returncode != 0:
            print(f"FAIL scripts/slurm-sweep exited {submitted.returncode}")
            return 1
        local = os.path.join(tmp, "local_out")
        subprocess.run([binary, "sweep", sweep, "-q", "-j", "2", "-o", local], check=True, capture_output=True)
        merged, alone = rows_of(os.path.join(out, "results.csv")), rows_of(os.path.join(local, "results.csv"))
        failures = []
        if set(merged) != set(alone):
            failures.append(f"points differ: {len(merged)} merged rows, {len(alone)} local")
        for key in sorted(set(merged) & set(alone)):
            if merged[key] != alone[key]:
                failures.append(f"{key}: merged {merged[key]} local {alone[key]}")
        shard_logs = [f for f in os.listdir(os.path.join(out, "slurm")) if f.startswith("shard-")]
        if len(shard_logs) != 3:
            failures.append(f"expected 3 array tasks' logs, found {shard_logs}")
        for failure in failures[:10]:
            print("FAIL " + failure)
        if not failures:
            print(f"ok: {len(merged)} rows merged from 3 array tasks equal the local sweep")
        return 1 if failures else 0
    finally:
        for path in reversed(pid_files):
            pid = read_pid(path)
            if pid:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for path in pid_files:
            pid = read_pid(path)
            if pid:
                wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 15)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
