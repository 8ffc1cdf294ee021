"""A throwaway PostgreSQL server for the scripts (bench-cluster, crash-loop --cluster): initdb
into a temporary directory, started on a free loopback port, removed by `stop`. Debian's
server programs (apt-get install postgresql); the system's own cluster is not used."""
import glob
import os
import shutil
import socket
import subprocess
import tempfile


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """initdb into a temporary directory, started on a free loopback port (as the postgres
    user when root: the server refuses to run as root). Default durability: fsync and
    synchronous_commit on, as the JSON Lines log syncs each group commit."""

    def __init__(self):
        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))[-1]
        self.dir = tempfile.mkdtemp(prefix="bench-pg-")
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self.server(["initdb", "-D", self.dir + "/data", "-A", "trust", "-U", "mission", "-E", "UTF8"])
        self.server(["pg_ctl", "-D", self.dir + "/data", "-l", self.dir + "/server.log", "-w", "-o",
                     f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c max_connections=300", "start"])
        self.databases = 0

    def server(self, command):
        prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        subprocess.run(prefix + [os.path.join(self.bin, command[0])] + command[1:], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=self.dir)

    def psql(self, sql, database="postgres"):
        return subprocess.run([os.path.join(self.bin, "psql"), "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", str(self.port),
                               "-U", "mission", "-d", database, "-c", sql], check=True, capture_output=True, text=True).stdout.strip()

    def fresh(self):
        """The URL of a new, empty database: each configuration starts from nothing."""
        self.databases += 1
        name = f"bench{self.databases}"
        self.psql(f"CREATE DATABASE {name}")
        return name, f"postgres://mission@127.0.0.1:{self.port}/{name}"

    def stop(self):
        self.server(["pg_ctl", "-D", self.dir + "/data", "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)
