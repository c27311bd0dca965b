"""``python -m harness.testing``: serve the OpenAI-compatible test server (see server_cli.main)."""

from harness.testing.server_cli import main

main()
