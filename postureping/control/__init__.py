"""The control channel: the CLI talks to the running daemon over a socket only its user can
reach. protocol.py holds the message format, server.py the daemon's side, client.py the
CLI's, instance.py the one-daemon-per-user lock."""
