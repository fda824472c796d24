"""The event history: every prompt and every answer, one JSON line each, only appended to.

- `events.py`: the event values and their stable on-disk form; `EVENT_KEYS` lists a line's
  keys, which every reader and the writer derive from (a new field: one Key there).
- `layout.py`: how a line is laid out, and the patterns the fast readers match it with.
- `store.py`: the store: append under a lock, read, repair nothing silently.
- `format.py`: reading a file's bytes: each line checked against its checksum and parsed.
- `counts.py`: counting a file's events for the statistics without making an Event of each.
- `tail.py`: reading from the end, so recent history costs the same however long it grows.
- `merge.py`: importing another history by event id, so nothing is added twice.
- `checkins.py`: the pain check-ins in a history, and the events recording one adds.
- `pending.py`: events the disk could not take yet, kept in order until it can.
- `files.py`, `io.py`, `lock.py`: the folder and files (private, synced, the user's own), the
  operating-system calls behind one object, and the advisory lock shared by every writer.
"""
