"""Entry script of the frozen app: one executable is the CLI and, without a command, the GUI."""

from reviewstation.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
