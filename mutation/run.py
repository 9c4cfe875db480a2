"""`make mutation`: mutation testing of the modules where a silent regression corrupts the archive or its
trust, with cosmic-ray, against the score recorded in mutation/score.toml.

Each module is mutated in its own copy of the checkout (build/mutation/<module>/): the copy is first on
PYTHONPATH, so the `scrapy crawl` processes and the daemon the tests start import the mutant too, and the
checkout itself is never touched. cosmic-ray applies one mutant at a time and runs the module's tests
(mutation/modules.toml); a mutant the tests pass with survives.

    python mutation/run.py                  # every module; exit 1 if a score fell below the recorded one
    python mutation/run.py crawler/service/scheduling.py --jobs 1
    python mutation/run.py --resume         # go on with the sessions already in build/mutation
    python mutation/run.py --retest MODULE  # after adding tests: run that session's survivors again
    python mutation/run.py --update         # record the scores and survivors found (keeps the reasons)

Score = killed / (mutants - survivors recorded as equivalent). Survivors are listed in score.toml with the
reason each is equivalent or acceptable; a survivor without a reviewed reason says "unreviewed".
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import hashlib
import math
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "mutation"
WORK = ROOT / "build" / "mutation"
COSMIC_RAY = HERE / ".venv" / "bin" / "cosmic-ray"
FILTER = HERE / ".venv" / "bin" / "cr-filter-operators"
PYTHON = ROOT / ".venv" / "bin" / "python"
SCORES = HERE / "score.toml"
UNREVIEWED = "unreviewed"


@dataclass
class Survivor:
    key: str  # operator@line:occurrence, stable while the module's lines stay where they are
    code: str  # the mutated line as it stands in the module
    reason: str = UNREVIEWED


@dataclass
class Result:
    module: str
    total: int = 0
    killed: int = 0
    survivors: list[Survivor] = field(default_factory=list)
    seconds: float = 0.0
    pending: int = 0  # mutants not run yet (an interrupted session)

    def score(self, equivalent: set[str]) -> float:
        counted = self.total - sum(1 for s in self.survivors if s.key in equivalent)
        return 100.0 * self.killed / counted if counted else 100.0


# Every child runs in a process group of its own, ended whole when the runner is interrupted (Ctrl-C,
# SIGTERM): cosmic-ray's pytest, and the crawls and daemons its tests start, never outlive the runner.
_GROUPS: set[int] = set()
_GROUPS_LOCK = threading.Lock()
_STOPPING = threading.Event()


def run_group(command: list, check: bool = False, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    """subprocess.run in a new process group, registered so that end_groups() can end it and all it started."""
    if _STOPPING.is_set():
        raise SystemExit("interrupted")
    process = subprocess.Popen(command, start_new_session=True, **kwargs)  # type: ignore[call-overload]
    with _GROUPS_LOCK:
        _GROUPS.add(process.pid)
    try:
        code = process.wait()
    except BaseException:  # interrupted while waiting (this is the main thread): end it before leaving
        _end([process.pid])
        raise
    finally:
        with _GROUPS_LOCK:
            _GROUPS.discard(process.pid)
    if _STOPPING.is_set():
        raise SystemExit("interrupted")
    if check and code:
        raise subprocess.CalledProcessError(code, command)
    return subprocess.CompletedProcess(command, code)


def end_groups(grace: float = 5.0) -> None:
    """End every running child's process group: SIGTERM, then SIGKILL after grace seconds (to the group,
    so a pytest the leader started dies even when the leader is already gone)."""
    _STOPPING.set()
    with _GROUPS_LOCK:
        groups = list(_GROUPS)
    _end(groups, grace)


def _end(groups: list[int], grace: float = 5.0) -> None:
    for group in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_group_alive(g) for g in groups):
        time.sleep(0.1)
    for group in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # the main thread ends the children's groups on its way out (children_ended)


@contextlib.contextmanager
def children_ended() -> Iterator[None]:
    """SIGTERM acts as Ctrl-C, and leaving by any exception ends every child's process group first (the
    threads that wait on them then return)."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        yield
    except BaseException:
        end_groups()
        raise


def slug(module: str) -> str:
    return module.replace("/", "-").removesuffix(".py")


def copy_checkout(target: Path) -> None:
    """The checkout's files as git sees them (tracked and new, not ignored), without its venvs or data."""
    if target.exists():
        shutil.rmtree(target)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())


def config_text(module: str, spec: dict, exclude: list[str], worker_urls: list[str] | None = None) -> str:
    command = f"{PYTHON} -m pytest -x -q -p no:cacheprovider {spec['tests']}"
    excluded = ", ".join(_toml_string(e) for e in exclude)
    if worker_urls:
        urls = ", ".join(_toml_string(u) for u in worker_urls)
        distributor = (
            '[cosmic-ray.distributor]\nname = "http"\n\n'
            f"[cosmic-ray.distributor.http]\nworker-urls = [{urls}]\n\n"
        )
    else:
        distributor = '[cosmic-ray.distributor]\nname = "local"\n\n'
    return (
        "[cosmic-ray]\n"
        f"module-path = {_toml_string(module)}\n"
        f"timeout = {float(spec.get('timeout', 120))}\n"
        "excluded-modules = []\n"
        f"test-command = {_toml_string(command)}\n\n"
        + distributor
        + f"[cosmic-ray.filters.operators-filter]\nexclude-operators = [{excluded}]\n"
    )


# cosmic-ray's http-worker, bound to 127.0.0.1 (its own listens on every interface, and runs the command
# each request names)
HTTP_WORKER = (
    "import sys; from aiohttp import web; from cosmic_ray.distribution.http import handle_mutate_and_test; "
    "app = web.Application(); app.add_routes([web.post('/', handle_mutate_and_test)]); "
    "web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), print=None)"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def http_workers(work: Path, count: int, log: Path) -> Iterator[list[str]]:
    """`count` copies of the checkout (work, work-2, …), each with a cosmic-ray http-worker applying one
    mutant at a time in it: for a module whose tests mostly wait on the processes they start (the daemon's),
    several mutants are tested at once without their copies seeing each other's mutant."""
    copies = [work] + [work.with_name(f"{work.name}-{n}") for n in range(2, count + 1)]
    for copy in copies[1:]:
        copy_checkout(copy)
    ports = [free_port() for _ in copies]
    workers: list[subprocess.Popen[bytes]] = []
    with open(log, "a") as out:
        try:
            for copy, port in zip(copies, ports, strict=True):
                workers.append(
                    subprocess.Popen(
                        [COSMIC_RAY.with_name("python"), "-c", HTTP_WORKER, str(port)],
                        cwd=copy,
                        env=environment(copy),
                        stdout=out,
                        stderr=out,
                        start_new_session=True,  # its group is ended whole, pytest children included
                    )
                )
            for port in ports:  # each worker answers before any work is sent to it
                for _ in range(100):
                    with socket.socket() as probe:
                        if probe.connect_ex(("127.0.0.1", port)) == 0:
                            break
                    time.sleep(0.1)
            yield [f"http://127.0.0.1:{port}" for port in ports]
        finally:
            for worker in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.pid, signal.SIGTERM)
            for worker in workers:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    worker.wait(10)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions (line, column) of every type annotation of a module."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        annotations = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations.append(node.returns)
        elif isinstance(node, (ast.arg, ast.AnnAssign)):
            annotations.append(node.annotation)
        for annotation in filter(None, annotations):
            end = (annotation.end_lineno or annotation.lineno, annotation.end_col_offset or 0)
            spans.append(((annotation.lineno, annotation.col_offset), end))
    return spans


def skip_annotation_mutants(session: Path, module_file: Path) -> int:
    """Mark mutants inside type annotations skipped: every mutated module says `from __future__ import
    annotations`, so annotations are strings never evaluated, and a mutant there is equivalent by
    construction (int | None → int & None)."""
    source = module_file.read_text("utf-8")
    assert "from __future__ import annotations" in source, module_file
    spans = annotation_spans(source)
    db = sqlite3.connect(session)
    rows = db.execute(
        "SELECT s.job_id, s.start_pos_row, s.start_pos_col FROM mutation_specs s "
        "LEFT JOIN work_results r ON r.job_id = s.job_id WHERE r.job_id IS NULL"
    ).fetchall()
    inside = [job for job, row, col in rows if any(a <= (row, col) < b for a, b in spans)]
    db.executemany(
        "INSERT INTO work_results (worker_outcome, output, test_outcome, diff, job_id) "
        "VALUES ('SKIPPED', 'In a type annotation (a string: never evaluated)', NULL, NULL, ?)",
        [(job,) for job in inside],
    )
    db.commit()
    db.close()
    return len(inside)


def environment(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURTNEWS_", "COVERAGE_"))}
    env["PYTHONPATH"] = str(work)  # the mutated copy first, for this process and every one it starts
    return env


def retest_survivors(module: str, spec: dict, exclude: list[str], work: Path, session: Path) -> int:
    """After tests were added: the checkout's tests (and the module's test selection) into the copy, and
    the surviving mutants of the session queued again. Killed mutants stay killed."""
    shutil.rmtree(work / "tests")
    shutil.copytree(ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    (work.parent / f"{slug(module)}.toml").write_text(config_text(module, spec, exclude), "utf-8")
    db = sqlite3.connect(session)
    survivors = db.execute("DELETE FROM work_results WHERE lower(test_outcome) = 'survived'").rowcount
    db.commit()
    db.close()
    return survivors


def run_module(module: str, spec: dict, exclude: list[str], resume: bool, retest: bool = False) -> Result:
    work = WORK / slug(module)
    session = work.parent / f"{slug(module)}.sqlite"
    log = work.parent / f"{slug(module)}.log"
    started = time.monotonic()
    if retest:
        if not session.exists():
            raise SystemExit(f"{module}: no session in {WORK} to retest")
        queued = retest_survivors(module, spec, exclude, work, session)
        with open(log, "a") as out:
            print(f"{module}: {queued} survivors queued again with the current tests", file=out, flush=True)
        resume = True
    digest = work.parent / f"{slug(module)}.digest"  # the module's source when the session began
    current = hashlib.sha256((ROOT / module).read_bytes()).hexdigest()
    if resume and session.exists() and work.exists():
        if not digest.exists() or digest.read_text() != current:
            raise SystemExit(
                f"{module} changed since its session began (its mutants' positions no longer hold): "
                "run it again without --resume"
            )
        # a fresh copy: an interrupted session can leave its last mutant applied, and the tests may have changed
        copy_checkout(work)
    else:
        session.unlink(missing_ok=True)
        copy_checkout(work)
        digest.write_text(current)
        config = work.parent / f"{slug(module)}.toml"
        config.write_text(config_text(module, spec, exclude), "utf-8")
        env = environment(work)
        with open(log, "w") as out:
            run_group(
                [COSMIC_RAY, "init", config, session], cwd=work, env=env, check=True, stdout=out, stderr=out
            )
            run_group([FILTER, session, config], cwd=work, env=env, check=True, stdout=out, stderr=out)
            skipped = skip_annotation_mutants(session, work / module)
            print(f"{module}: {skipped} mutants inside type annotations skipped", file=out, flush=True)
            baseline = run_group([COSMIC_RAY, "baseline", config], cwd=work, env=env, stdout=out, stderr=out)
        if baseline.returncode != 0:
            raise SystemExit(f"{module}: its tests fail on the unmutated code; see {log}")
    config = work.parent / f"{slug(module)}.toml"
    workers = int(spec.get("workers", 1))
    with contextlib.ExitStack() as stack:
        if workers > 1:
            urls = stack.enter_context(http_workers(work, workers, log))
            config = work.parent / f"{slug(module)}-http.toml"
            config.write_text(config_text(module, spec, exclude, urls), "utf-8")
        with open(log, "a") as out:
            run_group(
                [COSMIC_RAY, "exec", config, session], cwd=work, env=environment(work), stdout=out, stderr=out
            )
    result = read_session(module, session, work)
    # the time of every run of this session, a resumed one included
    spent = work.parent / f"{slug(module)}.seconds"
    total = float(spent.read_text() if resume and spent.exists() else 0) + time.monotonic() - started
    spent.write_text(str(total))
    result.seconds = total
    return result


def read_session(module: str, session: Path, work: Path) -> Result:
    lines = (work / module).read_text("utf-8").splitlines()
    db = sqlite3.connect(session)
    rows = db.execute(
        "SELECT s.operator_name, s.occurrence, s.start_pos_row, r.worker_outcome, r.test_outcome "
        "FROM mutation_specs s LEFT JOIN work_results r ON r.job_id = s.job_id ORDER BY s.start_pos_row"
    ).fetchall()
    db.close()
    result = Result(module)
    for operator, occurrence, row, worker, test in rows:
        if worker is None or (test is None and worker.upper() != "SKIPPED"):
            result.pending += 1  # not run yet, or cosmic-ray itself failed on it
            continue
        if worker.upper().replace("-", "_") in ("SKIPPED", "NO_TEST"):
            continue  # an excluded operator
        result.total += 1
        if test.upper() == "SURVIVED":
            key = f"{operator.removeprefix('core/')}@{row}:{occurrence}"
            result.survivors.append(Survivor(key, lines[row - 1].strip() if row <= len(lines) else ""))
        else:  # killed, or incompetent (the mutant cannot even be imported): the tests noticed
            result.killed += 1
    return result


# ---------------------------------------------------------------- score.toml
def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load_scores() -> dict[str, dict]:
    if not SCORES.exists():
        return {}
    return tomllib.loads(SCORES.read_text("utf-8")).get("module", {})


def write_scores(recorded: dict[str, dict], results: dict[str, Result]) -> None:
    out = [
        "# Mutation scores of `make mutation` (mutation/run.py), per module, and the mutants that survive with",
        "# the reason each is equivalent (the same behaviour) or acceptable. `make mutation` fails when a",
        "# module's score falls below its score here; `python mutation/run.py --update` rewrites this file",
        "# from a run, keeping the reasons written for survivors that are still there.",
        "",
    ]
    for module in sorted({*recorded, *results}):
        old = recorded.get(module, {})
        if module not in results:
            result_block = _module_block(module, old)
        else:
            result = results[module]
            reasons = {s["key"]: s.get("reason", UNREVIEWED) for s in old.get("survivors", [])}
            for survivor in result.survivors:
                survivor.reason = reasons.get(survivor.key, UNREVIEWED)
            equivalent = {s.key for s in result.survivors if s.reason != UNREVIEWED}
            block = {
                "mutants": result.total,
                "killed": result.killed,
                "score": math.floor(result.score(equivalent) * 10) / 10,  # a floor: never above the run
                "minutes": round(result.seconds / 60, 1),
                "survivors": [{"key": s.key, "code": s.code, "reason": s.reason} for s in result.survivors],
            }
            result_block = _module_block(module, block)
        out += result_block
    SCORES.write_text("\n".join(out) + "\n", "utf-8")


def _module_block(module: str, block: dict) -> list[str]:
    lines = [f"[module.{_toml_string(module)}]"]
    for name in ("mutants", "killed", "score", "minutes"):
        if name in block:
            lines.append(f"{name} = {block[name]}")
    lines.append("survivors = [")
    for s in block.get("survivors", []):
        lines.append(
            f"    {{ key = {_toml_string(s['key'])}, code = {_toml_string(s['code'])}, "
            f"reason = {_toml_string(s['reason'])} }},"
        )
    lines += ["]", ""]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: all in modules.toml)")
    parser.add_argument("--jobs", type=int, default=2, help="modules mutated at once (default 2)")
    parser.add_argument("--resume", action="store_true", help="go on with the sessions in build/mutation")
    parser.add_argument("--update", action="store_true", help="record these scores and survivors")
    parser.add_argument(
        "--retest", action="store_true", help="run the survivors of the sessions again with the current tests"
    )
    args = parser.parse_args()
    config = tomllib.loads((HERE / "modules.toml").read_text("utf-8"))
    specs = config["modules"]
    modules = args.modules or list(specs)
    unknown = [m for m in modules if m not in specs]
    if unknown:
        parser.error(f"not in mutation/modules.toml: {unknown}")
    if not COSMIC_RAY.exists():
        parser.error(f"{COSMIC_RAY} is missing: run `make mutation`, which installs cosmic-ray there")
    WORK.mkdir(parents=True, exist_ok=True)
    exclude = config["operators"]["exclude"]
    started = time.monotonic()
    results: dict[str, Result] = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool, children_ended():
        futures = {
            pool.submit(run_module, m, specs[m], exclude, args.resume, args.retest): m for m in modules
        }
        for future in concurrent.futures.as_completed(futures):
            result = future.result()
            results[result.module] = result
            print(
                f"{result.module}: {result.killed}/{result.total} killed in {result.seconds / 60:.1f} min",
                flush=True,
            )
    recorded = load_scores()
    failed = False
    print(f"\n{'module':36} {'mutants':>8} {'killed':>7} {'score':>7} {'recorded':>9}  survivors")
    for module in modules:
        result = results[module]
        old = recorded.get(module, {})
        equivalent = {s["key"] for s in old.get("survivors", []) if s.get("reason", UNREVIEWED) != UNREVIEWED}
        score = result.score(equivalent)
        floor = old.get("score")
        fell = floor is not None and score + 1e-9 < floor
        failed |= fell or result.pending > 0
        new = [s for s in result.survivors if s.key not in equivalent]
        print(
            f"{module:36} {result.total:8} {result.killed:7} {score:6.1f}% "
            f"{'' if floor is None else f'{floor:.1f}%':>9}  {len(result.survivors)} ({len(new)} unreviewed)"
            + ("  FELL BELOW THE RECORDED SCORE" if fell else "")
            + (f"  {result.pending} NOT RUN" if result.pending else "")
        )
        for survivor in new:
            print(f"    survives: {survivor.key}: {survivor.code}")
    print(f"\n{len(modules)} modules in {(time.monotonic() - started) / 60:.1f} minutes")
    if args.update:
        write_scores(recorded, results)
        print(f"recorded in {SCORES.relative_to(ROOT)}")
        return 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
