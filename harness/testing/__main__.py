"""``python -m harness.testing``: serve the OpenAI-compatible test server (see chat_server.main)."""

from harness.testing.chat_server import main

main()
