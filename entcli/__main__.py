"""``python -m entcli``: the same as the ``entcli`` command."""

from entcli.cli.app import main

if __name__ == "__main__":
    main()
