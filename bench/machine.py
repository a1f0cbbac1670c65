"""The machine the figures come from: CPU, memory, system, and the versions of every moving part."""

import os
import platform
from importlib import metadata
from pathlib import Path

POSTGRES_SETTINGS = ("shared_buffers", "work_mem", "effective_cache_size", "synchronous_commit", "jit")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _system() -> str:
    try:
        name = platform.freedesktop_os_release().get("PRETTY_NAME", "")
    except OSError:
        name = ""
    return f"{name or platform.system()} (kernel {platform.release()}, {platform.machine()})"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe(*, connection, redis_client) -> dict:
    """Facts about this machine, the database server (through ``connection``) and the Redis server."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
        settings = {}
        for name in POSTGRES_SETTINGS:
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": _system(),
        "postgresql": postgres,
        "postgresql_settings": settings,
        "redis": redis_client.info("server")["redis_version"],
        "python": platform.python_version(),
        "django": _version("django"),
        "celery": _version("celery"),
        "psycopg": _version("psycopg"),
    }
