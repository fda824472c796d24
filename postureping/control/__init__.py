"""The control channel: the CLI talks to the running daemon over a channel only its user can
reach. protocol.py holds the message format; transport.py picks the channel for the OS: a
Unix socket (server.py the daemon's side, client.py the CLI's) or, on Windows, a named pipe
(pipe.py). Both servers serve a thread per connection (workers.py) and pass each request
through the ledger (ledger.py), which carries out each request id once and none that came
after its client gave up. folder.py checks the runtime folder (the user's own, private, not
a link), peer.py tells who is at the other end of a socket, and instance.py holds the
one-daemon-per-user lock."""
