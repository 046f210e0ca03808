"""The ``feedtool`` program: ``python -m feedtool`` and the ``feedtool`` command."""

from feedtool import _interrupt as interrupt


def run() -> None:
    """Run the command line; a signal stops it as ``feedtool._interrupt`` describes."""
    # First: a signal that comes while the commands are imported stops feedtool cleanly too.
    interrupt.stop_on_signals()
    try:
        from feedtool._cli import main

        main()
    except KeyboardInterrupt as stopped:  # before any command started
        interrupt.report(stopped)
    finally:
        interrupt.end()


if __name__ == "__main__":
    run()
