"""Progress for the commands that can take a while (plan's and audit's reads, export): shown on
a terminal, on stderr, and gone when the work is done; nothing at all when stderr is piped, so CI
logs and redirected output stay exactly what the command reports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console


@contextmanager
def status(console: Console, message: str) -> Iterator[None]:
    """A spinner with `message` while one step runs (a read whose length is not known ahead)."""
    if not console.is_terminal:
        yield
        return
    with console.status(message):
        yield


@contextmanager
def counter(console: Console, verb: str, first: str | None = None
            ) -> Iterator[Callable[[int, int | None, str], None] | None]:
    """A bar counting items up: the block gets `progress(done, total, name)` to call before each
    item (`verb name`, done/total) and once at the end, or None when there is no terminal. It
    reads `first` (else `verb`) and pulses until the first call; a total of None pulses too."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(first or verb, total=None)

        def progress(done: int, total: int | None, name: str) -> None:
            bar.update(task, description=f"{verb} {name}" if name else verb, total=total, completed=done)

        yield progress
