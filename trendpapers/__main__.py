"""``python -m trendpapers`` runs the command line."""

from trendpapers.cli import main

main()
