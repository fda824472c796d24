"""The control channel: the CLI talks to the running daemon over a channel only its user can
reach. protocol.py holds the message format; transport.py picks the channel for the OS: a
Unix socket (server.py the daemon's side, client.py the CLI's) or, on Windows, a named pipe
(pipe.py). instance.py holds the one-daemon-per-user lock."""
