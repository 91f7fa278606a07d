"""``python -m entcli``: the same as the ``entcli`` command."""

from entcli.cli.entry import main

if __name__ == "__main__":
    main()
