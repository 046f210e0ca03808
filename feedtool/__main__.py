"""The ``feedtool`` program: ``python -m feedtool`` and the ``feedtool`` command."""

from feedtool import interrupt


def run() -> None:
    """Run the command line; a signal stops it as ``feedtool.interrupt`` describes."""
    # First: a signal that comes while the commands are imported stops feedtool cleanly too.
    interrupt.stop_on_signals()
    try:
        from feedtool.cli import main

        main()
    except KeyboardInterrupt as stopped:  # before any command started
        interrupt.report(stopped)
    finally:
        interrupt.end()


if __name__ == "__main__":
    run()
